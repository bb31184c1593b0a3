/**
 * `clusterDataset`: the clustering stage end to end, as `heritage cluster` and the study run it,
 * composed of one function per step, each exported for notebooks and the pipeline:
 * `clusterItems` (list the dataset), `clusterFeatures` (compute or read from the cache the global
 * features of every painting), `fitClusterModel` (cluster them into a ClusterModel, no I/O),
 * `writeClusterModel` (clusters.json, + sweep.json/sweep.csv when a sweep ran), and optionally the
 * reports of ./reports.ts: `umapReport` (UMAP figure) and `routingReport` (routing accuracy of
 * damaged images).
 *
 * Files that cannot be read or decoded are left out, each named on a line and listed in the
 * summary's `skipped`. K is checked against the images before any feature is computed: a K above
 * the image count, or a minimum cluster size that leaves room for one cluster only (k-means would
 * merge every cluster into one, and a "K = 2" clustering would be the general GAN again), is
 * refused naming the setting; a minimum size that merges some clusters is said, with the effective K.
 *
 * Files in `outDir`: clusters.json (the ClusterModel), sweep.json and sweep.csv, umap.json (the
 * 2-D embedding with ids, clusters and labels, for notebooks), routing.json, summary.json.
 */
import path from "node:path";
import type { ClusterConfig, FeaturesConfig } from "../config/experiment.js";
import { formatCsv } from "../data/csv.js";
import { listDataset, type DatasetItem } from "../data/dataset.js";
import { extractFeaturesDetailed } from "../features/cache.js";
import { labelledForFit, type FeatureExtractor } from "../features/extractor.js";
import { createExtractor, DEFAULT_EXTRACTOR } from "../features/registry.js";
import { writeFileAtomic, writeJsonAtomic } from "../util/fs.js";
import { info, warn } from "../util/log.js";
import { fitClusters, type ClusterMetrics, type FitClustersResult } from "./fit.js";
import { KMEANS_DEFAULTS } from "./kmeans.js";
import { CLUSTER_MODEL_FORMAT, saveClusterModel, type ClusterModel, type NormalizationKind } from "./model.js";
import type { NeutralFill } from "../inpaint/neutral-fill.js";
import type { Figure } from "../plot/figure.js";
import { imagesFor, routingReport, umapReport } from "./reports.js";
import type { RoutingMaskKind, RoutingRow } from "./route.js";
import { sweepRowForTable, type KSuggestion, type SweepRow } from "./sweep.js";
import type { MergeRecord } from "./balance.js";

/**
 * `nInit`, `minSize` and `balanced` are the config's `cluster` fields, `extractor` and `batch` its
 * `features` ones, documented on the schema (../config/experiment.ts); absent: 10 restarts, no
 * minimum size, not balanced, the registry's DEFAULT_EXTRACTOR (works offline), batches of 16.
 */
