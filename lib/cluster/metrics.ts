/**
 * Clustering quality measures with scikit-learn's definitions (checked against sklearn 1.x in
 * test/cluster/metrics.test.ts):
 *
 * - internal (no ground truth): `silhouetteScore` (Euclidean), `daviesBouldinScore`,
 *   `calinskiHarabaszScore`, and the `gapStatistic` of Tibshirani, Walther & Hastie (2001),
 *   which sklearn lacks;
 * - external (against known labels): `adjustedRandScore`, `normalizedMutualInfo` (arithmetic
 *   mean normalisation, sklearn's default) and `purity`.
 *
 * Labels may be `Int32Array` or `number[]`; truth labels may also be strings. Any distinct values
 * are accepted (they are mapped to dense codes internally).
 */
import { createRng } from "../util/random.js";
import { flatten, kmeans } from "./kmeans.js";
import { checkRows, clusterMeans, encodeLabels, globalMean, sqDist, type Vec } from "./vectors.js";

/** Cluster labels: integers (any values) or, for ground truth, strings. */
export type Labels = Int32Array | readonly number[] | readonly string[] | readonly (number | string)[];

function prepare(X: readonly Vec[], labels: Labels, what: string): { codes: Int32Array; k: number } {
  checkRows(X);
  if (labels.length !== X.length) {
    throw new Error(`${what}: ${labels.length} labels for ${X.length} rows; give one label per row`);
  }
  const { codes, classes } = encodeLabels(labels as ArrayLike<number | string>);
  const k = classes.length;
  if (k < 2 || k > X.length - 1) {
    throw new Error(`${what}: number of clusters is ${k}; valid values are 2 to n_samples - 1 (${X.length - 1})`);
  }
  return { codes, k };
}

export interface SilhouetteOptions {
  /**
   * Score a random subset of this many rows (sklearn's `sample_size`) to bound the O(n^2 d)
   * cost on large sets. Default: all rows.
   */
  sampleSize?: number;
  /** Seed for the subset. Default 0. */
  seed?: number;
}

/**
 * Mean silhouette coefficient over rows, Euclidean distance (sklearn `silhouette_score`).
 * Rows in singleton clusters score 0. Range -1..1, higher is better.
 */
