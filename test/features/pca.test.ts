/**
 * lib/features/pca.ts against scikit-learn's PCA (values from ./fixtures/make_pca_reference.py,
 * Debian's python3-sklearn): means, explained variance (and ratio), components and projections,
 * with fewer rows than dimensions (the n x n path) and more (the d x d path), whitened or not.
 * Component signs are compared as sklearn 1.2's svd_flip sets them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fitPca, pcaFromJson, pcaHash, pcaToJson, pcaTransform, symmetricEigen } from "../../lib/features/pca.js";
import { projectRoot } from "../../lib/util/paths.js";
import { closeToSklearn } from "./sklearn-close.js";

interface Case {
  name: string;
  k: number;
  whiten: boolean;
  X: number[][];
  new: number[][];
  mean: number[];
  components: number[][];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  transformX: number[][];
  transformNew: number[][];
}
const ref = JSON.parse(readFileSync(path.join(projectRoot(), "test", "features", "fixtures", "pca_reference.json"), "utf8")) as { sklearn: string; cases: Case[] };

const close = closeToSklearn;

describe(`PCA matches sklearn ${ref.sklearn}`, () => {
  for (const c of ref.cases) {
    test(`${c.name}: ${c.X.length} x ${c.X[0]!.length}, ${c.k} components${c.whiten ? ", whitened" : ""}`, () => {
      const X = c.X.map((r) => Float32Array.from(r));
      const m = fitPca(X, c.k, { whiten: c.whiten });
      close(m.mean, c.mean, 1e-6, "mean");
      close(m.explainedVariance, c.explainedVariance, 1e-5, "explained variance");
      close(m.explainedVarianceRatio, c.explainedVarianceRatio, 1e-5, "explained variance ratio");
      m.components.forEach((v, i) => close(v, c.components[i]!, 1e-4, `component ${i}`));
      X.forEach((x, i) => close(pcaTransform(m, x), c.transformX[i]!, 1e-4, `transform X[${i}]`));
      c.new.forEach((x, i) => close(pcaTransform(m, x), c.transformNew[i]!, 1e-4, `transform new[${i}]`));
      const back = pcaFromJson(JSON.parse(JSON.stringify(pcaToJson(m))));
      assert.equal(pcaHash(back), pcaHash(m));
      close(pcaTransform(back, X[0]!), pcaTransform(m, X[0]!), 1e-12, "after JSON");
    });
  }
});

describe("symmetricEigen", () => {
  test("diagonalises a symmetric matrix: A V = V diag(values), values descending", () => {
    const A = Float64Array.from([4, 1, 2, 1, 3, 0.5, 2, 0.5, 1]);
    const { values, vectors } = symmetricEigen(A, 3);
    assert.ok(values[0]! >= values[1]! && values[1]! >= values[2]!);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 3; i++) {
        let s = 0;
        for (let j = 0; j < 3; j++) s += A[i * 3 + j]! * vectors[j * 3 + c]!;
        assert.ok(Math.abs(s - values[c]! * vectors[i * 3 + c]!) < 1e-12);
      }
    }
  });
  test("errors name the problem", () => {
    assert.throws(() => fitPca([Float32Array.from([1, 2])], 1), /at least 2 rows/);
    assert.throws(() => fitPca([Float32Array.from([1, 2]), Float32Array.from([3, 4])], 3), /nComponents must be in \[1, min\(n, dim\)\] = \[1, 2\]/);
  });
});
