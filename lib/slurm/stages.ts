/**
 * The one place where the Slurm tasks call the pipeline (../pipeline/): the prepare stage (data,
 * features, k-means per K), one GAN job of the train stage, and the study + report. Everything here
 * runs on the shared run folder and resumes from what is on disk, exactly as `heritage run` does,
 * so a Slurm run and an in-process run with the same config give the same models and numbers.
 * When the pipeline's stage API changes, only this file should need to follow.
 */
import type { ExperimentConfig } from "../config/experiment.js";
import { clusterKs, clusterStage } from "../pipeline/cluster-stage.js";
import { runExperiment, type RunSummary } from "../pipeline/run.js";
import { dataStage, type SplitFile } from "../pipeline/data-stage.js";
import { asLayout, clusterJobName, GENERAL_JOB, kKey, type RunDirOrLayout } from "../pipeline/layout.js";
import { runRecord } from "../pipeline/record.js";
import { extraClusterInit, ganJobs, mainClusterK, trainStage } from "../pipeline/train-stage.js";
import type { TrainResult } from "../gan/train.js";
import { initBackend } from "../runtime/backend.js";
import { readJson } from "../util/fs.js";
import { info } from "../util/log.js";

/** One GAN job as planned from the config alone (before clustering has run). */
export interface PlannedJob {
  /** Array index of the job (0 = the general GAN). */
  index: number;
  /** The train stage's job name: "general" or "k<K>/cluster-<c>". */
  name: string;
  k: number;
  cluster: number | null;
  /** Folder of the job's model in the run folder. */
  outDir: string;
}

/** The K values the pipeline clusters for (a sweep or the single K), sorted (../pipeline/cluster-stage.ts). */
export { clusterKs };

/**
 * Every GAN job the run can have, numbered for a job array: the general GAN, then each cluster of
 * each K > 1. This is an upper bound: k-means may merge small clusters (cluster.minSize), and the
 * train stage skips clusters with fewer than 2 images; the tasks of such jobs find nothing to do.
 * The names are the train stage's (../pipeline/train-stage.ts `ganJobs`).
 */
export function plannedJobs(cfg: ExperimentConfig, run: RunDirOrLayout): PlannedJob[] {
  const layout = asLayout(run);
  const jobs: PlannedJob[] = [{ index: 0, name: GENERAL_JOB, k: 1, cluster: null, outDir: layout.ganDir(GENERAL_JOB) }];
  const add = (k: number, c: number, name: string) => jobs.push({ index: jobs.length, name, k, cluster: c, outDir: layout.ganDir(name) });
  for (const k of clusterKs(cfg)) {
    if (k <= 1) continue;
    for (let c = 0; c < k; c++) add(k, c, clusterJobName(k, c));
  }
  const extra = extraClusterInit(cfg);
  if (extra) {
    const k = mainClusterK(cfg);
    for (let c = 0; c < k; c++) add(k, c, clusterJobName(k, c, extra));
  }
  return jobs;
}

/**
 * Whether the cluster GANs start from the trained general GAN (gan.clusterInit = "general"), so
 * the general GAN must finish first. Read loosely: the field may not exist in this config schema.
 */
export function generalFirst(cfg: ExperimentConfig): boolean {
  return cfg.gan.clusterInit === "general" || extraClusterInit(cfg) === "general";
}

/** Stage 1: the dataset (synthesised when the config says so), the split, features and k-means per K. */
export async function prepareStage(cfg: ExperimentConfig, runDir: RunDirOrLayout): Promise<{ train: number; test: number; clusters: Record<string, number[]> }> {
  await initBackend();
  const data = await dataStage(cfg, runDir);
  const clusterings = await clusterStage(cfg, runDir, data.dir, data.train, clusterKs(cfg));
  return { train: data.train.length, test: data.test.length, clusters: Object.fromEntries([...clusterings].map(([k, m]) => [kKey(k), m.sizes])) };
}

/** What one train task did. */
export interface TrainJobOutcome {
  name: string;
  /** "trained" (this attempt trained or resumed it), "skipped" (too few images, or the cluster was merged away). */
  status: "trained" | "skipped";
  reason?: string;
  result?: TrainResult;
}

/**
 * Stage 2, one job: train (or resume, or find finished) the GAN `name` with the train stage the
 * CLI uses, on the split and clusterings the prepare stage left in the run folder.
 */
export async function trainJob(cfg: ExperimentConfig, runDir: RunDirOrLayout, name: string): Promise<TrainJobOutcome> {
  await initBackend();
  const layout = asLayout(runDir);
  // The prepare stage made the dataset; point the data stage at it so nothing is re-synthesised.
  const split = await readJson<SplitFile>(layout.split).catch(() => {
    throw new Error(`${layout.split} is missing: the prepare stage has not run (or failed) for this run folder`);
  });
  const data = await dataStage(cfg, layout, split.dir);
  const clusterings = await clusterStage(cfg, layout, data.dir, data.train, clusterKs(cfg));
  const job = ganJobs(layout, data.train, clusterings, cfg).find((j) => j.name === name);
  if (!job) return { name, status: "skipped", reason: "k-means merged this cluster away (cluster.minSize); no GAN to train" };
  const card = { data: data.dir, runName: cfg.name, commit: runRecord(cfg.name, cfg.seed).commit, seed: cfg.seed };
  const one: ExperimentConfig = { ...cfg, gan: { ...cfg.gan, workers: 1 } };
  const res = await trainStage(one, data.train, [job], card);
  const result = res.results.get(name);
  if (!result) return { name, status: "skipped", reason: `only ${job.ids.length} training image(s); the train stage needs 2` };
  return { name, status: "trained", result };
}

/**
 * Stage 3: the study and the report. This is the whole pipeline run on the run folder: data,
 * clusters and every GAN are found on disk (nothing is trained again), then the completion study,
 * report.html and summary.json are written as by `heritage run`.
 */
export async function studyStage(cfg: ExperimentConfig, runDir: RunDirOrLayout): Promise<RunSummary> {
  const layout = asLayout(runDir);
  info(`study: reusing the data, clusterings and GANs in ${layout.dir}`);
  return runExperiment({ config: cfg, layout });
}
