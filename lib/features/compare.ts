/**
 * Which global feature groups a labelled collection best? For each extractor: its dimension, its
 * speed (ms per image), and after k-means with K clusters the adjusted Rand index and normalised
 * mutual information against the labels, and the silhouette of the clustering (all sklearn
 * definitions, from lib/cluster). k-means runs from several seeds (each with restarts), and the
 * scores are given as mean ± sd [min, max] over the seeds (./score-interval.ts), so two extractors
 * 0.02 apart are not called different when the seeds alone move ARI that much. Features come
 * through the cache and fitted vocabularies through ./fit-cache.ts, so a rerun is cheap.
 *
 * A supervised extractor (one whose fit learns from the labels, e.g. a style LDA) would be scored
 * against the labels it was fitted on; it is cross-fitted instead: the items are split in two
 * halves stratified by label, it is fitted on each half and scored on the other, and the scores of
 * both held-out halves (K clusters each) are summarised together (`heldOut` on the row).
 */
import path from "node:path";
import type { DatasetItem } from "../data/dataset.js";
import { trainTestSplit } from "../data/split.js";
import { KMEANS_DEFAULTS, kmeans } from "../cluster/kmeans.js";
import { adjustedRandScore, normalizedMutualInfo, silhouetteScore } from "../cluster/metrics.js";
import { info, warn } from "../util/log.js";
import { extractFeaturesDetailed } from "./cache.js";
import type { FeatureExtractor } from "./extractor.js";
import { fitWithCache } from "./fit-cache.js";
import { createExtractor, listExtractors } from "./registry.js";
import { formatInterval, scoreOverSeeds, summarizeRuns, type Interval, type SeedScores } from "./score-interval.js";

export interface CompareOptions {
  /** Number of k-means clusters; normally the number of labels. At least 2. */
  k: number;
  /** Extractor ids to run. Default: every available one (see `listExtractors`). */
  extractors?: string[];
  /** Also try extractors that are unavailable offline (a Keras CNN whose weights would be downloaded). Default false. */
  download?: boolean;
  /** Options passed to `createExtractor` per id, e.g. { vgg16: { pooling: "avg" } }. */
  extractorOptions?: Record<string, Record<string, unknown>>;
  /** Scale each feature vector to unit L2 norm before k-means ("l2"), or use it as is ("none", as the paper). Default "none". */
  normalize?: "none" | "l2";
  /** First k-means seed. Default 0. */
  seed?: number;
  /** k-means seeds seed, seed + 1, ...: the scores are summarised over them. Sensible 5..20. Default 5. */
  seeds?: number;
  /** k-means restarts (best inertia wins). Sensible 1..50. Default 10. */
  nInit?: number;
  /** Images per extraction batch. Default 16. */
  batch?: number;
  /** Silhouette on a random subset of this many rows to bound its O(n^2 d) cost. Default all rows. */
  silhouetteSample?: number;
  /** Feature cache root (tests). Default `cacheDir("features")`. */
  cacheRoot?: string;
  /** Fitted-vocabulary cache root. Default `<cacheRoot>/_vocabularies` when cacheRoot is given, else `cacheDir("vocabularies")`. */
  fitCacheRoot?: string;
  /**
   * Fit extractors that need it (bag of visual words) on at most this many images, taken evenly
   * spaced through the item list (so every label is represented). Default all items.
   */
  fitLimit?: number;
}

export interface CompareRow {
  id: string;
  /** False when the extractor could not run here; `error` says why. */
  ok: boolean;
  error?: string;
  dim?: number;
  /** Extraction time per image (decoding excluded), measured now or when the cached features were made. */
  msPerImage?: number | null;
  /** Images answered from the feature cache / computed now. */
  cached?: number;
  computed?: number;
  /** Means over the k-means seeds. */
  ari?: number;
  nmi?: number;
  silhouette?: number;
  /** The same as mean ± sd [min, max] over the seeds. */
  ariInterval?: Interval;
  nmiInterval?: Interval;
  silhouetteInterval?: Interval;
  /** k-means inertia: the lowest over the seeds. */
  inertia?: number;
  /** How the fitted state (vocabulary, PCA) was had: "fitted", "cached" or "none". */
  fit?: "fitted" | "cached" | "none";
  /**
   * Seconds of fitting now (decoding included). A fitted extractor may compute its raw features
   * during the fit (the style extractor's PCA does) and reuse them, so ms/image alone understates its cost.
   */
  fitSeconds?: number;
  /** Seconds for k-means + metrics. */
  clusterSeconds?: number;
  /** A supervised extractor, fitted on one half of the items and scored on the other (both ways). */
  heldOut?: boolean;
}

