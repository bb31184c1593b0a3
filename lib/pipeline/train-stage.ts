/**
 * Training stage: the general DCGAN on every training image (the baseline) and one DCGAN per
 * cluster for each clustering (the "specialized GANs"). Each model trains in its own folder and
 * resumes there; finished models are skipped.
 */
import path from "node:path";
import type { ExperimentConfig } from "../config/experiment.js";
import type { ClusterModel } from "../cluster/model.js";
import type { DatasetItem } from "../data/dataset.js";
import type { ImageArray } from "../data/image.js";
import { loadImages } from "../data/load.js";
import { trainGan, type TrainResult } from "../gan/train.js";
import { gpusFromEnv, resolveWorkerCount, trainInWorkers, type GanTask, type GanTaskOptions } from "../gan/workers.js";
import { info } from "../util/log.js";

export interface GanJob {
  /** "general" or "k<K>/cluster-<c>". */
  name: string;
  outDir: string;
  ids: string[];
  cluster: number | null;
  k: number;
}

export function ganJobs(runDir: string, train: readonly DatasetItem[], clusterings: ReadonlyMap<number, ClusterModel>): GanJob[] {
  const jobs: GanJob[] = [{ name: "general", outDir: path.join(runDir, "gans", "general"), ids: train.map((i) => i.id), cluster: null, k: 1 }];
  for (const [k, model] of clusterings) {
    for (let c = 0; c < model.k; c++) {
      const ids = model.ids.filter((_, i) => model.labels[i] === c);
      jobs.push({ name: `k${k}/cluster-${c}`, outDir: path.join(runDir, "gans", `k${k}`, `cluster-${c}`), ids, cluster: c, k });
    }
  }
  return jobs;
}

export interface TrainStageResult {
  results: Map<string, TrainResult>;
  jobs: GanJob[];
}

/**
 * Train every job (each resumes or is skipped when done): in turn in this process, or in
 * `cfg.gan.workers` child processes at once (0 = one per core, or per GPU with HERITAGE_GPUS;
 * capped by the jobs) when that comes to more than one (see ../gan/workers.ts). Both give the same
 * models for the same config. With workers, a failed job does not stop the others; the stage then
 * throws one WorkerPoolError naming every failed job (a rerun resumes and skips finished models).
 */
export async function trainStage(
  cfg: ExperimentConfig,
  train: readonly DatasetItem[],
  jobs: readonly GanJob[],
  card: Record<string, unknown>,
): Promise<TrainStageResult> {
  const S = cfg.gan.arch.imageSize;
  const loaded = await loadImages(train, { size: S, label: `load ${S}px training images` });
  const byId = new Map<string, ImageArray>(loaded.items.map((it, i) => [it.id, loaded.images[i]!]));
  const results = new Map<string, TrainResult>();
  const runnable: { job: GanJob; images: ImageArray[] }[] = [];
  for (const job of jobs) {
    const images = job.ids.map((id) => byId.get(id)).filter((x): x is ImageArray => x !== undefined);
    if (images.length < 2) {
      info(`train ${job.name}: only ${images.length} image(s); skipped (raise cluster.minSize to merge tiny clusters)`);
      continue;
    }
    runnable.push({ job, images });
  }
  const workers = cfg.gan.workers === 1 ? 1 : resolveWorkerCount(cfg.gan.workers, runnable.length, { gpus: gpusFromEnv().length });
  if (workers > 1) {
    const itemById = new Map(loaded.items.map((it) => [it.id, it]));
    const tasks: GanTask[] = runnable.map(({ job }) => ({
      name: job.name,
      outDir: job.outDir,
      items: job.ids.map((id) => itemById.get(id)).filter((x): x is DatasetItem => x !== undefined),
      options: ganTrainOptions(cfg, job, card),
    }));
    const done = await trainInWorkers(tasks, { workers });
    for (const [name, res] of done) results.set(name, res);
    return { results, jobs: [...jobs] };
  }
  for (const [j, { job, images }] of runnable.entries()) {
    info(`train ${job.name} (${j + 1}/${runnable.length}): ${images.length} images`);
    results.set(job.name, await trainGan(images, job.outDir, ganTrainOptions(cfg, job, card)));
  }
  return { results, jobs: [...jobs] };
}

/** The `trainGan` options of one job (the same in-process and in a worker process). */
export function ganTrainOptions(cfg: ExperimentConfig, job: GanJob, card: Record<string, unknown>): GanTaskOptions {
  return {
    arch: cfg.gan.arch,
    epochs: cfg.gan.epochs,
    minSteps: cfg.gan.minSteps,
    batchSize: cfg.gan.batchSize,
    lr: cfg.gan.lr,
    beta1: cfg.gan.beta1,
    latentPrior: cfg.gan.latentPrior,
    flip: cfg.gan.flip,
    checkpointEvery: cfg.gan.checkpointEvery,
    seed: jobSeed(cfg.seed, job.name),
    label: `gan ${job.name}`,
    card: { ...card, job: job.name, k: job.k, cluster: job.cluster, imageIds: job.ids.length },
  };
}

/** A seed per model from the run seed and the job's name (stable when jobs are added or reordered). */
export function jobSeed(seed: number, name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return ((h >>> 0) + seed) % 2 ** 31;
}
