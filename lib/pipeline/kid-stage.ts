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
 * Pooled comparison (`pooled`): the general GAN and each clustered method as a whole, against the
 * same real set (every held-out painting). A clustered method's samples are a mixture: each cluster
 * GAN gives a share of the samples proportional to its cluster's training images, as the clustered
 * framework would generate paintings. Each is compared with the general GAN by kidDifference (paired
 * bootstrap over samples and real images, two-sided p).
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
import { kidDifference, type KidDifference } from "../metrics/kid.js";
import { featuresAtInputSize, ganKid, generatedFeatures, kidOf, KID_FEATURES, KID_FEATURES_NOTE, type GanKid, type KidAgainst } from "../study/gan-quality.js";
import { readJson, sha256, writeJsonAtomic } from "../util/fs.js";
import { info } from "../util/log.js";
import { progress } from "../util/progress.js";
import { createRng, shuffled } from "../util/random.js";
import { asLayout, clusterJobName, GENERAL_JOB, initMethodName, type RunDirOrLayout } from "./layout.js";
import { clusteredMethodName } from "./study-stage.js";

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
  /** The general GAN and each clustered method as a whole, against every held-out painting (absent in older runs). */
  pooled?: PooledKid[];
}

/**
 * Features `kidStage` computed that `pooledKid` needs again: the general GAN's samples' (absent when
 * its KID came from its card) and the real images' by id.
 */
export interface KidFeatures {
  general?: readonly Float32Array[];
  real: ReadonlyMap<string, Float32Array>;
}

/** A method's KID as a whole (see the module comment), and how it compares with the general GAN. */
export interface PooledKid {
  /** Study method name ("general", "clustered", "clustered-scratch", "clustered-k4"). */
  method: string;
  /** K of a clustered method; null for the general GAN. */
  k: number | null;
  value: number;
  low: number;
  high: number;
  /** Samples and real images. */
  n: number;
  nReal: number;
  /** Samples drawn from each GAN (job name -> count). */
  samples: Record<string, number>;
  /** KID(method) - KID(general) with its interval and p (null for the general GAN itself). */
  vsGeneral: KidDifference | null;
}

/**
 * Split `total` samples over groups in proportion to `sizes` (largest remainder; ties to the
 * earlier group), so the counts sum to `total`.
 */
export function mixtureCounts(sizes: readonly number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw new Error("mixtureCounts: the groups are empty");
  const exact = sizes.map((s) => (s * total) / sum);
  const out = exact.map(Math.floor);
  const order = exact.map((e, i) => ({ r: e - Math.floor(e), i })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let left = total - out.reduce((a, b) => a + b, 0), j = 0; left > 0; left--, j++) out[order[j % order.length]!.i]! += 1;
  return out;
}

/** The clustered methods of a run as groups of GAN jobs (name -> training images), by study method name. */
export function pooledGroups(
  ganJobs: readonly { name: string; ids: readonly string[]; k: number; cluster: number | null; init?: string }[],
  modelDirs: ReadonlyMap<string, string>,
  mainK: number,
): { method: string; k: number; jobs: { name: string; images: number }[] }[] {
  const groups = new Map<string, { method: string; k: number; jobs: { name: string; images: number }[] }>();
  for (const j of ganJobs) {
    if (j.cluster === null || !modelDirs.has(j.name)) continue;
    let method: string;
    if (j.name === clusterJobName(j.k, j.cluster)) method = clusteredMethodName(j.k, mainK);
    else method = initMethodName(j.init === "general" ? "general" : "scratch");
    if (!groups.has(method)) groups.set(method, { method, k: j.k, jobs: [] });
    groups.get(method)!.jobs.push({ name: j.name, images: j.ids.length });
  }
  return [...groups.values()];
}

/**
 * The pooled comparison: general and every clustered method against the same held-out paintings
 * (`realIds`), `samples` samples each, the clustered ones drawn as a mixture (see mixtureCounts).
 * `computed`: what `kidStage` already extracted (the same samples and images); whatever it lacks is
 * generated and extracted here.
 */