export interface CompareResult {
  n: number;
  k: number;
  labels: string[];
  rows: CompareRow[];
}

/** Unit-L2 copies of the rows (zero rows stay zero). */
export function l2Normalize(rows: readonly Float32Array[]): Float32Array[] {
  return rows.map((r) => {
    let s = 0;
    for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    return r.map((v) => v * inv);
  });
}

/** Cluster features and score the clustering against the truth labels (pure). */
export function scoreClustering(
  features: readonly Float32Array[],
  truth: readonly string[],
  opts: Pick<CompareOptions, "k" | "seed" | "nInit" | "normalize" | "silhouetteSample">,
): { ari: number; nmi: number; silhouette: number; inertia: number; labels: Int32Array } {
  const X = opts.normalize === "l2" ? l2Normalize(features) : (features as Float32Array[]);
  const km = kmeans(X, opts.k, { seed: opts.seed ?? 0, nInit: opts.nInit ?? KMEANS_DEFAULTS.nInit });
  return {
    ari: adjustedRandScore(truth, km.labels),
    nmi: normalizedMutualInfo(truth, km.labels),
    silhouette: silhouetteScore(X, km.labels, { sampleSize: opts.silhouetteSample, seed: opts.seed ?? 0 }),
    inertia: km.inertia,
    labels: km.labels,
  };
}

