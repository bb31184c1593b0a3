/**
 * Kernel Inception Distance (Binkowski, Sutherland, Arbel and Gretton 2018, "Demystifying MMD
 * GANs", section 3): the unbiased estimate of the squared maximum mean discrepancy between two
 * sets of feature vectors under the cubic polynomial kernel
 *
 *     k(x, y) = (x . y / d + 1)^3          (d = feature dimension)
 *
 *     MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(n(n-1)) sum_{i != j} k(y_i, y_j)
 *             - 2/(mn) sum_{i, j} k(x_i, y_j)
 *
 * Unlike FID it has an unbiased estimator, so it is usable with tens of samples, and it can be
 * negative when the two sets come from the same distribution. Symmetric in X and Y.
 *
 * "Inception" is the paper's feature network; this module takes any features. The project feeds it
 * MobileNetV2 block-10 features (see ../study/gan-quality.ts), so its values are NOT comparable
 * with published KID numbers.
 *
 * Uncertainty: `kid` adds a percentile bootstrap interval (both sets resampled with replacement,
 * seeded). In a resample, pairs of two copies of the same original sample are left out of the
 * within-set sums (they are k(x, x) terms, which the unbiased estimate never uses); otherwise the
 * bootstrap distribution would centre on the biased V-statistic instead of the estimate.
 * `kidSubsets` is the paper's subset-average form (mean and sd over random subsets drawn without
 * replacement), for large sets.
 *
 * Pure functions, float64 accumulation; features as Float32Array[] or number[][] (one row each).
 */
import { createRng, type Rng } from "../util/random.js";

/** Feature vectors, one row per image (all rows the same length). */
export type FeatureRows = readonly ArrayLike<number>[];

export interface KernelOptions {
  /** Polynomial degree. Default 3 (KID). */
  degree?: number;
  /** Scale of the dot product. Default 1 / d. */
  gamma?: number;
  /** Constant added before the power. Default 1. */
  coef0?: number;
}

export interface KidOptions extends KernelOptions {
  /** Bootstrap resamples for the interval (0 = no interval: low = high = value). Default 1000. */
  bootstrap?: number;
  /** Seed of the resampling. Default 0. */
  seed?: number;
  /** Coverage of the interval. Default 0.95. */
  level?: number;
}

export interface KidResult {
  /** Unbiased MMD^2 of the full sets (the KID). */
  value: number;
  /** Mean of the bootstrap estimates (close to `value`; equal when bootstrap = 0). */
  bootstrapMean: number;
  /** Standard deviation of the bootstrap estimates (0 when bootstrap = 0). */
  sd: number;
  /** Percentile bootstrap interval at `level`. */
  low: number;
  high: number;
  /** Sizes of X and Y. */
  nX: number;
  nY: number;
  dim: number;
  bootstrap: number;
  level: number;
}

export interface KidSubsetOptions extends KernelOptions {
  /** Number of subsets. Default 100 (the paper's code). */
  subsets?: number;
  /** Samples per subset from each set (without replacement). Default min(|X|, |Y|, 1000). */
  subsetSize?: number;
  /** Default 0. */
  seed?: number;
}

export interface KidSubsetResult {
  /** Mean of the subset estimates (the paper's reported KID). */
  mean: number;
  /** Their standard deviation (n - 1). */
  sd: number;
  values: number[];
  subsetSize: number;
}

/** Row count and common dimension; throws naming `what` when rows are ragged or too few. */
function shape(rows: FeatureRows, what: string, minRows: number): { n: number; d: number } {
  if (rows.length < minRows) throw new Error(`kid: ${what} has ${rows.length} feature row(s); needs at least ${minRows} (the unbiased estimate uses pairs of distinct samples)`);
  const d = rows[0]!.length;
  if (d === 0) throw new Error(`kid: ${what} has empty feature rows`);
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.length !== d) throw new Error(`kid: ${what} row ${i} has ${rows[i]!.length} values, row 0 has ${d}`);
  }
  return { n: rows.length, d };
}

function kernelParams(d: number, o: KernelOptions): { degree: number; gamma: number; coef0: number } {
  return { degree: o.degree ?? 3, gamma: o.gamma ?? 1 / d, coef0: o.coef0 ?? 1 };
}

/** The polynomial kernel matrix k(a_i, b_j) = (gamma a_i . b_j + coef0)^degree, row-major |A| x |B|. */
export function polynomialKernelMatrix(A: FeatureRows, B: FeatureRows, opts: KernelOptions = {}): Float64Array {
  const { d } = shape(A, "A", 1);
  const { d: dB } = shape(B, "B", 1);
  if (d !== dB) throw new Error(`kid: feature dimensions differ (${d} vs ${dB}); both sets must come from the same extractor`);
  const { degree, gamma, coef0 } = kernelParams(d, opts);
  const a64 = A.map((r) => Float64Array.from(r));
  const b64 = A === B ? a64 : B.map((r) => Float64Array.from(r));
  const K = new Float64Array(A.length * B.length);
  for (let i = 0; i < A.length; i++) {
    const x = a64[i]!;
    for (let j = 0; j < B.length; j++) {
      const y = b64[j]!;
      let dot = 0;
      for (let t = 0; t < d; t++) dot += x[t]! * y[t]!;
      K[i * B.length + j] = (gamma * dot + coef0) ** degree;
    }
  }
  return K;
}

