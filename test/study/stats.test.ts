import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import path from "node:path";
import { projectRoot } from "../../lib/util/paths.js";
import { meanCI, minimalDetectableEffect, pairedTest, pairsNeeded, studentTCdf, studentTQuantile } from "../../lib/study/stats.js";

const ref = JSON.parse(
  readFileSync(path.join(projectRoot(), "test/study/fixtures/stats_reference.json"), "utf8"),
) as {
  a: number[];
  b: number[];
  mean_a: number;
  ci_a: [number, number];
  t: number;
  p_t: number;
  w: number;
  p_w: number;
  t_cdf: [number, number, number][];
  t_ppf: [number, number, number][];
};

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs SciPy ${b}`);

test("t distribution matches SciPy", () => {
  for (const [t, df, p] of ref.t_cdf) close(studentTCdf(t, df), p, 1e-7, `t.cdf(${t}, ${df})`);
  for (const [p, df, q] of ref.t_ppf) close(studentTQuantile(p, df), q, 1e-7, `t.ppf(${p}, ${df})`);
});

test("mean CI, paired t-test and Wilcoxon match SciPy", () => {
  const ci = meanCI(ref.a);
  close(ci.mean, ref.mean_a, 1e-12, "mean");
  close(ci.lo, ref.ci_a[0], 1e-7, "ci lo");
  close(ci.hi, ref.ci_a[1], 1e-7, "ci hi");
  const p = pairedTest(ref.a, ref.b);
  close(p.t, ref.t, 1e-7, "t");
  close(p.pT, ref.p_t, 1e-6, "p (t)");
  close(p.w, ref.w, 1e-12, "W");
  close(p.pWilcoxon, ref.p_w, 1e-6, "p (Wilcoxon)");
});

test("degenerate inputs give defined answers", () => {
  assert.equal(meanCI([]).n, 0);
  assert.deepEqual(meanCI([3]), { n: 1, mean: 3, sd: 0, lo: 3, hi: 3 });
  const same = pairedTest([1, 2, 3], [1, 2, 3]);
  assert.equal(same.pT, 1);
  assert.equal(same.pWilcoxon, 1);
});

test("power: the minimal detectable effect matches SciPy, and there the exact noncentral-t power is 0.800", () => {
  // /usr/bin/python3 with scipy 1.10: (t.ppf(0.975, n-1) + t.ppf(0.8, n-1)) * sd / sqrt(n); at that
  // effect 1 - nct.cdf(tc, n-1, nc) + nct.cdf(-tc, n-1, nc) = 0.8001, 0.8001, 0.8001, 0.8002.
  const cases: [number, number, number][] = [
    [79, 1.2, 0.38303853712328817],
    [158, 1.5, 0.3364140259361916],
    [20, 1.0, 0.6605288019866269],
    [48, 2.0, 0.8259216213941151],
  ];
  for (const [n, sd, want] of cases) assert.ok(Math.abs(minimalDetectableEffect(sd, n) - want) < 1e-8, `n ${n} sd ${sd}: ${minimalDetectableEffect(sd, n)} vs ${want}`);
  // pairsNeeded inverts it: the smallest n whose detectable effect is at most the effect.
  assert.equal(pairsNeeded(1.2, 0.38303853712328817 + 1e-9), 79);
  assert.equal(pairsNeeded(1.2, 0.383), 80);
  assert.equal(pairsNeeded(1, 0), Infinity);
  assert.ok(Number.isNaN(minimalDetectableEffect(1, 1)));
  assert.ok(minimalDetectableEffect(1, 40, { power: 0.9 }) > minimalDetectableEffect(1, 40));
});

