/**
 * k-means clustering, written to behave like scikit-learn's `KMeans(algorithm="lloyd")`:
 *
 * - greedy k-means++ initialisation (each new centre is the best of `2 + floor(ln k)` candidates
 *   drawn with probability proportional to the squared distance to the nearest chosen centre);
 * - Lloyd iterations until the labels stop changing ("strict convergence") or the total squared
 *   centre shift falls to `tol * mean(per-feature variance of X)` (sklearn's relative tolerance),
 *   or `maxIter` iterations; a final assignment step keeps labels consistent with the centres;
 * - empty clusters are re-seeded with the points farthest from their centres (as sklearn does);
 * - `nInit` restarts from independent seeded initialisations, keeping the lowest inertia.
 *
 * A mini-batch variant (Sculley 2010, with sklearn's per-centre learning rate 1/count) is provided
 * for large n. All sums are Float64; inputs are Float32 rows, packed once into a flat Float64Array.
 * No npm package is used: the comparison with sklearn needs its exact recipe (greedy k-means++,
 * relative tolerance, restarts, empty-cluster relocation, final E-step), which is ~200 lines here,
 * and the general JS packages we know do not document the same recipe (we did not benchmark them).
 */
import { createRng, type Rng } from "../util/random.js";
import { checkRows, nearest, sqDist, type Vec } from "./vectors.js";

export interface KMeansOptions {
  /** Seed for the initialisations; the same seed and data give the same result. Default 0. */
  seed?: number;
  /**
   * Number of independent k-means++ initialisations; the run with the lowest inertia wins.
   * More restarts cost proportionally more time and make poor local minima less likely.
   * Sensible range 1..50. Default 10 (sklearn's classic default).
   */
  nInit?: number;
  /** Maximum Lloyd iterations per run. Sensible range 50..1000. Default 300 (as sklearn). */
  maxIter?: number;
  /**
   * Convergence tolerance, relative like sklearn: a run stops when the summed squared shift of
   * the centres is at most `tol * mean(variance of each feature)`. 0 means iterate until the
   * labels stop changing. Sensible range 0..1e-2. Default 1e-4 (as sklearn).
   */
  tol?: number;
}

export interface MiniBatchKMeansOptions extends KMeansOptions {
  /**
   * Rows per mini-batch. Larger batches are slower per step but less noisy. Sensible range
   * 64..4096; values >= n make each step a full Lloyd-like update. Default 1024 (as sklearn).
   */
  batchSize?: number;
  /**
   * Stop after this many consecutive steps without improvement of the smoothed batch inertia.
   * Default 10 (as sklearn). `maxIter` counts passes over the data (epochs) here.
   */
  maxNoImprovement?: number;
}

export interface KMeansResult {
  /** Cluster of each row, 0..k-1. */
  labels: Int32Array;
  /** The k cluster centres. */
  centers: Float32Array[];
  /** Sum of squared distances of the rows to their centres (sklearn's `inertia_`). */
  inertia: number;
  /** Lloyd iterations of the winning run (mini-batch: steps taken). */
  nIter: number;
}

/** The k-means defaults (seed, restarts, iteration cap, relative tolerance): the one place they are written. */
export const KMEANS_DEFAULTS = { seed: 0, nInit: 10, maxIter: 300, tol: 1e-4 } as const;
const DEFAULTS = KMEANS_DEFAULTS;

function checkK(n: number, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (k > n) throw new Error(`k=${k} is larger than the number of rows (${n}): use k <= ${n}`);
}

/** sklearn's `_tolerance`: tol times the mean per-feature variance of X. */
export function absoluteTolerance(X: readonly Vec[], tol: number): number {
  if (tol === 0) return 0;
  const n = X.length;
  const d = X[0].length;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[i][j];
    const m = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const t = X[i][j] - m;
      v += t * t;
    }
    total += v / n;
  }
  return (total / d) * tol;
}

/**
 * Rows packed into one Float64Array (row-major), so the hot loops are monomorphic and
 * cache-friendly whatever typed arrays the caller used.
 */
export interface Flat {
  n: number;
  d: number;
  data: Float64Array;
}