export interface ClusterDatasetOptions extends Partial<Pick<ClusterConfig, "nInit" | "minSize" | "balanced">>, Partial<Pick<FeaturesConfig, "extractor" | "batch">> {
  /** Dataset folder (manifest.csv, label subfolders, or flat). */
  data: string;
  /** Cluster only these items of the dataset (e.g. a training split) instead of listing `data`. */
  items?: readonly DatasetItem[];
  /** Folder for clusters.json and the other outputs. */
  outDir: string;
  /** Options for `createExtractor` (pooling, input size...). Default {}. */
  extractorOptions?: Record<string, unknown>;
  /** Number of clusters; required unless `sweep` is given (then the suggested K is used). */
  k?: number;
  /** K values to sweep. */
  sweep?: number[];
  /** Feature normalisation (see ./model.ts). Default "l2". */
  normalization?: NormalizationKind;
  /** Seed for k-means, gap references, UMAP and routing masks. Default 0. */
  seed?: number;
  /**
   * How errors and warnings name K and the minimum size: the command line's flags (default
   * `{ k: "--k", sweep: "--sweep", minSize: "--min-size" }`) or a config's fields ("cluster.k", ...).
   */
  names?: { k?: string; sweep?: string; minSize?: string };
  /** Gap statistic reference sets in a sweep (0 or false = skip). Default 10. */
  gapRefs?: number | false;
  /** Use only the first N images of the listing. Default all. */
  limit?: number;
  /** Recompute features even when cached. Default false. */
  refresh?: boolean;
  /** Write a UMAP scatter here (.html, or .png/.svg through Chromium). Default none. */
  umapOut?: string;
  /** Draw thumbnails of the paintings at their UMAP points. Default false. */
  thumbnails?: boolean;
  /** UMAP neighbours (default 15) and minimum distance (default 0.1). */
  umap?: { nNeighbors?: number; minDist?: number };
  /** Measure routing accuracy of damaged images (holes 10..50 %). Default off. */
  routing?: {
    /** Hole fractions. Default [0.1, 0.2, 0.3, 0.4, 0.5]. */
    holeFractions?: number[];
    /** Fill methods. Default ["mean", "blur"]. */
    fills?: NeutralFill[];
    /** Mask shapes. Default ["square"]. */
    maskKinds?: RoutingMaskKind[];
    /** Route a random subset of this many images (features cost time). Default all. */
    limit?: number;
  };
}

/** What `clusterDataset` did (also printed by `heritage cluster --json`). */
export interface ClusterDatasetSummary {
  data: string;
  n: number;
  extractor: string;
  extractorOptions: Record<string, unknown>;
  dim: number;
  normalization: NormalizationKind;
  /** K asked for or suggested; `k` is the final number after min-size merging. */
  kRequested: number;
  k: number;
  sizes: number[];
  metrics: ClusterMetrics;
  /** Labels of the dataset (ARI / NMI are against these), empty when unlabelled. */
  labels: string[];
  suggestion?: KSuggestion;
  sweep?: Omit<SweepRow, "labels">[];
  merged: MergeRecord[];
  /** Files left out because they cannot be read or decoded, with the reason. */
  skipped: { file: string; reason: string }[];
  routing?: RoutingRow[];
  /** Feature extraction: computed vs cached and ms per image. */
  features: { computed: number; cached: number; msPerImage: number | null };
  files: Record<string, string>;
}

/**
 * Refuse a K that cannot give K clusters of `n` images: K above n, or a minimum size that leaves
 * room for one cluster only (it would merge everything into one). `k` is the smallest K > 1 asked for.
 */
export function checkClusterCounts(n: number, o: { k?: number; sweep?: number[]; minSize?: number; names?: ClusterDatasetOptions["names"]; skipped?: number }): void {
  const names = { k: "--k", sweep: "--sweep", minSize: "--min-size", ...o.names };
  const after = o.skipped ? ` (${o.skipped} undecodable file(s) left out)` : "";
  if (o.k !== undefined && o.k > n) throw new Error(`${names.k} = ${o.k} is larger than the ${n} images to cluster${after}; use ${names.k} <= ${n}`);
  const tooBig = (o.sweep ?? []).filter((k) => k > n);
  if (tooBig.length) throw new Error(`${names.sweep} has K = ${tooBig.join(", ")}, larger than the ${n} images to cluster${after}; use K <= ${n}`);
  const ks = [...(o.k !== undefined ? [o.k] : []), ...(o.sweep ?? [])].filter((k) => k > 1);
  const minSize = o.minSize ?? 0;
  if (ks.length === 0 || minSize <= 0) return;
  const k = Math.min(...ks);
  if (2 * minSize > n) {
    throw new Error(
      `${names.minSize} = ${minSize} leaves room for one cluster of ${n} images only: k-means would merge all K = ${k} clusters into one ` +
        `(the "clustered" GAN would be the general GAN again). Use ${names.minSize} <= ${Math.floor(n / k)} (${n} images / K = ${k}), or 0 to turn it off`,
    );
  }
}

