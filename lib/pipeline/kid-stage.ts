/**
 * KID stage: the KID (../metrics/kid.ts, ../study/gan-quality.ts) of every trained GAN against real
 * paintings, written into each model's card.json (`card.kid`) and returned for the run summary.
 *
 * Real set per GAN: the held-out paintings of its cluster (each held-out painting goes to the cluster
 * nearest its undamaged features, as the study's oracle routing does; the general GAN gets every
 * held-out painting), or the GAN's own training images when fewer than 2 held-out paintings fall in
 * that cluster (`against` says which). Beside each GAN's KID: the real-vs-real floor, KID of the
 * same held-out paintings against (at most `samples`) training images of the same cluster.
 *
 * Features are MobileNetV2 block 10 (nsfwjs), not Inception: see KID_FEATURES_NOTE.
 * Resumable: a card whose `kid.key` matches the settings, the real ids and the model's finishedAt is
 * not measured again.
 */
import path from "node:path";
import type { ClusterModel } from "../cluster/model.js";
import { routeFeatures } from "../cluster/model.js";
import { createModelExtractor } from "../cluster/model-extractor.js";
import type { DatasetItem } from "../data/dataset.js";
import { loadImages } from "../data/load.js";
import { stableStringify } from "../features/cache.js";
import { createExtractor } from "../features/registry.js";
import { featuresAtInputSize, ganKid, KID_FEATURES, KID_FEATURES_NOTE, type GanKid, type KidAgainst } from "../study/gan-quality.js";
import { readJson, sha256, writeJsonAtomic } from "../util/fs.js";
import { info } from "../util/log.js";
import { progress } from "../util/progress.js";
import { createRng, shuffled } from "../util/random.js";
import { asLayout, type RunDirOrLayout } from "./layout.js";

/** One GAN to measure. */
export interface KidJob {
  /** Job name ("general", "k6/cluster-2", "k6/transfer/cluster-2"). */
  name: string;
  /** Trained model folder (card.json, generator/). */
  modelDir: string;
  /** Ids of the real images it is measured against, and what they are. */
  realIds: string[];
  against: KidAgainst;
  /** Training ids of the same cluster for the real-vs-real floor (when against = held-out). */
  floorIds: string[];
}

export interface KidStageOptions {
  /** Generated samples per GAN (0: the stage does nothing). */
  samples: number;
  seed: number;
  /** Bootstrap resamples. Default 1000. */
  bootstrap?: number;
  /** Batch for generation and extraction. Default 16. */
  batch?: number;
}

export interface KidStageResult {
  features: string;
  note: string;
  samples: number;
  bootstrap: number;
  models: ({ name: string } & GanKid)[];
}

/** Fewer held-out paintings than this in a cluster: measure against its training images instead. */
export const MIN_HELD_OUT = 2;

/** Cluster of every held-out painting per K, from its undamaged features (the study's oracle routing). */
export async function heldOutClusters(
  run: RunDirOrLayout,
  clusterings: ReadonlyMap<number, ClusterModel>,
  test: readonly DatasetItem[],
  batch: number,
): Promise<Map<number, Map<string, number>>> {
  const out = new Map<number, Map<string, number>>();
  for (const [k, model] of clusterings) {
    const ex = await createModelExtractor(model, asLayout(run).clusters(k));
    try {
      const got = await loadImages(test, { size: ex.inputSize, label: `kid: held-out images (${ex.inputSize}px)`, verbose: false });
      const byId = new Map<string, number>();
      for (let i = 0; i < got.items.length; i += batch) {
        const feats = await ex.extract(got.images.slice(i, i + batch));
        got.items.slice(i, i + batch).forEach((it, j) => byId.set(it.id, routeFeatures(model, feats[j]!)));
      }
      out.set(k, byId);
    } finally {
      ex.dispose();
    }
  }
  return out;
}

/**
 * The KID job of each trained GAN job (anything with name, outDir, ids, k and cluster: the general GAN
 * has cluster null). `heldOut` maps K to each held-out id's cluster (see heldOutClusters).
 */
export function kidJobs(
  ganJobs: readonly { name: string; outDir: string; ids: readonly string[]; k: number; cluster: number | null }[],
  modelDirs: ReadonlyMap<string, string>,
  test: readonly DatasetItem[],
  heldOut: ReadonlyMap<number, ReadonlyMap<string, number>>,
  opts: { samples: number; seed: number },
): KidJob[] {
  const jobs: KidJob[] = [];
  for (const j of ganJobs) {
    const modelDir = modelDirs.get(j.name);
    if (!modelDir) continue; // not trained (too small a cluster)
    const held = j.cluster === null ? test.map((t) => t.id) : test.filter((t) => heldOut.get(j.k)?.get(t.id) === j.cluster).map((t) => t.id);
    const against: KidAgainst = held.length >= MIN_HELD_OUT ? "held-out" : "training";
    // The floor uses as many training images as the GAN has samples (same-size sets), a seeded pick.
    const floorIds = against === "held-out" ? shuffled(j.ids, createRng(opts.seed)).slice(0, Math.max(2, opts.samples)) : [];
    jobs.push({ name: j.name, modelDir, realIds: against === "held-out" ? held : [...j.ids], against, floorIds });
  }
  return jobs;
}

