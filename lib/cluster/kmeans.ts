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
 * for large n. All sums are Float64; inputs are Float32 rows. No library was used: the JS k-means
 * packages on npm (ml-kmeans, skmeans) differ from sklearn in initialisation or tolerance and
 * are not faster on our sizes (a few thousand rows of a few thousand dims).
 */
import { createRng, type Rng } from "../util/random.js";
import { checkRows, clusterMeans, nearest, sqDist, toFloat32Rows, type Vec } from "./vectors.js";

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

const DEFAULTS = { seed: 0, nInit: 10, maxIter: 300, tol: 1e-4 };

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
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, sklearn's variant with local trials).
 * Returns k centres copied from rows of X.
 */
export function kmeansPlusPlus(X: readonly Vec[], k: number, rng: Rng, nLocalTrials?: number): Float64Array[] {
  const n = X.length;
  checkK(n, k);
  const trials = nLocalTrials ?? 2 + Math.floor(Math.log(k));
  const centers: Float64Array[] = [];
  const first = rng.int(n);
  centers.push(Float64Array.from(X[first]));
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = sqDist(X[i], centers[0]);
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
      const xc = X[idx];
      for (let i = 0; i < n; i++) {
        const d = Math.min(closest[i], sqDist(X[i], xc));
        cand[i] = d;
        p += d;
      }
      if (p < bestPot) {
        bestPot = p;
        bestIdx = idx;
        bestDist.set(cand);
      }
    }
    centers.push(Float64Array.from(X[bestIdx]));
    closest.set(bestDist);
    pot = bestPot;
  }
  return centers;
}

/** Assign every row to its nearest centre; returns inertia. Fills `labels` and `dists`. */
function assign(X: readonly Vec[], centers: readonly Vec[], labels: Int32Array, dists: Float64Array): number {
  let inertia = 0;
  for (let i = 0; i < X.length; i++) {
    const { index, dist } = nearest(X[i], centers);
    labels[i] = index;
    dists[i] = dist;
    inertia += dist;
  }
  return inertia;
}

/**
 * New centres from labels; empty clusters take the rows farthest from their current centre
 * (largest `dists` first), as sklearn's `_relocate_empty_clusters` does.
 */
function updateCenters(X: readonly Vec[], labels: Int32Array, dists: Float64Array, k: number): Float64Array[] {
  const { means, counts } = clusterMeans(X, labels, k);
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length > 0) {
    const order = Array.from(dists.keys()).sort((a, b) => dists[b] - dists[a] || a - b);
    for (let e = 0; e < empty.length; e++) {
      const i = order[e];
      const c = empty[e];
      const old = labels[i];
      // Move row i from its old cluster to the empty one.
      const d = means[old].length;
      const nOld = counts[old];
      if (nOld > 1) {
        for (let j = 0; j < d; j++) means[old][j] = (means[old][j] * nOld - X[i][j]) / (nOld - 1);
      }
      counts[old]--;
      means[c] = Float64Array.from(X[i]);
      counts[c] = 1;
      labels[i] = c;
      dists[i] = 0;
    }
  }
  return means;
}

/** One Lloyd run from given initial centres. */
export function lloyd(
  X: readonly Vec[],
  init: readonly Vec[],
  opts: { maxIter?: number; tolAbs?: number } = {},
): { labels: Int32Array; centers: Float64Array[]; inertia: number; nIter: number } {
  const n = X.length;
  const k = init.length;
  const maxIter = opts.maxIter ?? DEFAULTS.maxIter;
  const tolAbs = opts.tolAbs ?? 0;
  let centers = init.map((c) => Float64Array.from(c));
  const labels = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n);
  const dists = new Float64Array(n);
  let it = 0;
  for (; it < maxIter; it++) {
    prev.set(labels);
    assign(X, centers, labels, dists);
    const next = updateCenters(X, labels, dists, k);
    let shift = 0;
    for (let c = 0; c < k; c++) shift += sqDist(next[c], centers[c]);
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
  const inertia = assign(X, centers, labels, dists);
  return { labels, centers, inertia, nIter: it };
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
  let best: ReturnType<typeof lloyd> | null = null;
  for (let r = 0; r < nInit; r++) {
    const init = kmeansPlusPlus(X, k, rng.fork());
    const run = lloyd(X, init, { maxIter, tolAbs });
    if (best === null || run.inertia < best.inertia * (1 - 1e-9)) best = run;
  }
  const b = best!;
  return { labels: b.labels, centers: toFloat32Rows(b.centers), inertia: b.inertia, nIter: b.nIter };
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

  const initRows = sample(Math.min(n, Math.max(3 * batchSize, k))).map((i) => X[i]);
  let centers: Float64Array[] = [];
  let bestInitInertia = Infinity;
  for (let r = 0; r < nInit; r++) {
    const c = kmeansPlusPlus(initRows, k, rng.fork());
    const lab = new Int32Array(initRows.length);
    const inertia = assign(initRows, c, lab, new Float64Array(initRows.length));
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
  const sums = Array.from({ length: k }, () => new Float64Array(d));
  const bCount = new Float64Array(k);
  for (; step < steps; step++) {
    const batch = sample(batchSize);
    for (const s of sums) s.fill(0);
    bCount.fill(0);
    let batchInertia = 0;
    for (const i of batch) {
      const { index, dist } = nearest(X[i], centers);
      batchInertia += dist;
      bCount[index]++;
      const s = sums[index];
      const x = X[i];
      for (let j = 0; j < d; j++) s[j] += x[j];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (bCount[c] === 0) continue;
      const total = counts[c] + bCount[c];
      const cc = centers[c];
      for (let j = 0; j < d; j++) {
        const v = (cc[j] * counts[c] + sums[c][j]) / total;
        shift += (v - cc[j]) * (v - cc[j]);
        cc[j] = v;
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
  const inertia = assign(X, centers, labels, new Float64Array(n));
  return { labels, centers: toFloat32Rows(centers), inertia, nIter: step };
}