/** The images to cluster: `opts.items` or the dataset's listing, cut to `opts.limit`, with K checked against them. */
export async function clusterItems(opts: Pick<ClusterDatasetOptions, "data" | "items" | "limit" | "k" | "sweep" | "minSize" | "names">): Promise<DatasetItem[]> {
  let items = opts.items ? opts.items.slice() : (await listDataset(opts.data)).items;
  if (opts.limit !== undefined && opts.limit > 0) items = items.slice(0, opts.limit);
  if (items.length < 2) throw new Error(`${opts.data}: ${items.length} images found; clustering needs at least 2`);
  checkClusterCounts(items.length, { k: opts.k, sweep: opts.sweep, minSize: opts.minSize, names: opts.names }); // before any feature is computed
  return items;
}

/** Features of the decodable `items` (fitting the extractor first when it learns a vocabulary). */
export interface ClusterFeatures {
  /** The items that could be read, aligned with `features`. */
  items: DatasetItem[];
  features: Float32Array[];
  /** Files left out because they cannot be read or decoded, with the reason. */
  skipped: { file: string; reason: string }[];
  /** Feature extraction: computed vs cached and ms per image. */
  computed: number;
  cached: number;
  msPerImage: number | null;
}

/**
 * Fit `ex` when it learns from the images, then extract (or read from the cache) the features of
 * `items`. Undecodable files are left out and named; K is checked again against what is left.
 */
export async function clusterFeatures(
  ex: FeatureExtractor,
  items: DatasetItem[],
  opts: Pick<ClusterDatasetOptions, "data" | "batch" | "refresh" | "k" | "sweep" | "minSize" | "names">,
): Promise<ClusterFeatures> {
  const skipped: { file: string; reason: string }[] = [];
  if (ex.fit) {
    if (ex.supervised) labelledForFit(ex.id, items.map((i) => i.label)); // before decoding anything
    const got = await imagesFor(items, ex.inputSize, `fit ${ex.id}`);
    skipped.push(...got.skipped);
    items = got.items;
    await ex.fit(got.images, got.items.map((i) => i.label));
  }
  const feats = await extractFeaturesDetailed(ex, items, { batch: opts.batch ?? 16, refresh: opts.refresh, skipBad: true });
  skipped.push(...feats.skipped);
  items = feats.items;
  if (skipped.length > 0) {
    info(`cluster: ${skipped.length} file(s) cannot be read or decoded and are left out: ${skipped.map((s) => s.file).join(", ")}`);
    if (items.length < 2) throw new Error(`${opts.data}: ${items.length} decodable images (${skipped.length} left out); clustering needs at least 2`);
    checkClusterCounts(items.length, { k: opts.k, sweep: opts.sweep, minSize: opts.minSize, names: opts.names, skipped: skipped.length });
  }
  return { items, features: feats.features, skipped, computed: feats.computed, cached: feats.cached, msPerImage: feats.msPerImage };
}

/** What `fitClusterModel` needs to know of the extractor (a `FeatureExtractor` is one). */
export type ModelExtractorInfo = Pick<FeatureExtractor, "id" | "options" | "inputSize" | "fit">;

/** Whether `ex` is fitted and can save its vocabulary (kept beside clusters.json for routing). */
function vocabularySaver(ex: ModelExtractorInfo): { saveVocabulary(file: string): Promise<void> } | undefined {
  const saver = ex as Partial<{ saveVocabulary(file: string): Promise<void> }>;
  return ex.fit && typeof saver.saveVocabulary === "function" ? (saver as { saveVocabulary(file: string): Promise<void> }) : undefined;
}

/**
 * Cluster the features of `items` into a ClusterModel: k-means (or a sweep, balancing, min-size
 * merging) through `fitClusters`. No I/O. A minimum size that dissolves clusters is warned about,
 * or refused when one cluster is left. Returns the model and the fit (normalised features, sweep).
 */
