/**
 * Which global feature groups a labelled collection best? For each extractor: its dimension, its
 * speed (ms per image), and after k-means with K clusters the adjusted Rand index and normalised
 * mutual information against the labels, and the silhouette of the clustering (all sklearn
 * definitions, from lib/cluster). Features come through the cache, so a rerun is cheap.
 */
import type { DatasetItem } from "../data/dataset.js";
import { decodeImage } from "../data/decode.js";
import { kmeans } from "../cluster/kmeans.js";
import { adjustedRandScore, normalizedMutualInfo, silhouetteScore } from "../cluster/metrics.js";
import { info, warn } from "../util/log.js";
import { extractFeaturesDetailed } from "./cache.js";
import type { FeatureExtractor } from "./extractor.js";
import { createExtractor, listExtractors } from "./registry.js";

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
  /** k-means seed. Default 0. */
  seed?: number;
  /** k-means restarts (best inertia wins). Sensible 1..50. Default 10. */
  nInit?: number;
  /** Images per extraction batch. Default 16. */
  batch?: number;
  /** Silhouette on a random subset of this many rows to bound its O(n^2 d) cost. Default all rows. */
  silhouetteSample?: number;
  /** Feature cache root (tests). Default `cacheDir("features")`. */
  cacheRoot?: string;
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
  ari?: number;
  nmi?: number;
  silhouette?: number;
  /** k-means inertia of the best run. */
  inertia?: number;
  /** Seconds for k-means + metrics. */
  clusterSeconds?: number;
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
  const km = kmeans(X, opts.k, { seed: opts.seed ?? 0, nInit: opts.nInit ?? 10 });
  return {
    ari: adjustedRandScore(truth, km.labels),
    nmi: normalizedMutualInfo(truth, km.labels),
    silhouette: silhouetteScore(X, km.labels, { sampleSize: opts.silhouetteSample, seed: opts.seed ?? 0 }),
    inertia: km.inertia,
    labels: km.labels,
  };
}

async function fitIfNeeded(ex: FeatureExtractor, items: readonly DatasetItem[], limit?: number): Promise<void> {
  if (!ex.fit) return;
  const n = Math.min(items.length, limit ?? items.length);
  const use = Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
  info(`fitting ${ex.id} on ${use.length} images`);
  const images = [];
  for (const item of use) images.push(await decodeImage(item.file, ex.inputSize));
  await ex.fit(images);
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
    if (!entry.available && !opts.download) {
      rows.push({ id, ok: false, error: entry.why ?? "unavailable" });
      continue;
    }
    let ex: FeatureExtractor | null = null;
    try {
      ex = await createExtractor(id, opts.extractorOptions?.[id] ?? {});
      await fitIfNeeded(ex, items, opts.fitLimit);
      const got = await extractFeaturesDetailed(ex, items, { batch: opts.batch, cacheRoot: opts.cacheRoot });
      const t0 = performance.now();
      const s = scoreClustering(got.features, truth, opts);
      rows.push({
        id,
        ok: true,
        dim: ex.dim(),
        msPerImage: got.msPerImage,
        cached: got.cached,
        computed: got.computed,
        ari: s.ari,
        nmi: s.nmi,
        silhouette: s.silhouette,
        inertia: s.inertia,
        clusterSeconds: (performance.now() - t0) / 1000,
      });
      info(`${id}: dim ${ex.dim()}, ARI ${s.ari.toFixed(3)}, NMI ${s.nmi.toFixed(3)}, silhouette ${s.silhouette.toFixed(3)}`);
    } catch (err) {
      warn(`${id}: ${(err as Error).message}`);
      rows.push({ id, ok: false, error: (err as Error).message });
    } finally {
      ex?.dispose();
    }
  }
  return { n: items.length, k: opts.k, labels, rows };
}

/** A Markdown table of the rows (for the README and the console). */
export function compareTable(result: CompareResult): string {
  const f = (v: number | null | undefined, d: number): string => (v === null || v === undefined ? "–" : v.toFixed(d));
  const lines = [
    `| extractor | dims | ms/image | ARI | NMI | silhouette |`,
    `| --- | ---: | ---: | ---: | ---: | ---: |`,
  ];
  for (const r of result.rows) {
    if (!r.ok) lines.push(`| ${r.id} | – | – | – | – | – (${(r.error ?? "").split(/[.;]/)[0]}) |`);
    else lines.push(`| ${r.id} | ${r.dim} | ${f(r.msPerImage, 1)} | ${f(r.ari, 3)} | ${f(r.nmi, 3)} | ${f(r.silhouette, 3)} |`);
  }
  return lines.join("\n");
}
