import assert from "node:assert/strict";
import { test } from "node:test";
import { kmeans } from "../../lib/cluster/kmeans.js";
import {
  adjustedRandScore,
  calinskiHarabaszScore,
  daviesBouldinScore,
  gapStatistic,
  normalizedMutualInfo,
  purity,
  silhouetteScore,
} from "../../lib/cluster/metrics.js";
import { blobs, loadReference, rows } from "./reference.js";

const ref = loadReference();

function close(actual: number, expected: number, what: string, rel = 1e-6): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
  assert.ok(err <= rel || Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs sklearn ${expected} (rel ${err})`);
}

for (const c of ref.cases) {
  test(`internal metrics match sklearn ${ref.sklearn} on ${c.name} (1e-6 relative)`, () => {
    const X = rows(c.X);
    for (const [name, labels] of [
      ["kmeans", c.kmeans.labels],
      ["noisy", c.noisy],
    ] as const) {
      const m = c.metrics[name];
      close(silhouetteScore(X, labels), m.silhouette, `${name} silhouette`);
      close(daviesBouldinScore(X, labels), m.daviesBouldin, `${name} davies-bouldin`);
      close(calinskiHarabaszScore(X, labels), m.calinskiHarabasz, `${name} calinski-harabasz`);
    }
  });

  test(`external metrics match sklearn on ${c.name}, with numeric and string truth labels`, () => {
    const m = c.metrics.noisy;
    close(adjustedRandScore(c.truth, c.noisy), m.ari, "ari");
    close(normalizedMutualInfo(c.truth, c.noisy), m.nmi, "nmi");
    const strings = c.truth.map((v) => `style_${v}`);
    close(adjustedRandScore(strings, Int32Array.from(c.noisy)), m.ariStrings, "ari strings");
    close(normalizedMutualInfo(strings, c.noisy), m.nmiStrings, "nmi strings");
    close(purity(c.truth, c.noisy), m.purity, "purity");
    const t = c.metrics.truthVsKmeans;
    close(adjustedRandScore(c.truth, c.kmeans.labels), t.ari, "ari truth/kmeans");
    close(normalizedMutualInfo(c.truth, c.kmeans.labels), t.nmi, "nmi truth/kmeans");
    close(purity(c.truth, c.kmeans.labels), t.purity, "purity truth/kmeans");
  });
}

test("ARI and NMI edge cases match sklearn", () => {
  for (const p of ref.pairs) {
    close(adjustedRandScore(p.a, p.b), p.ari, `ari ${JSON.stringify(p)}`, 1e-9);
    close(normalizedMutualInfo(p.a, p.b), p.nmi, `nmi ${JSON.stringify(p)}`, 1e-9);
  }
});

test("internal metrics reject a single cluster or mismatched lengths", () => {
  const X = rows([[0], [1], [2]]);
  assert.throws(() => silhouetteScore(X, [0, 0, 0]), /number of clusters is 1/);
  assert.throws(() => daviesBouldinScore(X, [0, 1]), /2 labels for 3 rows/);
});

test("gap statistic is largest near the true k on separated blobs", () => {
  const { X } = blobs(150, 4, 3, { std: 0.8, seed: 5 });
  const gaps = [1, 2, 3, 4, 5].map((k) => gapStatistic(X, k, { nRefs: 5, seed: 1, inertia: kmeans(X, k, { nInit: 3 }).inertia }));
  // Tibshirani's rule: smallest k with gap(k) >= gap(k+1) - s(k+1).
  const chosen = [1, 2, 3, 4].find((k) => gaps[k - 1].gap >= gaps[k].gap - gaps[k].sk);
  assert.equal(chosen, 3);
  assert.ok(gaps.every((g) => g.sk >= 0 && Number.isFinite(g.gap)));
});