export function silhouetteScore(X: readonly Vec[], labels: Labels, opts: SilhouetteOptions = {}): number {
  let rows = X;
  let labs = labels;
  if (opts.sampleSize !== undefined && opts.sampleSize < X.length) {
    const rng = createRng(opts.seed ?? 0);
    const idx = Array.from({ length: X.length }, (_, i) => i);
    for (let i = 0; i < opts.sampleSize; i++) {
      const j = i + rng.int(idx.length - i);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const pick = idx.slice(0, opts.sampleSize);
    rows = pick.map((i) => X[i]);
    labs = pick.map((i) => (labels as ArrayLike<number | string>)[i]) as Labels;
  }
  return mean(silhouetteSamples(rows, labs));
}

/** Silhouette coefficient of each row (sklearn `silhouette_samples`, Euclidean). */
export function silhouetteSamples(X: readonly Vec[], labels: Labels): Float64Array {
  const { codes, k } = prepare(X, labels, "silhouette");
  const n = X.length;
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[codes[i]]++;
  // sums[i * k + c] = sum of distances from row i to rows of cluster c.
  const sums = new Float64Array(n * k);
  const { data, d: dim } = flatten(X);
  for (let i = 0; i < n; i++) {
    const ci = codes[i];
    const oi = i * dim;
    for (let j = i + 1; j < n; j++) {
      const oj = j * dim;
      let s = 0;
      for (let t = 0; t < dim; t++) {
        const u = data[oi + t] - data[oj + t];
        s += u * u;
      }
      const d = Math.sqrt(s);
      sums[i * k + codes[j]] += d;
      sums[j * k + ci] += d;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ci = codes[i];
    if (counts[ci] <= 1) {
      out[i] = 0;
      continue;
    }
    const a = sums[i * k + ci] / (counts[ci] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === ci || counts[c] === 0) continue;
      b = Math.min(b, sums[i * k + c] / counts[c]);
    }
    const m = Math.max(a, b);
    out[i] = m === 0 ? 0 : (b - a) / m;
  }
  return out;
}

/**
 * Davies-Bouldin index (sklearn `davies_bouldin_score`): mean over clusters of the worst ratio
 * (s_i + s_j) / d(c_i, c_j), with s the mean distance of members to their centroid. Lower is
 * better; 0 is the minimum.
 */
export function daviesBouldinScore(X: readonly Vec[], labels: Labels): number {
  const { codes, k } = prepare(X, labels, "davies-bouldin");
  const { means } = clusterMeans(X, codes, k);
  const intra = new Float64Array(k);
  const counts = new Int32Array(k);
  for (let i = 0; i < X.length; i++) {
    intra[codes[i]] += Math.sqrt(sqDist(X[i], means[codes[i]]));
    counts[codes[i]]++;
  }
  for (let c = 0; c < k; c++) intra[c] /= counts[c];
  const cd: number[][] = means.map((a) => means.map((b) => Math.sqrt(sqDist(a, b))));
  const allIntraZero = intra.every((v) => Math.abs(v) < 1e-15);
  const allCdZero = cd.every((r) => r.every((v) => Math.abs(v) < 1e-15));
  if (allIntraZero || allCdZero) return 0;
  let total = 0;
  for (let i = 0; i < k; i++) {
    let worst = 0;
    for (let j = 0; j < k; j++) {
      const dist = cd[i][j] === 0 ? Infinity : cd[i][j];
      worst = Math.max(worst, (intra[i] + intra[j]) / dist);
    }
    total += worst;
  }
  return total / k;
}

/**
 * Calinski-Harabasz index (variance ratio criterion, sklearn `calinski_harabasz_score`):
 * between-cluster dispersion / within-cluster dispersion * (n - k) / (k - 1). Higher is better.
 */
export function calinskiHarabaszScore(X: readonly Vec[], labels: Labels): number {
  const { codes, k } = prepare(X, labels, "calinski-harabasz");
  const n = X.length;
  const { means, counts } = clusterMeans(X, codes, k);
  const mu = globalMean(X);
  let extra = 0;
  for (let c = 0; c < k; c++) extra += counts[c] * sqDist(means[c], mu);
  let intra = 0;
  for (let i = 0; i < n; i++) intra += sqDist(X[i], means[codes[i]]);
  return intra === 0 ? 1 : (extra * (n - k)) / (intra * (k - 1));
}

export interface GapOptions {
  /** Number of uniform reference data sets. More is smoother and slower. Range 5..100. Default 10. */
  nRefs?: number;
  /** Seed for the reference sets and the k-means runs. Default 0. */
  seed?: number;
  /**
   * k-means restarts per clustering (data and references). The gap compares logarithms of
   * inertias, which one k-means++ run estimates well enough; more restarts multiply the cost.
   * Default 1.
   */
  nInit?: number;
  /**
   * Observed within-cluster sum of squares W_k, if already known (e.g. the inertia of a k-means
   * run on X); otherwise k-means is run on X.
   */
  inertia?: number;
}

export interface GapResult {
  /** gap(k) = mean_b log(W*_kb) - log(W_k). */
  gap: number;
  /** s_k = sd_b(log W*_kb) * sqrt(1 + 1/B), the tolerance of Tibshirani's selection rule. */
  sk: number;
  /** log(W_k) of the data. */
  logW: number;
  /** mean_b log(W*_kb) of the references. */
  logWRef: number;
}

/**
 * Gap statistic (Tibshirani, Walther & Hastie 2001) for one k: compares log W_k, where W_k is the
 * pooled within-cluster sum of squares (= k-means inertia), with its expectation under B
 * reference sets drawn uniformly from the bounding box of X (their variant "a").
 * Choose the smallest k with gap(k) >= gap(k+1) - s_{k+1} (see `suggestK` in sweep.ts).
 */
export function gapStatistic(X: readonly Vec[], k: number, opts: GapOptions = {}): GapResult {
  const d = checkRows(X);
  const nRefs = opts.nRefs ?? 10;
  const nInit = opts.nInit ?? 1;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(nRefs) || nRefs < 1) throw new Error(`gap statistic: nRefs must be a positive integer, got ${nRefs}`);
  const W = opts.inertia ?? kmeans(X, k, { seed, nInit }).inertia;
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (const x of X) {
    for (let j = 0; j < d; j++) {
      if (x[j] < lo[j]) lo[j] = x[j];
      if (x[j] > hi[j]) hi[j] = x[j];
    }
  }
  const rng = createRng(seed + 7919);
  const logs: number[] = [];
  for (let b = 0; b < nRefs; b++) {
    const ref: Float32Array[] = [];
    for (let i = 0; i < X.length; i++) {
      const r = new Float32Array(d);
      for (let j = 0; j < d; j++) r[j] = lo[j] + (hi[j] - lo[j]) * rng.next();
      ref.push(r);
    }
    logs.push(Math.log(kmeans(ref, k, { seed: seed + b + 1, nInit }).inertia));
  }
  const logWRef = mean(logs);
  const sd = Math.sqrt(mean(logs.map((v) => (v - logWRef) ** 2)));
  const logW = Math.log(W);
  return { gap: logWRef - logW, sk: sd * Math.sqrt(1 + 1 / nRefs), logW, logWRef };
}