/** Run each extractor on `items` (which must all be labelled) and score it; see the module comment. */
export async function compareExtractors(items: readonly DatasetItem[], opts: CompareOptions): Promise<CompareResult> {
  if (items.length === 0) throw new Error("compareExtractors: no images");
  const unlabelled = items.filter((i) => i.label === null);
  if (unlabelled.length > 0) throw new Error(`compareExtractors needs labels; ${unlabelled.length} images have none (e.g. ${unlabelled[0]!.file})`);
  const truth = items.map((i) => i.label as string);
  const labels = [...new Set(truth)].sort();
  const listed = listExtractors();
  const ids = opts.extractors ?? listed.filter((e) => e.available || opts.download).map((e) => e.id);
  const rows: CompareRow[] = [];
  for (const id of ids) {
    const entry = listed.find((e) => e.id === id);
    if (!entry) {
      rows.push({ id, ok: false, error: `unknown extractor; known: ${listed.map((e) => e.id).join(", ")}` });
      continue;
    }
    // A weight file of your own makes a Keras CNN runnable without the published file.
    if (!entry.available && !opts.download && !opts.extractorOptions?.[id]?.weightsFile) {
      rows.push({ id, ok: false, error: entry.why ?? "unavailable" });
      continue;
    }
    let ex: FeatureExtractor | null = null;
    try {
      const createOptions = opts.extractorOptions?.[id] ?? {};
      ex = await createExtractor(id, createOptions);
      const fitCacheRoot = opts.fitCacheRoot ?? (opts.cacheRoot ? path.join(opts.cacheRoot, "_vocabularies") : undefined);
      const first = opts.seed ?? 0;
      const seeds = Array.from({ length: Math.max(1, opts.seeds ?? 5) }, (_, i) => first + i);
      const scoreOpts = { k: opts.k, seeds, nInit: opts.nInit ?? KMEANS_DEFAULTS.nInit, normalize: opts.normalize, silhouette: opts.silhouetteSample ?? true };
      // Parts scored: all items (fitted on all of them, or not fitted), or each held-out half of a supervised extractor.
      const parts: { fitOn: readonly DatasetItem[]; score: readonly DatasetItem[] }[] = [];
      if (ex.supervised) {
        const { train, test } = trainTestSplit(items, { testFraction: 0.5, seed: first });
        parts.push({ fitOn: train, score: test }, { fitOn: test, score: train });
      } else parts.push({ fitOn: items, score: items });
      const runs: SeedScores["runs"] = [];
      let fitHow = "none" as "fitted" | "cached" | "none";
      let fitSeconds = 0;
      let msPerImage: number | null = null;
      let cached = 0;
      let computed = 0;
      let clusterSeconds = 0;
      let dim = 0;
      for (const [p, part] of parts.entries()) {
        if (p > 0) {
          ex.dispose();
          ex = null;
          ex = await createExtractor(id, createOptions);
        }
        const fitted = await fitWithCache(id, createOptions, ex, part.fitOn, { limit: opts.fitLimit, cacheRoot: fitCacheRoot });
        ex = fitted.extractor;
        fitHow = fitted.how === "fitted" || fitHow === "fitted" ? "fitted" : fitted.how;
        fitSeconds += fitted.seconds;
        const got = await extractFeaturesDetailed(ex, [...part.score], { batch: opts.batch, cacheRoot: opts.cacheRoot });
        msPerImage = got.msPerImage ?? msPerImage;
        cached += got.cached;
        computed += got.computed;
        dim = ex.dim();
        const t0 = performance.now();
        runs.push(...scoreOverSeeds(got.features, part.score.map((i) => i.label as string), scoreOpts).runs);
        clusterSeconds += (performance.now() - t0) / 1000;
      }
      const s = summarizeRuns(runs);
      rows.push({
        id,
        ok: true,
        dim,
        msPerImage,
        cached,
        computed,
        ari: s.ari.mean,
        nmi: s.nmi.mean,
        silhouette: s.silhouette!.mean,
        ariInterval: s.ari,
        nmiInterval: s.nmi,
        silhouetteInterval: s.silhouette!,
        inertia: Math.min(...runs.map((r) => r.inertia)),
        fit: fitHow,
        fitSeconds,
        clusterSeconds,
        ...(parts.length > 1 ? { heldOut: true } : {}),
      });
      info(`${id}: dim ${dim}, ARI ${formatInterval(s.ari)}, NMI ${formatInterval(s.nmi)}, silhouette ${formatInterval(s.silhouette)} (${runs.length} runs${parts.length > 1 ? ", supervised: fitted on one half, scored on the other, both ways" : ""})`);
    } catch (err) {
      warn(`${id}: ${(err as Error).message}`);
      rows.push({ id, ok: false, error: (err as Error).message });
    } finally {
      ex?.dispose();
    }
  }
  return { n: items.length, k: opts.k, labels, rows };
}

/** A Markdown table of the rows (for the README and the console): scores as mean ± sd [min, max] over the k-means seeds. */
export function compareTable(result: CompareResult): string {
  const f = (v: number | null | undefined, d: number): string => (v === null || v === undefined ? "–" : v.toFixed(d));
  const iv = (i: Interval | undefined, v: number | undefined): string => (i ? formatInterval(i) : f(v, 3));
  const lines = [
    `| extractor | dims | ms/image | ARI | NMI | silhouette |`,
    `| --- | ---: | ---: | ---: | ---: | ---: |`,
  ];
  for (const r of result.rows) {
    if (!r.ok) lines.push(`| ${r.id} | – | – | – | – | – (${(r.error ?? "").split(/[.;]/)[0]}) |`);
    else lines.push(`| ${r.id}${r.heldOut ? " (held out)" : ""} | ${r.dim} | ${f(r.msPerImage, 1)}${r.fitSeconds ? ` (+ fit ${r.fitSeconds.toFixed(0)} s)` : ""} | ${iv(r.ariInterval, r.ari)} | ${iv(r.nmiInterval, r.nmi)} | ${iv(r.silhouetteInterval, r.silhouette)} |`);
  }
  return lines.join("\n");
}

/** Null when at least one extractor ran, else one message listing every extractor's reason. */
export function allFailedMessage(result: CompareResult): string | null {
  if (result.rows.length > 0 && result.rows.some((r) => r.ok)) return null;
  if (result.rows.length === 0) return "no extractor was run (none selected or available)";
  return `every extractor failed:\n${result.rows.map((r) => `  ${r.id}: ${r.error ?? "unknown error"}`).join("\n")}`;
}