/** Pack rows into a {@link Flat} matrix. */
export function flatten(X: readonly Vec[]): Flat {
  const n = X.length;
  const d = n ? X[0].length : 0;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const x = X[i];
    const o = i * d;
    for (let j = 0; j < d; j++) data[o + j] = x[j];
  }
  return { n, d, data };
}

/** Squared distance between row i of `a` and row c of `b` (both flat, same d). */
function flatDist(a: Float64Array, i: number, b: Float64Array, c: number, d: number): number {
  let s = 0;
  const oa = i * d;
  const ob = c * d;
  for (let j = 0; j < d; j++) {
    const t = a[oa + j] - b[ob + j];
    s += t * t;
  }
  return s;
}

/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, sklearn's variant with local trials).
 * Returns k centres copied from rows of X.
 */
export function kmeansPlusPlus(X: readonly Vec[] | Flat, k: number, rng: Rng, nLocalTrials?: number): Float64Array[] {
  const F = "data" in X ? X : flatten(X);
  const c = seedFlat(F, k, rng, nLocalTrials);
  return Array.from({ length: k }, (_, i) => c.slice(i * F.d, (i + 1) * F.d));
}

function seedFlat(F: Flat, k: number, rng: Rng, nLocalTrials?: number): Float64Array {
  const { n, d, data } = F;
  checkK(n, k);
  const trials = nLocalTrials ?? 2 + Math.floor(Math.log(k));
  const centers = new Float64Array(k * d);
  const first = rng.int(n);
  centers.set(data.subarray(first * d, (first + 1) * d), 0);
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = flatDist(data, i, centers, 0, d);
    pot += closest[i];
  }
  const cand = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestPot = Infinity;
    let bestIdx = -1;
    for (let t = 0; t < trials; t++) {
      // Sample proportional to closest distance (inverse CDF, like np.searchsorted on cumsum).
      const r = rng.next() * pot;
      let acc = 0;
      let idx = n - 1;
      for (let i = 0; i < n; i++) {
        acc += closest[i];
        if (acc > r) {
          idx = i;
          break;
        }
      }
      if (pot === 0) idx = rng.int(n); // all points coincide with centres: any row will do
      let p = 0;
      for (let i = 0; i < n; i++) {
        const v = closest[i];
        const dd = v === 0 ? 0 : Math.min(v, flatDist(data, i, data, idx, d));
        cand[i] = dd;
        p += dd;
      }
      if (p < bestPot) {
        bestPot = p;
        bestIdx = idx;
        bestDist.set(cand);
      }
    }
    centers.set(data.subarray(bestIdx * d, (bestIdx + 1) * d), c * d);
    closest.set(bestDist);
    pot = bestPot;
  }
  return centers;
}

/** Assign every row to its nearest centre (ties: lowest index); returns inertia. Fills `labels` and `dists`. */
function assignFlat(F: Flat, centers: Float64Array, k: number, labels: Int32Array, dists: Float64Array): number {
  const { n, d, data } = F;
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      const oa = i * d;
      const ob = c * d;
      for (let j = 0; j < d; j++) {
        const t = data[oa + j] - centers[ob + j];
        s += t * t;
      }
      if (s < bestD) {
        bestD = s;
        best = c;
      }
    }
    labels[i] = best;
    dists[i] = bestD;
    inertia += bestD;
  }
  return inertia;
}

/**
 * New centres from labels; empty clusters take the rows farthest from their current centre
 * (largest `dists` first), as sklearn's `_relocate_empty_clusters` does.
 */
function updateFlat(F: Flat, labels: Int32Array, dists: Float64Array, k: number): Float64Array {
  const { n, d, data } = F;
  const means = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    counts[c]++;
    const o = c * d;
    const oi = i * d;
    for (let j = 0; j < d; j++) means[o + j] += data[oi + j];
  }
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length > 0) {
    const order = Array.from(dists.keys()).sort((a, b) => dists[b] - dists[a] || a - b);
    for (let e = 0; e < empty.length; e++) {
      const i = order[e];
      const c = empty[e];
      const old = labels[i];
      // Move row i from its old cluster to the empty one (sums, not means, at this point).
      for (let j = 0; j < d; j++) {
        means[old * d + j] -= data[i * d + j];
        means[c * d + j] = data[i * d + j];
      }
      counts[old]--;
      counts[c] = 1;
      labels[i] = c;
      dists[i] = 0;
    }
  }
  for (let c = 0; c < k; c++) {
    const m = counts[c];
    if (m > 0) for (let j = 0; j < d; j++) means[c * d + j] /= m;
  }
  return means;
}

