/**
 * Principal component analysis, as scikit-learn's `PCA(n_components, whiten)` with the full
 * solver: centre the rows, take the eigenvectors of the covariance with the largest eigenvalues.
 * The eigenproblem is solved on the smaller of the two Gram matrices (d x d covariance, or the
 * n x n matrix X X^T when there are fewer rows than dimensions, as with Gram-matrix style
 * features), with a cyclic Jacobi solver (exact to rounding; O(m^3) for m = min(n, d), about a
 * second for m = 500). Signs follow sklearn 1.2's `svd_flip` (the largest |value| of each
 * column of U is positive), though callers should not rely on signs.
 *
 * Pure functions on Float32Array rows; double precision inside.
 */
import { sha256 } from "../util/fs.js";

export interface PcaModel {
  /** Input dimension. */
  dim: number;
  /** Per-dimension mean of the fitting rows. */
  mean: Float64Array;
  /** Component vectors (unit length), one per row: [k][dim]. */
  components: Float64Array[];
  /** Variance along each component (sklearn `explained_variance_`, divided by n - 1). */
  explainedVariance: number[];
  /** Share of the total variance per component (sklearn `explained_variance_ratio_`). */
  explainedVarianceRatio: number[];
  /** Divide projections by sqrt(explained variance). */
  whiten: boolean;
  /** Rows it was fitted on. */
  n: number;
}

/**
 * Eigen-decomposition of a symmetric matrix (row-major, m x m) by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the matching eigenvectors as columns of `vectors`
 * (row-major m x m). `a` is not modified.
 */
