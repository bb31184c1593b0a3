/**
 * lib/features/lda.ts against scikit-learn's LinearDiscriminantAnalysis(solver="svd") (values from
 * ./fixtures/make_lda_reference.py, Debian's python3-sklearn): classes, the prior-weighted mean,
 * the explained variance ratio and the projections of the fitting rows and of new rows. The sign of
 * each direction is arbitrary in both, so it is aligned on the first row before comparing.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fitLda, ldaFromJson, ldaHash, ldaToJson, ldaTransform } from "../../lib/features/lda.js";
import { projectRoot } from "../../lib/util/paths.js";
import { closeToSklearn } from "./sklearn-close.js";

interface Case {
  name: string;
  X: number[][];
  y: string[];
  new: number[][];
  classes: string[];
  xbar: number[];
  explainedVarianceRatio: number[];
  transformX: number[][];
  transformNew: number[][];
}
const ref = JSON.parse(readFileSync(path.join(projectRoot(), "test", "features", "fixtures", "lda_reference.json"), "utf8")) as { sklearn: string; cases: Case[] };

const close = closeToSklearn;

describe(`LDA matches sklearn ${ref.sklearn}`, () => {
  for (const c of ref.cases) {
    test(`${c.name}: ${c.X.length} x ${c.X[0]!.length}, ${c.classes.length} classes`, () => {
      const X = c.X.map((r) => Float32Array.from(r));
      const m = fitLda(X, c.y);
      assert.deepEqual(m.classes, c.classes);
      close(m.xbar, c.xbar, 1e-6, "xbar");
      close(m.explainedVarianceRatio, c.explainedVarianceRatio, 1e-5, "explained variance ratio");
      const k = c.transformX[0]!.length;
      assert.equal(m.scalings.length, k, "directions");
      const first = ldaTransform(m, X[0]!);
      const sign = Array.from({ length: k }, (_, p) => Math.sign(first[p]!) * Math.sign(c.transformX[0]![p]!));
      const aligned = (v: Float32Array) => v.map((x, p) => x * sign[p]!);
      X.forEach((x, i) => close(aligned(ldaTransform(m, x)), c.transformX[i]!, 1e-4, `transform X[${i}]`));
      c.new.forEach((x, i) => close(aligned(ldaTransform(m, x)), c.transformNew[i]!, 1e-4, `transform new[${i}]`));
      const back = ldaFromJson(JSON.parse(JSON.stringify(ldaToJson(m))));
      assert.equal(ldaHash(back), ldaHash(m));
      close(ldaTransform(back, X[1]!), ldaTransform(m, X[1]!), 1e-12, "after JSON");
    });
  }

  test("nComponents keeps the leading directions", () => {
    const c = ref.cases.find((x) => x.classes.length >= 4)!;
    const all = fitLda(c.X, c.y);
    const two = fitLda(c.X, c.y, { nComponents: 2 });
    assert.equal(two.scalings.length, 2);
    close(ldaTransform(two, c.X[0]!), ldaTransform(all, c.X[0]!).subarray(0, 2), 1e-9, "first two");
  });
});

describe("LDA errors name the problem", () => {
  test("one class, too few rows, mismatched labels, wrong width, damaged JSON", () => {
    const X = [[1, 2], [2, 1], [3, 3], [0, 1]];
    assert.throws(() => fitLda(X, ["a", "a", "a", "a"]), /1 class \("a"\).*at least 2/);
    assert.throws(() => fitLda(X.slice(0, 2), ["a", "b"]), /2 rows for 2 classes/);
    assert.throws(() => fitLda(X, ["a", "b"]), /4 rows but 2 labels/);
    const m = fitLda(X, ["a", "b", "a", "b"]);
    assert.throws(() => ldaTransform(m, [1, 2, 3]), /3 dims, the projection was fitted on 2/);
    assert.throws(() => ldaFromJson({ dim: 2 } as never), /not a saved LDA projection/);
  });
});
