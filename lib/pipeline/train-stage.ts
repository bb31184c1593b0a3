/**
 * Training stage: the general DCGAN on every training image (the baseline) and one DCGAN per
 * cluster for each clustering (the "specialized GANs"). Each model trains in its own folder and
 * resumes there; finished models are skipped.
 *
 * Cluster GANs start either from scratch (the paper) or from the trained general GAN and are then
 * fine-tuned on their cluster (gan.clusterInit "general"; Wang et al. 2018, with DiffAugment and
 * optionally FreezeD): the general GAN is then trained first, and K clusters cost K short fine-tunes.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import type { ExperimentConfig } from "../config/experiment.js";
import type { ClusterModel } from "../cluster/model.js";
import type { DatasetItem } from "../data/dataset.js";
import type { ImageArray } from "../data/image.js";
import { loadImages } from "../data/load.js";
import { GAN_FOLDERS } from "../gan/checkpoint.js";
import { trainGan, type TrainResult } from "../gan/train.js";
import { gpusFromEnv, resolveWorkerCount, trainInWorkers, type GanTask, type GanTaskOptions } from "../gan/workers.js";
import { info } from "../util/log.js";
import { asLayout, clusterJobName, GENERAL_JOB, initMethodName, initSegment, type ClusterInit, type RunDirOrLayout } from "./layout.js";

export { initSegment, type ClusterInit };

export interface GanJob {
  /**
   * "general", "k<K>/cluster-<c>" (cluster GANs started as gan.clusterInit says) or
   * "k<K>/scratch/cluster-<c>" / "k<K>/transfer/cluster-<c>" (the other start, for a study that
   * compares both: methods "clustered-scratch" / "clustered-transfer").
   */
  name: string;
  outDir: string;
  ids: string[];
  cluster: number | null;
  k: number;
  /** How the GAN starts: random weights, or the trained general GAN (then `initFrom` is its folder). */
  init: ClusterInit;
  initFrom?: string;
}

/** The K whose clustered method is the study's plain "clustered" (the configured K, else the largest swept K). */
export function mainClusterK(cfg: Pick<ExperimentConfig, "cluster">): number {
  const ks = cfg.cluster.sweep.length ? cfg.cluster.sweep : [cfg.cluster.k];
  return ks.includes(cfg.cluster.k) && cfg.cluster.k > 1 ? cfg.cluster.k : Math.max(...ks);
}

/** The start of the extra cluster GANs a study asks for (method "clustered-scratch" / "clustered-transfer"), if any. */
export function extraClusterInit(cfg: Pick<ExperimentConfig, "gan" | "study">): ClusterInit | null {
  const other: ClusterInit = cfg.gan.clusterInit === "general" ? "scratch" : "general";
  return cfg.study.methods.includes(initMethodName(other)) ? other : null;
}

/** Every GAN of a run: the general one, each cluster of each K, and the extra cluster GANs of the main K. */
export function ganJobs(
  run: RunDirOrLayout,
  train: readonly DatasetItem[],
  clusterings: ReadonlyMap<number, ClusterModel>,
  cfg: Pick<ExperimentConfig, "gan" | "study" | "cluster">,
): GanJob[] {
  const layout = asLayout(run);
  const generalDir = layout.ganDir(GENERAL_JOB);
  const jobs: GanJob[] = [{ name: GENERAL_JOB, outDir: generalDir, ids: train.map((i) => i.id), cluster: null, k: 1, init: "scratch" }];
  const start = (init: ClusterInit) => (init === "general" ? { init, initFrom: generalDir } : { init });
  const extra = extraClusterInit(cfg);
  const mainK = mainClusterK(cfg);
  for (const [k, model] of clusterings) {
    for (let c = 0; c < model.k; c++) {
      const ids = model.ids.filter((_, i) => model.labels[i] === c);
      const name = clusterJobName(k, c);
      jobs.push({ name, outDir: layout.ganDir(name), ids, cluster: c, k, ...start(cfg.gan.clusterInit) });
    }
    if (extra && k === mainK) {
      for (let c = 0; c < model.k; c++) {
        const ids = model.ids.filter((_, i) => model.labels[i] === c);
        const name = clusterJobName(k, c, extra);
        jobs.push({ name, outDir: layout.ganDir(name), ids, cluster: c, k, ...start(extra) });
      }
    }
  }
  return jobs;
}