/** One Lloyd run on flat rows from flat initial centres. */
function lloydFlat(F: Flat, init: Float64Array, k: number, maxIter: number, tolAbs: number): { labels: Int32Array; centers: Float64Array; inertia: number; nIter: number } {
  const n = F.n;
  let centers = Float64Array.from(init);
  const labels = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n);
  const dists = new Float64Array(n);
  let it = 0;
  for (; it < maxIter; it++) {
    prev.set(labels);
    assignFlat(F, centers, k, labels, dists);
    const next = updateFlat(F, labels, dists, k);
    let shift = 0;
    for (let j = 0; j < next.length; j++) {
      const t = next[j] - centers[j];
      shift += t * t;
    }
    centers = next;
    let same = true;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== prev[i]) {
        same = false;
        break;
      }
    }
    // Stop on strict convergence (labels unchanged) or when the centres barely moved.
    if (same || shift <= tolAbs) {
      it++;
      break;
    }
  }
  // Final E-step so labels and inertia match the returned centres (sklearn does the same).
  const inertia = assignFlat(F, centers, k, labels, dists);
  return { labels, centers, inertia, nIter: it };
}

/** One Lloyd run from given initial centres (rows in, rows out). */
export function lloyd(
  X: readonly Vec[],
  init: readonly Vec[],
  opts: { maxIter?: number; tolAbs?: number } = {},
): { labels: Int32Array; centers: Float64Array[]; inertia: number; nIter: number } {
  const F = flatten(X);
  const k = init.length;
  const r = lloydFlat(F, flatten(init).data, k, opts.maxIter ?? DEFAULTS.maxIter, opts.tolAbs ?? 0);
  return { ...r, centers: Array.from({ length: k }, (_, c) => r.centers.slice(c * F.d, (c + 1) * F.d)) };
}

/**
 * Cluster the rows of `X` into `k` groups. Deterministic for a given `seed`.
 *
 * @example
 *   const { labels, centers, inertia } = kmeans(features, 8, { seed: 1 });
 */