/** What a card's KID depends on (a change means: measure again). */
function kidKey(job: KidJob, finishedAt: unknown, o: Required<KidStageOptions>): string {
  return sha256(stableStringify({ features: KID_FEATURES, samples: o.samples, seed: o.seed, bootstrap: o.bootstrap, against: job.against, realIds: job.realIds, floorIds: job.floorIds, finishedAt: finishedAt ?? null })).slice(0, 16);
}

/**
 * Measure every job (or reuse the KID in its card), writing `card.kid` atomically.
 * `items` resolves real ids to files; `imageSize` is the GAN side the real images are decoded at.
 */
export async function kidStage(
  jobs: readonly KidJob[],
  items: ReadonlyMap<string, DatasetItem>,
  imageSize: number,
  options: KidStageOptions,
): Promise<KidStageResult> {
  const o: Required<KidStageOptions> = { bootstrap: 1000, batch: 16, ...options };
  const result: KidStageResult = { features: KID_FEATURES, note: KID_FEATURES_NOTE, samples: o.samples, bootstrap: o.bootstrap, models: [] };
  if (o.samples <= 0 || jobs.length === 0) return result;
  const todo: { job: KidJob; card: Record<string, unknown>; key: string }[] = [];
  for (const job of jobs) {
    const card = await readJson<Record<string, unknown>>(path.join(job.modelDir, "card.json"));
    const key = kidKey(job, card.finishedAt, o);
    const old = card.kid as ({ key?: string } & GanKid) | undefined;
    if (old?.key === key) {
      const { key: _k, ...kid } = old;
      result.models.push({ name: job.name, ...kid });
    } else todo.push({ job, card, key });
  }
  if (todo.length === 0) {
    info(`kid: all ${jobs.length} model cards already hold their KID`);
    return orderLike(result, jobs);
  }
  const ex = await createExtractor(KID_FEATURES);
  try {
    // Real features once per image id, shared by every job that uses it.
    const ids = [...new Set(todo.flatMap(({ job }) => [...job.realIds, ...job.floorIds]))];
    const missing = ids.filter((id) => !items.has(id));
    if (missing.length) throw new Error(`kid: ${missing.length} real image id(s) not in the dataset, e.g. "${missing[0]}"`);
    const loaded = await loadImages(ids.map((id) => items.get(id)!), { size: imageSize, label: `kid: real images (${imageSize}px)`, verbose: false });
    const feats = await featuresAtInputSize(ex, loaded.images, o.batch);
    const byId = new Map<string, Float32Array>(loaded.items.map((it, i) => [it.id, feats[i]!]));
    const rows = (list: readonly string[]) => list.map((id) => byId.get(id)).filter((x): x is Float32Array => x !== undefined);
    const bar = progress(`kid (${o.samples} samples per GAN)`, todo.length);
    for (const { job, card, key } of todo) {
      const kid = await ganKid(job.modelDir, ex, { features: rows(job.realIds), against: job.against, floorTraining: rows(job.floorIds) }, { samples: o.samples, seed: o.seed, bootstrap: o.bootstrap, batch: o.batch });
      await writeJsonAtomic(path.join(job.modelDir, "card.json"), { ...card, kid: { ...kid, key } });
      result.models.push({ name: job.name, ...kid });
      bar.tick(1, `${job.name} ${kid.value.toFixed(4)}`);
    }
    bar.stop(`kid: ${todo.length} measured, ${jobs.length - todo.length} from cards`);
  } finally {
    ex.dispose();
  }
  return orderLike(result, jobs);
}

function orderLike(r: KidStageResult, jobs: readonly KidJob[]): KidStageResult {
  const pos = new Map(jobs.map((j, i) => [j.name, i]));
  r.models.sort((a, b) => pos.get(a.name)! - pos.get(b.name)!);
  return r;
}

/**
 * The stage as the pipeline calls it: route the held-out paintings per K, build one KID job per
 * trained model, measure (or reuse card.kid). Null when `cfg.study.kidSamples` is 0.
 */
export async function runKidStage(
  cfg: { seed: number; gan: { arch: { imageSize: number } }; features: { batch: number }; study: { kidSamples: number } },
  o: {
    runDir: RunDirOrLayout;
    ganJobs: Parameters<typeof kidJobs>[0];
    modelDirs: ReadonlyMap<string, string>;
    clusterings: ReadonlyMap<number, ClusterModel>;
    train: readonly DatasetItem[];
    test: readonly DatasetItem[];
  },
): Promise<KidStageResult | null> {
  const samples = cfg.study.kidSamples;
  if (samples <= 0) return null;
  const heldOut = await heldOutClusters(o.runDir, o.clusterings, o.test, cfg.features.batch);
  const jobs = kidJobs(o.ganJobs, o.modelDirs, o.test, heldOut, { samples, seed: cfg.seed });
  const items = new Map([...o.train, ...o.test].map((it) => [it.id, it]));
  return kidStage(jobs, items, cfg.gan.arch.imageSize, { samples, seed: cfg.seed });
}