export function fitClusterModel(
  ex: ModelExtractorInfo,
  items: readonly DatasetItem[],
  features: readonly Float32Array[],
  opts: Omit<ClusterDatasetOptions, "outDir" | "items">,
): { model: ClusterModel; fit: FitClustersResult } {
  const seed = opts.seed ?? 0;
  const labels = items.map((i) => i.label);
  const hasLabels = labels.some((l) => l !== null);
  const fit = fitClusters(features, {
    k: opts.k,
    sweep: opts.sweep,
    normalization: opts.normalization ?? "l2",
    seed,
    nInit: opts.nInit ?? KMEANS_DEFAULTS.nInit,
    minSize: opts.minSize ?? 0,
    balanced: opts.balanced ?? false,
    gapRefs: opts.gapRefs === 0 ? false : opts.gapRefs,
    labels: hasLabels ? labels : undefined,
    onSweepRow: (r) =>
      info(`k=${r.k}: inertia ${r.inertia.toFixed(2)}, silhouette ${r.silhouette?.toFixed(3) ?? "-"}, DB ${r.daviesBouldin?.toFixed(3) ?? "-"}, CH ${r.calinskiHarabasz?.toFixed(1) ?? "-"}, gap ${r.gap?.toFixed(3) ?? "-"}${r.ari !== undefined ? `, ARI ${r.ari.toFixed(3)}, NMI ${r.nmi!.toFixed(3)}` : ""}`),
  });
  if (fit.k < fit.kRequested) {
    const names = { minSize: "--min-size", ...opts.names };
    const msg = `${names.minSize} = ${opts.minSize ?? 0} dissolved ${fit.kRequested - fit.k} of K = ${fit.kRequested} clusters (sizes now ${fit.sizes.join(" ")})`;
    if (fit.k === 1) {
      throw new Error(`${msg}: one cluster is left, the general GAN again. Use ${names.minSize} <= ${Math.floor(items.length / fit.kRequested)} (${items.length} images / K = ${fit.kRequested}), or 0 to turn it off`);
    }
    warn(`${msg}: the effective K is ${fit.k}, not ${fit.kRequested}`);
  }
  const model: ClusterModel = {
    format: CLUSTER_MODEL_FORMAT,
    extractor: ex.id,
    extractorOptions: ex.options,
    extractorCreateOptions: opts.extractorOptions ?? {},
    // A fitted extractor (visual vocabulary) must be restorable for routing: writeClusterModel keeps it beside clusters.json.
    extractorFiles: vocabularySaver(ex) ? { vocabulary: "vocabulary.json" } : undefined,
    imageSize: ex.inputSize,
    normalization: fit.normalization,
    k: fit.k,
    centers: fit.result.centers.map((c) => Array.from(c)),
    ids: items.map((i) => i.id),
    labels: Array.from(fit.result.labels),
    sizes: fit.sizes,
    truth: hasLabels ? labels : undefined,
    metrics: fit.metrics,
    settings: {
      data: opts.data,
      seed,
      nInit: opts.nInit ?? KMEANS_DEFAULTS.nInit,
      kRequested: fit.kRequested,
      sweep: opts.sweep ?? null,
      minSize: opts.minSize ?? 0,
      balanced: opts.balanced ?? false,
      merged: fit.merged,
    },
    createdAt: new Date().toISOString(),
  };
  return { model, fit };
}

/** The sweep table as written to sweep.json / sweep.csv and the summary. */
export function sweepTableOf(fit: Pick<FitClustersResult, "sweep">): Omit<SweepRow, "labels">[] | undefined {
  return fit.sweep?.map(sweepRowForTable);
}

/**
 * Write a fitted clustering to `outDir`, each file atomically: vocabulary.json (when the model
 * names one and `ex` can save it), clusters.json, and sweep.json / sweep.csv when a sweep ran.
 * Returns the files written by name.
 */