export function kmeans(X: Float32Array[] | readonly Vec[], k: number, opts: KMeansOptions = {}): KMeansResult {
  checkRows(X);
  checkK(X.length, k);
  const seed = opts.seed ?? DEFAULTS.seed;
  const nInit = opts.nInit ?? DEFAULTS.nInit;
  const maxIter = opts.maxIter ?? DEFAULTS.maxIter;
  const tol = opts.tol ?? DEFAULTS.tol;
  if (!Number.isInteger(nInit) || nInit < 1) throw new Error(`nInit must be a positive integer, got ${nInit}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new Error(`maxIter must be a positive integer, got ${maxIter}`);
  if (!(tol >= 0)) throw new Error(`tol must be >= 0, got ${tol}`);
  const tolAbs = absoluteTolerance(X, tol);
  const rng = createRng(seed);
  const F = flatten(X);
  let best: ReturnType<typeof lloydFlat> | null = null;
  for (let r = 0; r < nInit; r++) {
    const init = seedFlat(F, k, rng.fork());
    const run = lloydFlat(F, init, k, maxIter, tolAbs);
    if (best === null || run.inertia < best.inertia * (1 - 1e-9)) best = run;
  }
  const b = best!;
  const centers = Array.from({ length: k }, (_, c) => Float32Array.from(b.centers.subarray(c * F.d, (c + 1) * F.d)));
  return { labels: b.labels, centers, inertia: b.inertia, nIter: b.nIter };
}

/** Nearest-centre label of each row (sklearn's `predict`). */
export function predict(centers: readonly Vec[], X: readonly Vec[]): Int32Array {
  const labels = new Int32Array(X.length);
  for (let i = 0; i < X.length; i++) labels[i] = nearest(X[i], centers).index;
  return labels;
}

/** Sum of squared distances of rows to the centres of their labels. */
export function inertiaOf(X: readonly Vec[], centers: readonly Vec[], labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < X.length; i++) s += sqDist(X[i], centers[labels[i]]);
  return s;
}

/**
 * Mini-batch k-means (Sculley 2010) for large n: each step draws `batchSize` rows, assigns them to
 * the nearest centre and moves each centre towards its batch members with learning rate
 * 1/(rows seen by that centre). The `nInit` k-means++ initialisations are made on a random subset
 * of `min(n, 3 * batchSize)` rows and the one with the lowest inertia on that subset is kept.
 * Stops after `maxIter` epochs, when the centres move less than the tolerance, or after
 * `maxNoImprovement` steps without improvement of the smoothed batch inertia. Labels and inertia
 * are computed on all rows at the end. Quality is close to, not equal to, full k-means.
 */
export function miniBatchKMeans(X: Float32Array[] | readonly Vec[], k: number, opts: MiniBatchKMeansOptions = {}): KMeansResult {
  const d = checkRows(X);
  const n = X.length;
  checkK(n, k);
  const seed = opts.seed ?? DEFAULTS.seed;
  const nInit = opts.nInit ?? 3;
  const maxIter = opts.maxIter ?? 100;
  const batchSize = Math.max(1, Math.min(n, opts.batchSize ?? 1024));
  const maxNoImprovement = opts.maxNoImprovement ?? 10;
  const tolAbs = absoluteTolerance(X, opts.tol ?? 0);
  const rng = createRng(seed);

  const sample = (m: number): number[] => {
    if (m >= n) return Array.from({ length: n }, (_, i) => i);
    const idx: number[] = [];
    for (let i = 0; i < m; i++) idx.push(rng.int(n));
    return idx;
  };

  const F = flatten(X);
  const initIdx = sample(Math.min(n, Math.max(3 * batchSize, k)));
  const initF = flatten(initIdx.map((i) => X[i]));
  let centers = new Float64Array(k * d);
  let bestInitInertia = Infinity;
  const initLabels = new Int32Array(initF.n);
  const initDists = new Float64Array(initF.n);
  for (let r = 0; r < nInit; r++) {
    const c = seedFlat(initF, k, rng.fork());
    const inertia = assignFlat(initF, c, k, initLabels, initDists);
    if (inertia < bestInitInertia) {
      bestInitInertia = inertia;
      centers = c;
    }
  }

  const counts = new Float64Array(k);
  const steps = Math.max(1, Math.ceil((maxIter * n) / batchSize));
  let ewa = -1;
  let ewaMin = Infinity;
  let noImprove = 0;
  let step = 0;
  const alpha = Math.min(1, (batchSize * 2) / (n + 1));
  const sums = new Float64Array(k * d);
  const bCount = new Float64Array(k);
  const data = F.data;
  for (; step < steps; step++) {
    const batch = sample(batchSize);
    sums.fill(0);
    bCount.fill(0);
    let batchInertia = 0;
    for (const i of batch) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const dd = flatDist(data, i, centers, c, d);
        if (dd < bestD) {
          bestD = dd;
          best = c;
        }
      }
      batchInertia += bestD;
      bCount[best]++;
      for (let j = 0; j < d; j++) sums[best * d + j] += data[i * d + j];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (bCount[c] === 0) continue;
      const total = counts[c] + bCount[c];
      for (let j = 0; j < d; j++) {
        const o = c * d + j;
        const v = (centers[o] * counts[c] + sums[o]) / total;
        shift += (v - centers[o]) * (v - centers[o]);
        centers[o] = v;
      }
      counts[c] = total;
    }
    batchInertia /= batch.length;
    ewa = ewa < 0 ? batchInertia : ewa * (1 - alpha) + batchInertia * alpha;
    if (tolAbs > 0 && shift <= tolAbs && step > 0) {
      step++;
      break;
    }
    if (ewa < ewaMin) {
      ewaMin = ewa;
      noImprove = 0;
    } else if (++noImprove >= maxNoImprovement) {
      step++;
      break;
    }
  }
  const labels = new Int32Array(n);
  const inertia = assignFlat(F, centers, k, labels, new Float64Array(n));
  const out = Array.from({ length: k }, (_, c) => Float32Array.from(centers.subarray(c * d, (c + 1) * d)));
  return { labels, centers: out, inertia, nIter: step };
}