export async function pooledKid(
  groups: ReturnType<typeof pooledGroups>,
  modelDirs: ReadonlyMap<string, string>,
  realIds: readonly string[],
  items: ReadonlyMap<string, DatasetItem>,
  imageSize: number,
  options: KidStageOptions,
  computed?: KidFeatures | null,
): Promise<PooledKid[]> {
  const o: Required<KidStageOptions> = { bootstrap: 1000, batch: 16, ...options };
  const generalDir = modelDirs.get(GENERAL_JOB);
  if (o.samples < 2 || !generalDir || groups.length === 0 || realIds.length < 2) return [];
  const ex = await createExtractor(KID_FEATURES);
  try {
    const known = computed?.real;
    let real: readonly Float32Array[];
    if (known && realIds.every((id) => known.has(id))) real = realIds.map((id) => known.get(id)!);
    else {
      const loaded = await loadImages(realIds.map((id) => items.get(id)!), { size: imageSize, label: `kid (pooled): held-out images (${imageSize}px)`, verbose: false });
      real = await featuresAtInputSize(ex, loaded.images, o.batch);
    }
    const gen = { samples: o.samples, seed: o.seed, bootstrap: o.bootstrap, batch: o.batch };
    // The general GAN's samples: the same seed and settings as its own KID in kidStage.
    const general = computed?.general ?? (await generatedFeatures(generalDir, ex, gen));
    const g = kidOf(general, real, gen);
    const out: PooledKid[] = [{ method: "general", k: null, value: g.value, low: g.low, high: g.high, n: general.length, nReal: real.length, samples: { [GENERAL_JOB]: general.length }, vsGeneral: null }];
    const bar = progress("kid (pooled per method)", groups.length);
    for (const grp of groups) {
      const counts = mixtureCounts(grp.jobs.map((j) => j.images), o.samples);
      const fake: Float32Array[] = [];
      const samples: Record<string, number> = {};
      for (let i = 0; i < grp.jobs.length; i++) {
        const n = counts[i]!;
        if (n === 0) continue;
        // each cluster GAN its own z's (seeded by its position), so the mixture is not one z set repeated
        fake.push(...(await generatedFeatures(modelDirs.get(grp.jobs[i]!.name)!, ex, { ...gen, samples: n, seed: o.seed + 1 + i })));
        samples[grp.jobs[i]!.name] = n;
      }
      const r = kidOf(fake, real, gen);
      const vsGeneral = kidDifference(fake, general, real, { bootstrap: o.bootstrap, seed: o.seed });
      out.push({ method: grp.method, k: grp.k, value: r.value, low: r.low, high: r.high, n: fake.length, nReal: real.length, samples, vsGeneral });
      bar.tick(1, `${grp.method} ${r.value.toFixed(4)} (general ${g.value.toFixed(4)}, p ${vsGeneral.p.toFixed(3)})`);
    }
    bar.stop();
    return out;
  } finally {
    ex.dispose();
  }
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
 * `features`: what was extracted (null when every KID came from the cards), for `pooledKid`.
 */
export async function kidStage(
  jobs: readonly KidJob[],
  items: ReadonlyMap<string, DatasetItem>,
  imageSize: number,
  options: KidStageOptions,
): Promise<{ result: KidStageResult; features: KidFeatures | null }> {
  const o: Required<KidStageOptions> = { bootstrap: 1000, batch: 16, ...options };
  const result: KidStageResult = { features: KID_FEATURES, note: KID_FEATURES_NOTE, samples: o.samples, bootstrap: o.bootstrap, models: [] };
  if (o.samples <= 0 || jobs.length === 0) return { result, features: null };
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
    return { result: orderLike(result, jobs), features: null };
  }
  let features: KidFeatures;
  const ex = await createExtractor(KID_FEATURES);
  try {
    // Real features once per image id, shared by every job that uses it.
    const ids = [...new Set(todo.flatMap(({ job }) => [...job.realIds, ...job.floorIds]))];
    const missing = ids.filter((id) => !items.has(id));
    if (missing.length) throw new Error(`kid: ${missing.length} real image id(s) not in the dataset, e.g. "${missing[0]}"`);
    const loaded = await loadImages(ids.map((id) => items.get(id)!), { size: imageSize, label: `kid: real images (${imageSize}px)`, verbose: false });
    const feats = await featuresAtInputSize(ex, loaded.images, o.batch);
    const byId = new Map<string, Float32Array>(loaded.items.map((it, i) => [it.id, feats[i]!]));
    features = { real: byId };
    const rows = (list: readonly string[]) => list.map((id) => byId.get(id)).filter((x): x is Float32Array => x !== undefined);
    const bar = progress(`kid (${o.samples} samples per GAN)`, todo.length);
    for (const { job, card, key } of todo) {
      const { kid, fake } = await ganKid(job.modelDir, ex, { features: rows(job.realIds), against: job.against, floorTraining: rows(job.floorIds) }, { samples: o.samples, seed: o.seed, bootstrap: o.bootstrap, batch: o.batch });
      if (job.name === GENERAL_JOB) features.general = fake;
      await writeJsonAtomic(path.join(job.modelDir, "card.json"), { ...card, kid: { ...kid, key } });
      result.models.push({ name: job.name, ...kid });
      bar.tick(1, `${job.name} ${kid.value.toFixed(4)}`);
    }
    bar.stop(`kid: ${todo.length} measured, ${jobs.length - todo.length} from cards`);
  } finally {
    ex.dispose();
  }
  return { result: orderLike(result, jobs), features };
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
    /** The K whose clustered method is called plain "clustered". */
    mainK: number;
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
  const { result, features } = await kidStage(jobs, items, cfg.gan.arch.imageSize, { samples, seed: cfg.seed });
  const groups = pooledGroups(o.ganJobs, o.modelDirs, o.mainK);
  result.pooled = await pooledKid(groups, o.modelDirs, o.test.map((t) => t.id), items, cfg.gan.arch.imageSize, { samples, seed: cfg.seed }, features);
  return result;
}
