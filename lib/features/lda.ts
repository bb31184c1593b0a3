/**
 * Linear discriminant analysis as a projection, as scikit-learn's
 * `LinearDiscriminantAnalysis(solver="svd").fit(X, y).transform(X)`: the directions that separate
 * the labelled classes, scaled so the pooled within-class covariance is the identity, ordered by
 * the between-class variance along them (at most classes - 1 of them).
 *
 * Solved with two symmetric eigenproblems (./pca.ts's Jacobi solver) instead of sklearn's two SVDs;
 * the result is the same up to the sign of each direction:
 * 1. Sw, the pooled within-class covariance (divided by n - classes), is whitened: W = V E^-1/2 on
 *    its eigenvalues above a relative tolerance (a singular Sw loses those directions, as sklearn's
 *    rank cut does).
 * 2. In the whitened space, the class means weighted by sqrt(n prior / (classes - 1)) give the
 *    between-class scatter B; its eigenvectors U (largest first) are the discriminant directions.
 * Scalings = W U; `ldaTransform(x) = (x - xbar) Scalings` with xbar the prior-weighted mean.
 *
 * Pure functions on number rows; double precision inside. Costs O(d^3) in the input dimension, so
 * reduce wide features first (a PCA fitted on the same rows).
 */
import { sha256 } from "../util/fs.js";
import { symmetricEigen } from "./pca.js";

export interface LdaModel {
  /** Input dimension. */
  dim: number;
  /** Class names in sorted order (sklearn's `classes_`). */
  classes: string[];
  /** Prior-weighted mean of the class means (sklearn's `xbar_`): the fitting rows' mean. */
  xbar: Float64Array;
  /** Discriminant directions, one per row: [k][dim] (sklearn's `scalings_` transposed). */
  scalings: Float64Array[];
  /** Share of the between-class variance per direction (sklearn's `explained_variance_ratio_`). */
  explainedVarianceRatio: number[];
  /** Rows it was fitted on. */
  n: number;
}

export interface LdaOptions {
  /** Keep at most this many directions (default: all, that is min(classes - 1, rank)). */
  nComponents?: number;
  /** Eigenvalues of Sw below `tol` x the largest are treated as zero. Default 1e-10. */
  tol?: number;
}

