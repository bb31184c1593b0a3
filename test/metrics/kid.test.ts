import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import {
  bootstrapIndices,
  kid,
  kidDifference,
  kidKernels,
  kidSubsets,
  mmd2FromKernels,
  mmd2Unbiased,
  polynomialKernelMatrix,
  quantile,
  subsetIndices,
  type KernelOptions,
} from "../../lib/metrics/kid.js";
import { projectRoot } from "../../lib/util/paths.js";
import { createRng } from "../../lib/util/random.js";

interface Resample {
  x: number[];
  y: number[];
  mmd2: number;
}
interface RefCase {
  name: string;
  kernel: { degree: number; gamma: number | null; coef0: number };
  X: number[][];
  Y: number[][];
  mmd2: number;
  mmd2YX: number;
  kxy00: number;
  bootstrap: Resample[];
  percentiles: Record<"2.5" | "97.5" | "50", number>;
  subsets: Resample[];
}

// Made by test/metrics/fixtures/make_kid_reference.py (plain numpy, straight from the formula).
const ref = JSON.parse(readFileSync(path.join(projectRoot(), "test", "metrics", "fixtures", "kid_reference.json"), "utf8")) as { numpy: string; cases: RefCase[] };

const kernelOf = (c: RefCase): KernelOptions => ({ degree: c.kernel.degree, coef0: c.kernel.coef0, ...(c.kernel.gamma === null ? {} : { gamma: c.kernel.gamma }) });

function close(actual: number, expected: number, what: string, rel = 1e-6): void {
  const tol = rel * Math.max(Math.abs(expected), 1e-12);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, numpy ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
}

/** Rows of a seeded Gaussian with an offset, clipped at 0 like average-pooled ReLU features. */
function gaussianRows(n: number, d: number, seed: number, shift = 0): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: d }, () => Math.max(0, rng.normal() + shift)));
}

test("KID matches numpy on every reference case (number[][] and Float32Array rows)", () => {
  assert.ok(ref.cases.length >= 5);
  for (const c of ref.cases) {
    const opts = kernelOf(c);
    close(mmd2Unbiased(c.X, c.Y, opts), c.mmd2, `${c.name} mmd2`);
    close(mmd2Unbiased(c.X.map((r) => Float32Array.from(r)), c.Y.map((r) => Float32Array.from(r)), opts), c.mmd2, `${c.name} mmd2 (float32 rows)`);
    close(mmd2Unbiased(c.Y, c.X, opts), c.mmd2YX, `${c.name} mmd2(Y, X)`);
    close(polynomialKernelMatrix([c.X[0]!], [c.Y[0]!], opts)[0]!, c.kxy00, `${c.name} k(x0, y0)`);
    close(kid(c.X, c.Y, { ...opts, bootstrap: 0 }).value, c.mmd2, `${c.name} kid().value`);
  }
});

test("bootstrap resamples (with repeats, copy pairs left out) and subsets match numpy", () => {
  for (const c of ref.cases) {
    const k = kidKernels(c.X, c.Y, kernelOf(c));
    const got = c.bootstrap.map((r, i) => {
      const v = mmd2FromKernels(k, r.x, r.y);
      close(v, r.mmd2, `${c.name} bootstrap ${i}`);
      return v;
    });
    close(quantile(got, 0.025), c.percentiles["2.5"], `${c.name} 2.5 % percentile`);
    close(quantile(got, 0.975), c.percentiles["97.5"], `${c.name} 97.5 % percentile`);
    close(quantile(got, 0.5), c.percentiles["50"], `${c.name} median`);
    c.subsets.forEach((r, i) => close(mmd2FromKernels(k, r.x, r.y), r.mmd2, `${c.name} subset ${i}`));
  }
});

test("KID is symmetric, and its interval holds the estimate and is reproducible by seed", () => {
  const X = gaussianRows(20, 32, 1);
  const Y = gaussianRows(25, 32, 2, 0.4);
  const a = kid(X, Y, { bootstrap: 300, seed: 5 });
  const b = kid(Y, X, { bootstrap: 300, seed: 5 });
  close(b.value, a.value, "kid(Y, X) vs kid(X, Y)", 1e-12);
  assert.ok(a.value > 0, `shifted sets should have KID > 0, got ${a.value}`);
  assert.ok(a.low < a.value && a.value < a.high, `interval [${a.low}, ${a.high}] should hold ${a.value}`);
  assert.deepEqual(kid(X, Y, { bootstrap: 300, seed: 5 }), a, "same seed, same result");
  assert.notEqual(kid(X, Y, { bootstrap: 300, seed: 6 }).low, a.low, "another seed, other resamples");
  assert.equal(a.nX, 20);
  assert.equal(a.nY, 25);
  assert.equal(a.dim, 32);
  assert.equal(a.bootstrap, 300);
});

test("KID is about 0 for two samples of one distribution, can be negative, and is far from 0 for different ones", () => {
  const same: number[] = [];
  for (let s = 0; s < 40; s++) same.push(mmd2Unbiased(gaussianRows(16, 24, 100 + 2 * s), gaussianRows(16, 24, 101 + 2 * s)));
  const mean = same.reduce((a, b) => a + b, 0) / same.length;
  const sd = Math.sqrt(same.reduce((a, b) => a + (b - mean) ** 2, 0) / (same.length - 1));
  assert.ok(same.some((v) => v < 0), "unbiased: some same-distribution estimates are negative");
  // Unbiased: the mean over independent pairs is within ~3 standard errors of 0.
  assert.ok(Math.abs(mean) < 3 * (sd / Math.sqrt(same.length)), `mean ${mean} is not ~0 (sd ${sd})`);
  const far = mmd2Unbiased(gaussianRows(16, 24, 900), gaussianRows(16, 24, 901, 1));
  assert.ok(far > 10 * sd, `different distributions: ${far} should be far above the same-distribution spread ${sd}`);
});