/** sha256 of a trained GAN's weight files (generator + discriminator): what a fine-tune started from. */
export async function ganFingerprint(dir: string): Promise<string> {
  const h = createHash("sha256");
  for (const part of [GAN_FOLDERS.G, GAN_FOLDERS.D]) {
    const file = path.join(dir, part, "weights.bin");
    try {
      h.update(await fsp.readFile(file));
    } catch {
      throw new Error(`${file} is missing: the general GAN must be trained before the cluster GANs that start from it`);
    }
  }
  return h.digest("hex");
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
  const runnable: { job: GanJob; images: ImageArray[]; ids: string[] }[] = [];
  for (const job of jobs) {
    const ids = job.ids.filter((id) => byId.has(id));
    const images = ids.map((id) => byId.get(id)!);
    if (images.length < 2) {
      info(`train ${job.name}: only ${images.length} image(s); skipped (raise cluster.minSize to merge tiny clusters)`);
      continue;
    }
    runnable.push({ job, images, ids });
  }
  // Fine-tunes start from the trained general GAN: train everything else first.
  const phases = [runnable.filter((r) => r.job.init !== "general"), runnable.filter((r) => r.job.init === "general")];
  for (const phase of phases) {
    if (phase.length === 0) continue;
    const fingerprints = new Map<string, string>();
    for (const { job } of phase) {
      if (job.initFrom && !fingerprints.has(job.initFrom)) fingerprints.set(job.initFrom, await ganFingerprint(job.initFrom));
    }
    // the ids of the images each GAN trains on are recorded with its settings (a rerun on other images is refused)
    const optionsOf = (job: GanJob, ids: string[]) => ({ ...ganTrainOptions(cfg, job, card, job.initFrom ? fingerprints.get(job.initFrom) : undefined), imageIds: ids });
    const workers = cfg.gan.workers === 1 ? 1 : resolveWorkerCount(cfg.gan.workers, phase.length, { gpus: gpusFromEnv().length });
    if (workers > 1) {
      const itemById = new Map(loaded.items.map((it) => [it.id, it]));
      const tasks: GanTask[] = phase.map(({ job, ids }) => ({
        name: job.name,
        outDir: job.outDir,
        items: ids.map((id) => itemById.get(id)).filter((x): x is DatasetItem => x !== undefined),
        options: optionsOf(job, ids),
      }));
      const done = await trainInWorkers(tasks, { workers });
      for (const [name, res] of done) results.set(name, res);
      continue;
    }
    for (const { job, images, ids } of phase) {
      const j = runnable.findIndex((r) => r.job === job);
      info(`train ${job.name} (${j + 1}/${runnable.length}): ${images.length} images${job.init === "general" ? ", fine-tuned from the general GAN" : ""}`);
      results.set(job.name, await trainGan(images, job.outDir, optionsOf(job, ids)));
    }
  }
  return { results, jobs: [...jobs] };
}

/** The `trainGan` options of one job (the same in-process and in a worker process). */
export function ganTrainOptions(cfg: ExperimentConfig, job: GanJob, card: Record<string, unknown>, initFingerprint?: string): GanTaskOptions {
  const base: GanTaskOptions = {
    arch: cfg.gan.arch,
    epochs: cfg.gan.epochs,
    minSteps: cfg.gan.minSteps,
    batchSize: cfg.gan.batchSize,
    lr: cfg.gan.lr,
    beta1: cfg.gan.beta1,
    latentPrior: cfg.gan.latentPrior,
    flip: cfg.gan.flip,
    augment: cfg.gan.augment,
    ema: cfg.gan.ema,
    checkpointEvery: cfg.gan.checkpointEvery,
    seed: jobSeed(cfg.seed, job.name),
    label: `gan ${job.name}`,
    card: { ...card, job: job.name, k: job.k, cluster: job.cluster, imageIds: job.ids.length, init: job.init },
  };
  if (job.init !== "general") return base;
  if (!job.initFrom || !initFingerprint) throw new Error(`${job.name}: starts from the general GAN, but its folder or fingerprint is missing`);
  const t = cfg.gan.transfer;
  return {
    ...base,
    // A fine-tune is counted in steps: one pass at least, more until transfer.steps is reached.
    epochs: 1,
    minSteps: t.steps,
    lr: t.lr ?? cfg.gan.lr,
    augment: t.augment,
    freezeD: t.freezeD,
    checkpointEvery: Math.max(1, Math.ceil(cfg.gan.checkpointEvery / 2)),
    init: { from: job.initFrom, fingerprint: initFingerprint },
  };
}

/** A seed per model from the run seed and the job's name (stable when jobs are added or reordered). */
export function jobSeed(seed: number, name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return ((h >>> 0) + seed) % 2 ** 31;
}