/** Fit the projection on `rows` labelled `labels` (same length; at least two classes). */
export function fitLda(rows: readonly ArrayLike<number>[], labels: readonly string[], opts: LdaOptions = {}): LdaModel {
  const n = rows.length;
  if (labels.length !== n) throw new Error(`LDA: ${n} rows but ${labels.length} labels`);
  if (n === 0) throw new Error("LDA: no rows to fit on");
  const d = rows[0]!.length;
  const classes = [...new Set(labels)].sort();
  const K = classes.length;
  if (K < 2) throw new Error(`LDA: the labels name ${K} class${K === 1 ? ` ("${classes[0]}")` : "es"}; a discriminant projection needs at least 2`);
  if (n <= K) throw new Error(`LDA: ${n} rows for ${K} classes; the within-class covariance needs more rows than classes`);
  const classOf = labels.map((l) => classes.indexOf(l));
  const counts = new Float64Array(K);
  const means = Array.from({ length: K }, () => new Float64Array(d));
  rows.forEach((r, i) => {
    const c = classOf[i]!;
    counts[c]! += 1;
    const m = means[c]!;
    for (let j = 0; j < d; j++) m[j]! += r[j]!;
  });
  means.forEach((m, c) => m.forEach((_, j) => (m[j]! /= counts[c]!)));
  const xbar = new Float64Array(d);
  for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) xbar[j]! += (counts[c]! / n) * means[c]![j]!;

  // Pooled within-class covariance, divided by n - K.
  const sw = new Float64Array(d * d);
  const xc = new Float64Array(d);
  rows.forEach((r, i) => {
    const m = means[classOf[i]!]!;
    for (let j = 0; j < d; j++) xc[j] = r[j]! - m[j]!;
    for (let a = 0; a < d; a++) {
      const va = xc[a]!;
      if (va === 0) continue;
      for (let b = a; b < d; b++) sw[a * d + b]! += va * xc[b]!;
    }
  });
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = sw[a * d + b]! / (n - K);
      sw[a * d + b] = v;
      sw[b * d + a] = v;
    }
  }
  const ew = symmetricEigen(sw, d);
  const tol = (opts.tol ?? 1e-10) * Math.max(ew.values[0]!, 1e-300);
  const keep: number[] = [];
  for (let i = 0; i < d; i++) if (ew.values[i]! > tol) keep.push(i);
  const r = keep.length;
  if (r === 0) throw new Error("LDA: every class is constant (zero within-class variance); nothing to whiten");
  // W: d x r, column q = v_q / sqrt(e_q).
  const W = new Float64Array(d * r);
  keep.forEach((i, q) => {
    const s = 1 / Math.sqrt(ew.values[i]!);
    for (let j = 0; j < d; j++) W[j * r + q] = ew.vectors[j * d + i]! * s;
  });

  // Whitened, weighted class means: M (K x r), row c = sqrt(n prior_c / (K - 1)) (mean_c - xbar) W.
  const M = new Float64Array(K * r);
  for (let c = 0; c < K; c++) {
    const w = Math.sqrt((counts[c]! * 1) / (K - 1));
    for (let q = 0; q < r; q++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (means[c]![j]! - xbar[j]!) * W[j * r + q]!;
      M[c * r + q] = w * s;
    }
  }
  const B = new Float64Array(r * r);
  for (let a = 0; a < r; a++) {
    for (let b = a; b < r; b++) {
      let s = 0;
      for (let c = 0; c < K; c++) s += M[c * r + a]! * M[c * r + b]!;
      B[a * r + b] = s;
      B[b * r + a] = s;
    }
  }
  const eb = symmetricEigen(B, r);
  const top = Math.max(eb.values[0]!, 0);
  let rank = 0;
  // sklearn keeps singular values above 1e-4 x the largest: eigenvalues above 1e-8 x the largest.
  while (rank < Math.min(r, K - 1) && eb.values[rank]! > 1e-8 * top) rank++;
  const k = Math.min(rank, opts.nComponents ?? rank);
  if (k === 0) throw new Error("LDA: the class means coincide; there is no direction that separates the classes");
  const total = Array.from({ length: rank }, (_, i) => eb.values[i]!).reduce((s, v) => s + v, 0);
  const scalings = Array.from({ length: k }, (_, p) => {
    const v = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += W[j * r + q]! * eb.vectors[q * r + p]!;
      v[j] = s;
    }
    return v;
  });
  return { dim: d, classes, xbar, scalings, explainedVarianceRatio: Array.from({ length: k }, (_, i) => eb.values[i]! / total), n };
}

/** One row projected onto the discriminant directions. */
export function ldaTransform(model: LdaModel, row: ArrayLike<number>): Float32Array {
  if (row.length !== model.dim) throw new Error(`LDA: the row has ${row.length} dims, the projection was fitted on ${model.dim}`);
  const out = new Float32Array(model.scalings.length);
  model.scalings.forEach((v, p) => {
    let s = 0;
    for (let j = 0; j < model.dim; j++) s += (row[j]! - model.xbar[j]!) * v[j]!;
    out[p] = s;
  });
  return out;
}

export type LdaJson = { dim: number; classes: string[]; n: number; xbar: number[]; scalings: number[][]; explainedVarianceRatio: number[] };

export function ldaToJson(model: LdaModel): LdaJson {
  return { dim: model.dim, classes: model.classes, n: model.n, xbar: Array.from(model.xbar), scalings: model.scalings.map((v) => Array.from(v)), explainedVarianceRatio: model.explainedVarianceRatio };
}

export function ldaFromJson(j: LdaJson): LdaModel {
  if (!j || typeof j.dim !== "number" || !Array.isArray(j.scalings) || !Array.isArray(j.xbar) || !Array.isArray(j.classes)) {
    throw new Error("not a saved LDA projection (needs dim, classes, xbar, scalings)");
  }
  if (j.xbar.length !== j.dim || j.scalings.some((v) => v.length !== j.dim)) throw new Error(`saved LDA projection: xbar and every direction must have ${j.dim} values`);
  return { dim: j.dim, classes: [...j.classes], n: j.n, xbar: Float64Array.from(j.xbar), scalings: j.scalings.map((v) => Float64Array.from(v)), explainedVarianceRatio: [...j.explainedVarianceRatio] };
}

/** Content hash of a fitted projection (goes into cache keys). */
export function ldaHash(model: LdaModel): string {
  return sha256(JSON.stringify(ldaToJson(model))).slice(0, 16);
}