/** Contingency table of two labelings: rows = classes of `a`, columns = classes of `b`. */
export function contingency(a: Labels, b: Labels): { table: number[][]; n: number } {
  if (a.length !== b.length) throw new Error(`label lists differ in length: ${a.length} vs ${b.length}`);
  const ea = encodeLabels(a as ArrayLike<number | string>);
  const eb = encodeLabels(b as ArrayLike<number | string>);
  const table = Array.from({ length: ea.classes.length }, () => new Array<number>(eb.classes.length).fill(0));
  for (let i = 0; i < a.length; i++) table[ea.codes[i]][eb.codes[i]]++;
  return { table, n: a.length };
}

/**
 * Adjusted Rand index (sklearn `adjusted_rand_score`, via the pair confusion matrix).
 * 1 for identical partitions, about 0 for random ones; symmetric.
 */
export function adjustedRandScore(a: Labels, b: Labels): number {
  const { table, n } = contingency(a, b);
  let sumSq = 0;
  const rowSums = table.map((r) => r.reduce((s, v) => s + v, 0));
  const colSums = table[0] ? table[0].map((_, j) => table.reduce((s, r) => s + r[j], 0)) : [];
  for (const r of table) for (const v of r) sumSq += v * v;
  const sumRowSq = rowSums.reduce((s, v) => s + v * v, 0);
  const sumColSq = colSums.reduce((s, v) => s + v * v, 0);
  // Pair confusion matrix as sklearn's pair_confusion_matrix (counts ordered pairs).
  const tp = sumSq - n; // pairs together in both
  const fp = sumColSq - sumSq; // together in b only
  const fn = sumRowSq - sumSq; // together in a only
  const tn = n * n - fp - fn - sumSq;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

function entropyOf(counts: readonly number[], n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/** Mutual information (natural log) between two labelings (sklearn `mutual_info_score`). */
export function mutualInfo(a: Labels, b: Labels): number {
  const { table, n } = contingency(a, b);
  const rowSums = table.map((r) => r.reduce((s, v) => s + v, 0));
  const colSums = table[0] ? table[0].map((_, j) => table.reduce((s, r) => s + r[j], 0)) : [];
  let mi = 0;
  for (let i = 0; i < table.length; i++) {
    for (let j = 0; j < colSums.length; j++) {
      const v = table[i][j];
      if (v > 0) mi += (v / n) * Math.log((v * n) / (rowSums[i] * colSums[j]));
    }
  }
  return Math.max(mi, 0);
}

/**
 * Normalised mutual information with arithmetic-mean normalisation, MI / ((H(a) + H(b)) / 2),
 * sklearn's `normalized_mutual_info_score` default. 1 for identical partitions.
 */
export function normalizedMutualInfo(a: Labels, b: Labels): number {
  const { table, n } = contingency(a, b);
  const rowSums = table.map((r) => r.reduce((s, v) => s + v, 0));
  const colSums = table[0] ? table[0].map((_, j) => table.reduce((s, r) => s + r[j], 0)) : [];
  if ((rowSums.length === 1 && colSums.length === 1) || n === 0) return 1;
  const mi = mutualInfo(a, b);
  if (mi === 0) return 0;
  const norm = (entropyOf(rowSums, n) + entropyOf(colSums, n)) / 2;
  return mi / Math.max(norm, Number.EPSILON);
}

/**
 * Purity: each predicted cluster votes for its most common true class; the fraction of rows
 * that match their cluster's vote. 1 is perfect; it rises trivially with the number of clusters.
 */
export function purity(truth: Labels, pred: Labels): number {
  const { table, n } = contingency(pred, truth);
  let s = 0;
  for (const r of table) s += Math.max(...r);
  return n === 0 ? 0 : s / n;
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}