export async function writeClusterModel(
  outDir: string,
  model: ClusterModel,
  opts: { extractor?: ModelExtractorInfo; fit?: Pick<FitClustersResult, "sweep" | "suggestion"> } = {},
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const saver = opts.extractor ? vocabularySaver(opts.extractor) : undefined;
  if (saver && model.extractorFiles?.vocabulary) {
    files.vocabulary = path.join(outDir, model.extractorFiles.vocabulary);
    await saver.saveVocabulary(files.vocabulary);
  }
  files.clusters = path.join(outDir, "clusters.json");
  await saveClusterModel(files.clusters, model);
  const sweepTable = opts.fit ? sweepTableOf(opts.fit) : undefined;
  if (sweepTable) {
    files.sweep = path.join(outDir, "sweep.json");
    await writeJsonAtomic(files.sweep, { suggestion: opts.fit!.suggestion, rows: sweepTable });
    const cols = ["k", "inertia", "silhouette", "daviesBouldin", "calinskiHarabasz", "gap", "gapSk", "ari", "nmi", "purity", "sizes"];
    const csv = formatCsv(
      cols,
      sweepTable.map((r) => Object.fromEntries(cols.map((c) => {
        const v = (r as Record<string, unknown>)[c];
        return [c, v === undefined || v === null ? "" : Array.isArray(v) ? v.join(" ") : String(v)];
      }))),
    );
    files.sweepCsv = path.join(outDir, "sweep.csv");
    await writeFileAtomic(files.sweepCsv, csv);
  }
  return files;
}

/** Run the clustering stage on a dataset folder (see the module comment). */
export async function clusterDataset(opts: ClusterDatasetOptions): Promise<ClusterDatasetSummary> {
  return (await clusterDatasetModel(opts)).summary;
}

/**
 * `clusterDataset` that also returns the fitted model it wrote, so callers need not read clusters.json
 * back, and the UMAP scatter it wrote to `umapOut` (`umapReport`'s figure; absent without `umapOut`).
 */
export async function clusterDatasetModel(opts: ClusterDatasetOptions): Promise<{ summary: ClusterDatasetSummary; model: ClusterModel; umap?: Figure }> {
  const listed = await clusterItems(opts);
  const ex: FeatureExtractor = await createExtractor(opts.extractor ?? DEFAULT_EXTRACTOR, opts.extractorOptions ?? {});
  try {
    const feats = await clusterFeatures(ex, listed, opts);
    const { items } = feats;
    const seed = opts.seed ?? 0;
    const { model, fit } = fitClusterModel(ex, items, feats.features, opts);
    const files = await writeClusterModel(opts.outDir, model, { extractor: ex, fit });
    let umap: Figure | undefined;
    if (opts.umapOut) {
      const u = await umapReport(model, feats.features, items, { outDir: opts.outDir, out: opts.umapOut, seed, thumbnails: opts.thumbnails, umap: opts.umap });
      files.umapJson = u.umapJson;
      files.umap = u.umap;
      umap = u.figure;
    }
    let routing: RoutingRow[] | undefined;
    if (opts.routing) {
      const r = await routingReport(model, ex, items, { ...opts.routing, outDir: opts.outDir, seed, batch: opts.batch });
      routing = r.rows;
      files.routing = r.file;
    }
    const summary: ClusterDatasetSummary = {
      data: opts.data,
      n: items.length,
      extractor: ex.id,
      extractorOptions: ex.options,
      dim: ex.dim(),
      normalization: fit.normalization.kind,
      kRequested: fit.kRequested,
      k: fit.k,
      sizes: fit.sizes,
      metrics: fit.metrics,
      labels: [...new Set(items.map((i) => i.label).filter((l): l is string => l !== null))].sort(),
      suggestion: fit.suggestion,
      sweep: sweepTableOf(fit),
      merged: fit.merged,
      skipped: feats.skipped,
      routing,
      features: { computed: feats.computed, cached: feats.cached, msPerImage: feats.msPerImage },
      files,
    };
    files.summary = path.join(opts.outDir, "summary.json");
    await writeJsonAtomic(files.summary, summary);
    return { summary, model, ...(umap ? { umap } : {}) };
  } finally {
    ex.dispose();
  }
}
