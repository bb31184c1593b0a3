import assert from "node:assert/strict";
import { test } from "node:test";
import { inertiaOf, kmeans, miniBatchKMeans, predict } from "../../lib/cluster/kmeans.js";
import { blobs, loadReference, rows, samePartition } from "./reference.js";

const ref = loadReference();

for (const c of ref.cases) {
  test(`kmeans matches sklearn ${ref.sklearn} on ${c.name} (inertia within 0.5 %, same partition when separated)`, () => {
    const X = rows(c.X);
    const res = kmeans(X, c.k, { seed: 0 });
    const rel = Math.abs(res.inertia - c.kmeans.inertia) / c.kmeans.inertia;
    assert.ok(rel < 0.005, `inertia ${res.inertia} vs sklearn ${c.kmeans.inertia} (rel ${rel})`);
    if (c.name.startsWith("separated")) {
      assert.ok(samePartition(res.labels, c.kmeans.labels), "labels differ from sklearn beyond a permutation");
    }
    // Inertia reported equals the inertia of the returned labels/centres.
    const again = inertiaOf(X, res.centers, res.labels);
    assert.ok(Math.abs(again - res.inertia) / res.inertia < 1e-5);
    assert.deepEqual(Array.from(predict(res.centers, X)), Array.from(res.labels));
    assert.equal(res.centers.length, c.k);
    assert.ok(res.nIter >= 1 && res.nIter <= 300);
  });
}

test("kmeans is deterministic for a seed and restarts never hurt", () => {
  const { X } = blobs(300, 6, 5, { std: 4, seed: 9 });
  const a = kmeans(X, 5, { seed: 3 });
  const b = kmeans(X, 5, { seed: 3 });
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
  assert.equal(a.inertia, b.inertia);
  const one = kmeans(X, 5, { seed: 3, nInit: 1 });
  assert.ok(a.inertia <= one.inertia + 1e-9);
});

test("kmeans handles k = 1, k = n and duplicate rows, and rejects bad input", () => {
  const X = [0, 0, 0, 5, 5].map((v) => Float32Array.of(v, v));
  const one = kmeans(X, 1);
  assert.ok(Math.abs(one.centers[0][0] - 2) < 1e-6);
  const all = kmeans(X, 3);
  assert.equal(all.inertia, 0);
  // Only two distinct points: the third centre duplicates one of them, so at most 3 labels are used.
  assert.ok(new Set(all.labels).size >= 2);
  assert.throws(() => kmeans(X, 6), /larger than the number of rows/);
  assert.throws(() => kmeans([], 1), /empty/);
  assert.throws(() => kmeans([Float32Array.of(1), Float32Array.of(1, 2)], 1), /length 2, expected 1/);
  assert.throws(() => kmeans([Float32Array.of(NaN)], 1), /finite/);
});

test("miniBatchKMeans finds separated blobs and stays close to full k-means", () => {
  const { X, y } = blobs(3000, 8, 6, { std: 1, seed: 4 });
  const full = kmeans(X, 6, { seed: 1, nInit: 3 });
  const mb = miniBatchKMeans(X, 6, { seed: 1, batchSize: 256 });
  assert.ok(samePartition(mb.labels, y), "mini-batch did not recover the blobs");
  assert.ok(mb.inertia <= full.inertia * 1.02, `mini-batch inertia ${mb.inertia} vs full ${full.inertia}`);
  const again = miniBatchKMeans(X, 6, { seed: 1, batchSize: 256 });
  assert.deepEqual(Array.from(again.labels), Array.from(mb.labels));
});
