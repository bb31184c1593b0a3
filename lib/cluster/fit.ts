/**
 * The clustering step of the pipeline as one pure function: features in, clusters out.
 * Normalise the features, optionally sweep K and take the suggested one, run k-means (or the
 * size-balanced variant), dissolve clusters below a minimum size, and measure the result
 * (internal metrics, and ARI / NMI / purity when labels are given). No I/O: `clusterDataset`
 * (./run.ts) adds the dataset, the feature cache and the files.
 */
import type { ClusterConfig } from "../config/experiment.js";
import { balancedKMeans, clusterSizes, enforceMinSize, type MergeRecord } from "./balance.js";
import { KMEANS_DEFAULTS, kmeans, type KMeansResult } from "./kmeans.js";
import {
  adjustedRandScore,
  calinskiHarabaszScore,
  daviesBouldinScore,
  normalizedMutualInfo,
  purity,
  silhouetteScore,
} from "./metrics.js";
import { fitNormalization, normalizeAll, type FeatureNormalization, type NormalizationKind } from "./model.js";
import { suggestKDetails, sweepK, type KSuggestion, type SweepRow } from "./sweep.js";

/**
 * `nInit`, `minSize` and `balanced` are the config's `cluster` fields, documented on the schema
 * (../config/experiment.ts); absent: 10 restarts, no minimum size, not balanced (the schema's defaults).
 */
export interface FitClustersOptions extends Partial<Pick<ClusterConfig, "nInit" | "minSize" | "balanced">> {
  /** Number of clusters. Required unless `sweep` is given (then the suggested K is used). */
  k?: number;
  /** K values to sweep (elbow, silhouette, DB, CH, gap); the suggested K is used unless `k` is given. */
  sweep?: number[];
  /** Feature normalisation before clustering (see ./model.ts). Default "l2". */
  normalization?: NormalizationKind;
  /** Seed for k-means and the gap references. Default 0. */
  seed?: number;
  /** k-means iteration cap. Default 300. */
  maxIter?: number;
  /** Gap statistic reference sets in the sweep (false = skip the gap). Default 10. */
  gapRefs?: number | false;
  /** Silhouette on a random subset of this many rows (large n). Default: all rows. */
  silhouetteSampleSize?: number;
  /** Ground-truth labels per row (null = unknown) for ARI / NMI / purity. */
  labels?: readonly (string | null)[];
  /** Called after each swept K. */
  onSweepRow?: (row: SweepRow) => void;
}

/** Quality of a clustering; null where a measure is undefined (one cluster) or there are no labels. */
export interface ClusterMetrics {
  [name: string]: number | null;
  inertia: number;
  silhouette: number | null;
  daviesBouldin: number | null;
  calinskiHarabasz: number | null;
  /** ARI against the known labels (rows with a label only). */
  ari: number | null;
  /** NMI (arithmetic) against the known labels. */
  nmi: number | null;
  /** Purity against the known labels. */
  purity: number | null;
  /** Smallest and largest cluster size. */
  minSize: number;
  maxSize: number;
}

export interface FitClustersResult {
  /** The fitted normalisation (store it with the model; routing applies it). */
  normalization: FeatureNormalization;
  /** The normalised features the clusters were made from. */
  X: Float32Array[];
  /** The final clustering (after balancing and min-size merging). */
  result: KMeansResult;
  /** K asked for or suggested, before min-size merging. */
  kRequested: number;
  /** Final number of clusters. */
  k: number;
  sizes: number[];
  metrics: ClusterMetrics;
  /** Sweep table and suggestion, when a sweep ran. */
  sweep?: SweepRow[];
  suggestion?: KSuggestion;
  /** Clusters dissolved by the minimum size. */
  merged: MergeRecord[];
}

/** Measure a clustering of (normalised) rows; labels are ground truth where known. */
export function measureClustering(X: readonly Float32Array[], res: KMeansResult, labels?: readonly (string | null)[], silhouetteSampleSize?: number): ClusterMetrics {
  const k = res.centers.length;
  const sizes = clusterSizes(res.labels, k);
  const used = sizes.filter((s) => s > 0).length;
  const internal = used >= 2 && used <= X.length - 1;
  const m: ClusterMetrics = {
    inertia: res.inertia,
    silhouette: internal ? silhouetteScore(X, res.labels, { sampleSize: silhouetteSampleSize }) : null,
    daviesBouldin: internal ? daviesBouldinScore(X, res.labels) : null,
    calinskiHarabasz: internal ? calinskiHarabaszScore(X, res.labels) : null,
    ari: null,
    nmi: null,
    purity: null,
    minSize: Math.min(...sizes),
    maxSize: Math.max(...sizes),
  };
  if (labels) {
    const idx = labels.map((l, i) => (l === null ? -1 : i)).filter((i) => i >= 0);
    if (idx.length >= 2) {
      const truth = idx.map((i) => labels[i] as string);
      const pred = idx.map((i) => res.labels[i]);
      m.ari = adjustedRandScore(truth, pred);
      m.nmi = normalizedMutualInfo(truth, pred);
      m.purity = purity(truth, pred);
    }
  }
  return m;
}

/** Cluster feature rows (see the module comment). Deterministic for a seed. */
export function fitClusters(features: readonly Float32Array[], opts: FitClustersOptions): FitClustersResult {
  if (opts.k === undefined && (!opts.sweep || opts.sweep.length === 0)) {
    throw new Error("fitClusters: give k or a sweep range");
  }
  if (opts.labels && opts.labels.length !== features.length) {
    throw new Error(`fitClusters: ${opts.labels.length} labels for ${features.length} feature rows`);
  }
  const normalization = fitNormalization(features, opts.normalization ?? "l2");
  const X = normalizeAll(normalization, features);
  const seed = opts.seed ?? 0;
  const km = { seed, nInit: opts.nInit ?? KMEANS_DEFAULTS.nInit, maxIter: opts.maxIter ?? KMEANS_DEFAULTS.maxIter };
  // The sweep's ARI/NMI need a label on every row; with partial labels only the final metrics have them.
  const known = opts.labels && opts.labels.every((l) => l !== null) ? (opts.labels as readonly string[]) : undefined;
  let sweep: SweepRow[] | undefined;
  let suggestion: KSuggestion | undefined;
  if (opts.sweep && opts.sweep.length > 0) {
    sweep = sweepK(X, opts.sweep, {
      ...km,
      labels: known,
      gapRefs: opts.gapRefs,
      silhouetteSampleSize: opts.silhouetteSampleSize,
      onRow: opts.onSweepRow,
    });
    suggestion = suggestKDetails(sweep);
  }
  const kRequested = opts.k ?? suggestion!.k;
  let result = opts.balanced ? balancedKMeans(X, kRequested, km) : kmeans(X, kRequested, km);
  let merged: MergeRecord[] = [];
  if ((opts.minSize ?? 0) > 0) {
    const out = enforceMinSize(X, result, opts.minSize!);
    result = out.result;
    merged = out.merged;
  }
  const k = result.centers.length;
  return {
    normalization,
    X,
    result,
    kRequested,
    k,
    sizes: clusterSizes(result.labels, k),
    metrics: measureClustering(X, result, opts.labels, opts.silhouetteSampleSize),
    sweep,
    suggestion,
    merged,
  };
}