/** The three kernel matrices of X and Y (computed once, then indexed by resamples). */
export interface KidKernels {
  nX: number;
  nY: number;
  dim: number;
  /** |X| x |X|, |Y| x |Y|, |X| x |Y|, row-major. */
  kxx: Float64Array;
  kyy: Float64Array;
  kxy: Float64Array;
}

export function kidKernels(X: FeatureRows, Y: FeatureRows, opts: KernelOptions = {}): KidKernels {
  const { n: nX, d } = shape(X, "X", 2);
  const { n: nY, d: dY } = shape(Y, "Y", 2);
  if (d !== dY) throw new Error(`kid: feature dimensions differ (X ${d}, Y ${dY}); both sets must come from the same extractor`);
  return { nX, nY, dim: d, kxx: polynomialKernelMatrix(X, X, opts), kyy: polynomialKernelMatrix(Y, Y, opts), kxy: polynomialKernelMatrix(X, Y, opts) };
}

/** Counts per original index of a resample (index array into 0..n-1). */
function counts(idx: readonly number[], n: number): Float64Array {
  const c = new Float64Array(n);
  for (const i of idx) {
    if (!(i >= 0 && i < n && Number.isInteger(i))) throw new Error(`kid: resample index ${i} outside 0..${n - 1}`);
    c[i]! += 1;
  }
  return c;
}

/** Mean of K over ordered pairs of distinct original samples, weighted by their counts; NaN when there is no such pair. */
function withinMean(K: Float64Array, n: number, c: Float64Array): number {
  let sum = 0;
  let pairs = 0;
  let total = 0;
  for (let u = 0; u < n; u++) total += c[u]!;
  for (let u = 0; u < n; u++) {
    const cu = c[u]!;
    if (cu === 0) continue;
    pairs += cu * (total - cu);
    let row = 0;
    for (let v = 0; v < n; v++) if (v !== u) row += c[v]! * K[u * n + v]!;
    sum += cu * row;
  }
  return pairs > 0 ? sum / pairs : NaN;
}

function crossMean(K: Float64Array, nX: number, nY: number, cx: Float64Array, cy: Float64Array): number {
  let sum = 0;
  let tx = 0;
  let ty = 0;
  for (let v = 0; v < nY; v++) ty += cy[v]!;
  for (let u = 0; u < nX; u++) {
    const cu = cx[u]!;
    if (cu === 0) continue;
    tx += cu;
    let row = 0;
    for (let v = 0; v < nY; v++) row += cy[v]! * K[u * nY + v]!;
    sum += cu * row;
  }
  return sum / (tx * ty);
}

/**
 * Unbiased MMD^2 from precomputed kernels, on resamples `ix` of X and `iy` of Y (indices, with
 * repeats allowed; default: every sample once). Pairs of copies of one sample are left out of the
 * within-set means. NaN when a resample holds fewer than two distinct samples.
 */
export function mmd2FromKernels(k: KidKernels, ix?: readonly number[], iy?: readonly number[]): number {
  const cx = ix ? counts(ix, k.nX) : new Float64Array(k.nX).fill(1);
  const cy = iy ? counts(iy, k.nY) : new Float64Array(k.nY).fill(1);
  return withinMean(k.kxx, k.nX, cx) + withinMean(k.kyy, k.nY, cy) - 2 * crossMean(k.kxy, k.nX, k.nY, cx, cy);
}

/** Unbiased MMD^2 between X and Y under the polynomial kernel (cubic by default: the KID point estimate). */
export function mmd2Unbiased(X: FeatureRows, Y: FeatureRows, opts: KernelOptions = {}): number {
  return mmd2FromKernels(kidKernels(X, Y, opts));
}

/** The q-quantile (0..1) of `values` with linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

function resample(n: number, rng: Rng): number[] {
  // Redraw the (rare, tiny-n) resamples with one distinct sample: they have no pairs.
  for (;;) {
    const idx = Array.from({ length: n }, () => rng.int(n));
    if (idx.some((i) => i !== idx[0])) return idx;
  }
}

/** Seeded bootstrap resamples (index arrays) of both sets, as `kid` draws them. */
export function bootstrapIndices(nX: number, nY: number, count: number, seed: number): { x: number[]; y: number[] }[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => ({ x: resample(nX, rng), y: resample(nY, rng) }));
}

/**
 * KID of X against Y: the unbiased estimate plus a percentile bootstrap interval (both sets
 * resampled, seeded). X and Y need at least 2 rows each and the same dimension.
 */
export function kid(X: FeatureRows, Y: FeatureRows, opts: KidOptions = {}): KidResult {
  const k = kidKernels(X, Y, opts);
  return kidFromKernels(k, opts);
}