test("the bootstrap centres on the unbiased estimate (copy pairs left out), not on the biased V-statistic", () => {
  // Tiny sets with large k(x, x) against k(x, x'): the V-statistic is far above the U-statistic.
  const X = gaussianRows(8, 16, 11);
  const Y = gaussianRows(8, 16, 12);
  const r = kid(X, Y, { bootstrap: 2000, seed: 3 });
  const k = kidKernels(X, Y);
  const diagMean = (K: Float64Array, n: number) => Array.from({ length: n }, (_, i) => K[i * n + i]!).reduce((a, b) => a + b, 0) / n;
  const offMean = (K: Float64Array, n: number) => (K.reduce((a, b) => a + b, 0) - diagMean(K, n) * n) / (n * (n - 1));
  // V-statistic minus U-statistic = (diag - off) / n for each within term.
  const vMinusU = (diagMean(k.kxx, 8) - offMean(k.kxx, 8)) / 8 + (diagMean(k.kyy, 8) - offMean(k.kyy, 8)) / 8;
  assert.ok(vMinusU > 0);
  assert.ok(Math.abs(r.bootstrapMean - r.value) < vMinusU / 3, `bootstrap mean ${r.bootstrapMean} vs estimate ${r.value}: off by more than a third of the V-U bias ${vMinusU}`);
});

test("subset-average KID: means of subset estimates, reproducible; the full set when the subset is everything", () => {
  const X = gaussianRows(30, 16, 21);
  const Y = gaussianRows(30, 16, 22, 0.3);
  const s = kidSubsets(X, Y, { subsets: 20, subsetSize: 10, seed: 4 });
  assert.equal(s.values.length, 20);
  assert.equal(s.subsetSize, 10);
  const k = kidKernels(X, Y);
  const idx = subsetIndices(30, 30, 20, 10, 4);
  idx.forEach((r, i) => {
    assert.equal(new Set(r.x).size, 10, "without replacement");
    close(s.values[i]!, mmd2FromKernels(k, r.x, r.y), `subset ${i}`, 1e-12);
  });
  close(s.mean, s.values.reduce((a, b) => a + b, 0) / 20, "mean", 1e-12);
  const full = kidSubsets(X, Y, { subsets: 3, subsetSize: 30 });
  for (const v of full.values) close(v, mmd2Unbiased(X, Y), "full-size subset", 1e-9);
});

test("bootstrap indices are seeded and never a single repeated sample", () => {
  const a = bootstrapIndices(3, 2, 200, 9);
  assert.deepEqual(bootstrapIndices(3, 2, 200, 9), a);
  for (const r of a) {
    assert.equal(r.x.length, 3);
    assert.ok(new Set(r.x).size > 1 && new Set(r.y).size > 1);
  }
});

test("KID errors name the problem", () => {
  assert.throws(() => kid([[1, 2]], [[1, 2], [3, 4]]), /X has 1 feature row\(s\); needs at least 2/);
  assert.throws(() => kid([[1, 2], [3, 4]], [[1, 2, 3], [3, 4, 5]]), /feature dimensions differ \(X 2, Y 3\)/);
  assert.throws(() => kid([[1, 2], [3]], [[1, 2], [3, 4]]), /X row 1 has 1 values, row 0 has 2/);
  assert.throws(() => kidSubsets(gaussianRows(5, 4, 1), gaussianRows(4, 4, 2), { subsetSize: 5 }), /subsetSize must be an integer in 2\.\.4/);
  assert.throws(() => kid(gaussianRows(5, 4, 1), gaussianRows(4, 4, 2), { level: 1.5 }), /level must be in \(0, 1\)/);
});

test("kidDifference: KID(A, Y) - KID(B, Y) with a paired bootstrap; p small when one set is clearly closer, large when both come from Y's distribution", () => {
  const Y = gaussianRows(40, 16, 11);
  const near = gaussianRows(40, 16, 12);
  const near2 = gaussianRows(40, 16, 13);
  const far = gaussianRows(40, 16, 14, 0.8);
  const d = kidDifference(near, far, Y, { bootstrap: 400, seed: 3 });
  close(d.value, mmd2Unbiased(near, Y) - mmd2Unbiased(far, Y), "difference of the two unbiased KIDs", 1e-9);
  assert.ok(d.value < 0 && d.high < 0, `near minus far should be clearly negative: ${d.value} [${d.low}, ${d.high}]`);
  assert.ok(d.p <= 0.01, `p ${d.p}`);
  assert.ok(d.low <= d.value && d.value <= d.high);
  const same = kidDifference(near, near2, Y, { bootstrap: 400, seed: 3 });
  assert.ok(same.low < 0 && same.high > 0 && same.p > 0.05, `two samples of Y's distribution: ${same.value} [${same.low}, ${same.high}] p ${same.p}`);
  assert.deepEqual(kidDifference(near, far, Y, { bootstrap: 400, seed: 3 }), d, "same seed, same result");
  assert.equal(d.nA, 40);
  assert.equal(d.nY, 40);
  assert.throws(() => kidDifference(near, far, Y, { bootstrap: 0 }), /bootstrap must be a positive integer/);
});

