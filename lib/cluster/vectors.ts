/**
 * Small dense-vector helpers shared by the clustering modules: validation, squared distances with
 * Float64 accumulation, nearest-centre search and per-cluster means. Feature rows are
 * `Float32Array`s (one per item); centres are kept as `Float64Array` while fitting.
 */

/** A row vector as the clustering code accepts it. */
export type Vec = ArrayLike<number>;

/** Check that `X` is a non-empty list of equal-length finite rows; returns the dimension. */
export function checkRows(X: readonly Vec[], what = "X"): number {
  if (X.length === 0) throw new Error(`${what} is empty: need at least one feature row`);
  const d = X[0].length;
  if (d === 0) throw new Error(`${what}[0] has length 0: feature rows need at least one dimension`);
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    if (row.length !== d) throw new Error(`${what}[${i}] has length ${row.length}, expected ${d} like ${what}[0]`);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(row[j])) throw new Error(`${what}[${i}][${j}] is ${row[j]}: feature rows must be finite`);
    }
  }
  return d;
}

/** Squared Euclidean distance, accumulated in Float64. */
export function sqDist(a: Vec, b: Vec): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

/**
 * Index of the nearest centre (ties go to the lowest index), its squared distance, and the squared
 * distance of the second-nearest (Infinity with one centre; equal to `dist` on a tie).
 */
export function nearest(x: Vec, centers: readonly Vec[]): { index: number; dist: number; secondDist: number } {
  let best = 0;
  let bestD = Infinity;
  let secondD = Infinity;
  for (let c = 0; c < centers.length; c++) {
    const d = sqDist(x, centers[c]);
    if (d < bestD) {
      secondD = bestD;
      bestD = d;
      best = c;
    } else if (d < secondD) {
      secondD = d;
    }
  }
  return { index: best, dist: bestD, secondDist: secondD };
}

/** Map arbitrary labels (numbers or strings) to dense integer codes 0..m-1 in order of first appearance. */
export function encodeLabels(labels: ArrayLike<number | string>): { codes: Int32Array; classes: (number | string)[] } {
  const map = new Map<number | string, number>();
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    let c = map.get(v);
    if (c === undefined) {
      c = map.size;
      map.set(v, c);
    }
    codes[i] = c;
  }
  return { codes, classes: [...map.keys()] };
}

/** Per-cluster means (Float64) and member counts for labels in 0..k-1. Empty clusters get zero means. */
export function clusterMeans(X: readonly Vec[], labels: ArrayLike<number>, k: number): { means: Float64Array[]; counts: Int32Array } {
  const d = X[0].length;
  const means = Array.from({ length: k }, () => new Float64Array(d));
  const counts = new Int32Array(k);
  for (let i = 0; i < X.length; i++) {
    const c = labels[i];
    const m = means[c];
    const x = X[i];
    counts[c]++;
    for (let j = 0; j < d; j++) m[j] += x[j];
  }
  for (let c = 0; c < k; c++) {
    const n = counts[c];
    if (n > 0) {
      const m = means[c];
      for (let j = 0; j < d; j++) m[j] /= n;
    }
  }
  return { means, counts };
}

/** Mean of all rows (Float64). */
export function globalMean(X: readonly Vec[]): Float64Array {
  const d = X[0].length;
  const m = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) m[j] += x[j];
  for (let j = 0; j < d; j++) m[j] /= X.length;
  return m;
}

/** Copy Float64 centres to Float32 rows (the public result type). */
export function toFloat32Rows(rows: readonly Vec[]): Float32Array[] {
  return rows.map((r) => Float32Array.from(r as ArrayLike<number>));
}