/** `kid` on precomputed kernels. */
export function kidFromKernels(k: KidKernels, opts: Pick<KidOptions, "bootstrap" | "seed" | "level"> = {}): KidResult {
  const B = opts.bootstrap ?? 1000;
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`kid: level must be in (0, 1), got ${level}`);
  if (!(Number.isInteger(B) && B >= 0)) throw new Error(`kid: bootstrap must be a non-negative integer, got ${B}`);
  const value = mmd2FromKernels(k);
  const base = { value, nX: k.nX, nY: k.nY, dim: k.dim, bootstrap: B, level };
  if (B === 0) return { ...base, bootstrapMean: value, sd: 0, low: value, high: value };
  const est = bootstrapIndices(k.nX, k.nY, B, opts.seed ?? 0).map((r) => mmd2FromKernels(k, r.x, r.y));
  const mean = est.reduce((a, b) => a + b, 0) / B;
  const sd = B > 1 ? Math.sqrt(est.reduce((a, b) => a + (b - mean) ** 2, 0) / (B - 1)) : 0;
  const a = (1 - level) / 2;
  return { ...base, bootstrapMean: mean, sd, low: quantile(est, a), high: quantile(est, 1 - a) };
}

/** Seeded subsets (without replacement) of both sets, as `kidSubsets` draws them. */
export function subsetIndices(nX: number, nY: number, subsets: number, size: number, seed: number): { x: number[]; y: number[] }[] {
  const rng = createRng(seed);
  const pick = (n: number) => {
    const all = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < size; i++) {
      const j = i + rng.int(n - i);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, size);
  };
  return Array.from({ length: subsets }, () => ({ x: pick(nX), y: pick(nY) }));
}

/** The paper's subset-average KID: mean and sd of the unbiased estimate over random subsets of both sets. */
export function kidSubsets(X: FeatureRows, Y: FeatureRows, opts: KidSubsetOptions = {}): KidSubsetResult {
  const k = kidKernels(X, Y, opts);
  const size = opts.subsetSize ?? Math.min(k.nX, k.nY, 1000);
  if (!(Number.isInteger(size) && size >= 2 && size <= Math.min(k.nX, k.nY))) {
    throw new Error(`kidSubsets: subsetSize must be an integer in 2..${Math.min(k.nX, k.nY)} (the smaller set), got ${size}`);
  }
  const S = opts.subsets ?? 100;
  if (!(Number.isInteger(S) && S >= 1)) throw new Error(`kidSubsets: subsets must be a positive integer, got ${S}`);
  const values = subsetIndices(k.nX, k.nY, S, size, opts.seed ?? 0).map((r) => mmd2FromKernels(k, r.x, r.y));
  const mean = values.reduce((a, b) => a + b, 0) / S;
  const sd = S > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (S - 1)) : 0;
  return { mean, sd, values, subsetSize: size };
}

/** KID(A, Y) - KID(B, Y): two generators measured against the same real set. */
export interface KidDifference {
  /** Unbiased KID(A, Y) - KID(B, Y) on the full sets (negative: A is closer to Y). */
  value: number;
  /** Percentile bootstrap interval at `level` (A, B and Y resampled; the same Y resample for both). */
  low: number;
  high: number;
  /** Two-sided bootstrap p-value of "no difference": twice the share of resamples on the far side of 0 (at least 1 / bootstrap). */
  p: number;
  nA: number;
  nB: number;
  nY: number;
  bootstrap: number;
  level: number;
}

/**
 * Compare two sample sets against one real set: the difference of their KIDs, with a paired
 * bootstrap (each resample draws A, B and Y with replacement; both KIDs use the same Y draw, so
 * the real set's own noise cancels in the difference).
 */
export function kidDifference(A: FeatureRows, B: FeatureRows, Y: FeatureRows, opts: KidOptions = {}): KidDifference {
  const B_ = opts.bootstrap ?? 1000;
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`kid: level must be in (0, 1), got ${level}`);
  if (!(Number.isInteger(B_) && B_ >= 1)) throw new Error(`kidDifference: bootstrap must be a positive integer, got ${B_}`);
  const ka = kidKernels(A, Y, opts);
  const kb = kidKernels(B, Y, opts);
  const value = mmd2FromKernels(ka) - mmd2FromKernels(kb);
  const rng = createRng(opts.seed ?? 0);
  const est: number[] = [];
  for (let r = 0; r < B_; r++) {
    const ia = resample(ka.nX, rng);
    const ib = resample(kb.nX, rng);
    const iy = resample(ka.nY, rng);
    est.push(mmd2FromKernels(ka, ia, iy) - mmd2FromKernels(kb, ib, iy));
  }
  const a = (1 - level) / 2;
  const below = est.filter((d) => d <= 0).length / B_;
  const above = est.filter((d) => d >= 0).length / B_;
  const p = Math.min(1, Math.max(1 / B_, 2 * Math.min(below, above)));
  return { value, low: quantile(est, a), high: quantile(est, 1 - a), p, nA: ka.nX, nB: kb.nX, nY: ka.nY, bootstrap: B_, level };
}