export function symmetricEigen(a: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(m * m);
  for (let i = 0; i < m; i++) V[i * m + i] = 1;
  let scale = 0;
  for (let i = 0; i < m * m; i++) scale += A[i]! * A[i]!;
  const tol = 1e-30 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += A[p * m + q]! * A[p * m + q]!;
    if (off <= tol) break;
    for (let p = 0; p < m - 1; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = A[p * m + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * m + p]!;
        const aqq = A[q * m + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          // rotate columns p and q of A
          const akp = A[k * m + p]!;
          const akq = A[k * m + q]!;
          A[k * m + p] = c * akp - s * akq;
          A[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          // rotate rows p and q of A
          const apk = A[p * m + k]!;
          const aqk = A[q * m + k]!;
          A[p * m + k] = c * apk - s * aqk;
          A[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = V[k * m + p]!;
          const vkq = V[k * m + q]!;
          V[k * m + p] = c * vkp - s * vkq;
          V[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => A[j * m + j]! - A[i * m + i]!);
  const values = Float64Array.from(order, (i) => A[i * m + i]!);
  const vectors = new Float64Array(m * m);
  order.forEach((src, dst) => {
    for (let k = 0; k < m; k++) vectors[k * m + dst] = V[k * m + src]!;
  });
  return { values, vectors };
}

/** Fit a PCA with `nComponents` components (at most min(n, dim)) on `rows`. */
export function fitPca(rows: readonly ArrayLike<number>[], nComponents: number, opts: { whiten?: boolean } = {}): PcaModel {
  const n = rows.length;
  if (n < 2) throw new Error(`PCA needs at least 2 rows, got ${n}`);
  const dim = rows[0]!.length;
  for (const r of rows) if (r.length !== dim) throw new Error(`PCA: rows have different lengths (${dim} and ${r.length})`);
  const k = Math.floor(nComponents);
  if (!(k >= 1) || k > Math.min(n, dim)) throw new Error(`PCA: nComponents must be in [1, min(n, dim)] = [1, ${Math.min(n, dim)}], got ${nComponents}`);
  const mean = new Float64Array(dim);
  for (const r of rows) for (let j = 0; j < dim; j++) mean[j] += r[j]!;
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const X = rows.map((r) => Float64Array.from({ length: dim }, (_, j) => r[j]! - mean[j]!));
  let total = 0;
  for (const x of X) for (let j = 0; j < dim; j++) total += x[j]! * x[j]!;
  total /= n - 1;

  // Xc = U S V^T. Covariance eigenvalues are S^2 / (n - 1).
  const components: Float64Array[] = [];
  const sq: number[] = []; // S^2
  const uColumns: Float64Array[] = []; // for the sign convention
  if (n <= dim) {
    // X X^T = U S^2 U^T; V = X^T U / S.
    const G = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        const a = X[i]!;
        const b = X[j]!;
        for (let t = 0; t < dim; t++) s += a[t]! * b[t]!;
        G[i * n + j] = s;
        G[j * n + i] = s;
      }
    }
    const { values, vectors } = symmetricEigen(G, n);
    for (let c = 0; c < k; c++) {
      const s2 = Math.max(values[c]!, 0);
      const u = Float64Array.from({ length: n }, (_, i) => vectors[i * n + c]!);
      const v = new Float64Array(dim);
      const inv = s2 > 0 ? 1 / Math.sqrt(s2) : 0;
      for (let i = 0; i < n; i++) {
        const w = u[i]! * inv;
        if (w === 0) continue;
        const x = X[i]!;
        for (let t = 0; t < dim; t++) v[t] += w * x[t]!;
      }
      components.push(v);
      sq.push(s2);
      uColumns.push(u);
    }
  } else {
    // X^T X = V S^2 V^T; U = X V / S.
    const C = new Float64Array(dim * dim);
    for (const x of X) {
      for (let i = 0; i < dim; i++) {
        const xi = x[i]!;
        if (xi === 0) continue;
        for (let j = i; j < dim; j++) C[i * dim + j] += xi * x[j]!;
      }
    }
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) C[i * dim + j] = C[j * dim + i]!;
    const { values, vectors } = symmetricEigen(C, dim);
    for (let c = 0; c < k; c++) {
      const s2 = Math.max(values[c]!, 0);
      const v = Float64Array.from({ length: dim }, (_, t) => vectors[t * dim + c]!);
      const inv = s2 > 0 ? 1 / Math.sqrt(s2) : 0;
      const u = Float64Array.from(X, (x) => {
        let s = 0;
        for (let t = 0; t < dim; t++) s += x[t]! * v[t]!;
        return s * inv;
      });
      components.push(v);
      sq.push(s2);
      uColumns.push(u);
    }
  }
  // svd_flip (u-based): the entry of largest |value| in each column of U is positive.
  for (let c = 0; c < k; c++) {
    const u = uColumns[c]!;
    let best = 0;
    for (let i = 1; i < u.length; i++) if (Math.abs(u[i]!) > Math.abs(u[best]!)) best = i;
    if (u[best]! < 0) {
      const v = components[c]!;
      for (let t = 0; t < dim; t++) v[t] = -v[t]!;
    }
  }
  const explainedVariance = sq.map((s) => s / (n - 1));
  return {
    dim,
    mean,
    components,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((v) => (total > 0 ? v / total : 0)),
    whiten: opts.whiten ?? false,
    n,
  };
}

/** Project one row onto the model's components (sklearn `transform`). */
export function pcaTransform(model: PcaModel, row: ArrayLike<number>): Float32Array {
  if (row.length !== model.dim) throw new Error(`PCA: row has ${row.length} values, the model was fitted on ${model.dim}`);
  const out = new Float32Array(model.components.length);
  for (let c = 0; c < model.components.length; c++) {
    const v = model.components[c]!;
    let s = 0;
    for (let t = 0; t < model.dim; t++) s += (row[t]! - model.mean[t]!) * v[t]!;
    out[c] = model.whiten ? s / Math.sqrt(Math.max(model.explainedVariance[c]!, 1e-300)) : s;
  }
  return out;
}

/** A JSON-safe form of the model (to save beside a clustering, or put into options). */
export function pcaToJson(model: PcaModel): { dim: number; whiten: boolean; n: number; mean: number[]; components: number[][]; explainedVariance: number[]; explainedVarianceRatio: number[] } {
  return {
    dim: model.dim,
    whiten: model.whiten,
    n: model.n,
    mean: Array.from(model.mean),
    components: model.components.map((c) => Array.from(c)),
    explainedVariance: model.explainedVariance,
    explainedVarianceRatio: model.explainedVarianceRatio,
  };
}

export function pcaFromJson(j: ReturnType<typeof pcaToJson>): PcaModel {
  return {
    dim: j.dim,
    whiten: j.whiten,
    n: j.n,
    mean: Float64Array.from(j.mean),
    components: j.components.map((c) => Float64Array.from(c)),
    explainedVariance: j.explainedVariance,
    explainedVarianceRatio: j.explainedVarianceRatio,
  };
}

/** A short hash identifying a fitted model (for cache keys). */
export function pcaHash(model: PcaModel): string {
  const h = sha256(Buffer.concat([Buffer.from(model.mean.buffer), ...model.components.map((c) => Buffer.from(c.buffer)), Buffer.from(String(model.whiten))]));
  return h.slice(0, 16);
}
