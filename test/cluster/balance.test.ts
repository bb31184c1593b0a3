import assert from "node:assert/strict";
import { test } from "node:test";
import { balancedAssign, balancedKMeans, clusterSizes, enforceMinSize } from "../../lib/cluster/balance.js";
import { kmeans } from "../../lib/cluster/kmeans.js";
import { sqDist } from "../../lib/cluster/vectors.js";
import { createRng } from "../../lib/util/random.js";
import { blobs } from "./reference.js";

function bruteForce(X: Float32Array[], centers: Float32Array[], cap: number, lower: number): number {
  const n = X.length;
  const k = centers.length;
  let best = Infinity;
  const lab = new Array<number>(n).fill(0);
  const sizes = new Array<number>(k).fill(0);
  const rec = (i: number, cost: number): void => {
    if (cost >= best) return;
    if (i === n) {
      if (sizes.every((s) => s >= lower)) best = cost;
      return;
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c] >= cap) continue;
      sizes[c]++;
      lab[i] = c;
      rec(i + 1, cost + sqDist(X[i], centers[c]));
      sizes[c]--;
    }
  };
  rec(0, 0);
  return best;
}

test("clusterSizes counts and rejects out-of-range labels", () => {
  assert.deepEqual(clusterSizes([0, 2, 2, 1, 2], 3), [1, 1, 3]);
  assert.throws(() => clusterSizes([0, 3], 3), /outside 0..2/);
});

test("balancedAssign respects capacities and is optimal (brute force on small cases)", () => {
  const rng = createRng(11);
  for (let trial = 0; trial < 30; trial++) {
    const n = 6 + (trial % 4);
    const k = 2 + (trial % 3);
    const X = Array.from({ length: n }, () => Float32Array.from({ length: 2 }, () => rng.normal() * 3));
    // Skewed centres so the unconstrained assignment is unbalanced.
    const centers = Array.from({ length: k }, (_, c) => Float32Array.of(c === 0 ? 0 : 4 + c, c === 0 ? 0 : -2 * c));
    const cap = Math.ceil(n / k);
    const res = balancedAssign(X, centers);
    const lower = Math.floor(n / k);
    assert.ok(res.sizes.every((s) => s <= cap && s >= lower), `sizes ${res.sizes} outside ${lower}..${cap}`);
    assert.equal(res.sizes.reduce((a, b) => a + b, 0), n);
    assert.deepEqual(res.sizes, clusterSizes(res.labels, k));
    let cost = 0;
    for (let i = 0; i < n; i++) cost += sqDist(X[i], centers[res.labels[i]]);
    assert.ok(Math.abs(cost - res.cost) < 1e-6);
    const opt = bruteForce(X, centers, cap, lower);
    assert.ok(Math.abs(res.cost - opt) <= 1e-6 * Math.max(1, opt), `trial ${trial}: cost ${res.cost} vs optimum ${opt}`);
    // Upper bound only (no lower bound): also optimal.
    const loose = balancedAssign(X, centers, { capacity: cap });
    const optLoose = bruteForce(X, centers, cap, 0);
    assert.ok(Math.abs(loose.cost - optLoose) <= 1e-6 * Math.max(1, optLoose), `trial ${trial}: loose cost ${loose.cost} vs ${optLoose}`);
  }
});

test("balancedAssign with unequal blobs evens the sizes; with room it equals nearest-centre", () => {
  const { X } = blobs(200, 4, 4, { seed: 3, sizes: [110, 50, 25, 15] });
  const km = kmeans(X, 4, { seed: 0 });
  assert.ok(Math.max(...clusterSizes(km.labels, 4)) >= 100);
  const res = balancedAssign(X, km.centers);
  assert.deepEqual([...res.sizes].sort(), [50, 50, 50, 50]);
  const free = balancedAssign(X, km.centers, { capacity: 200 });
  assert.deepEqual(Array.from(free.labels), Array.from(km.labels));
  assert.throws(() => balancedAssign(X, km.centers, { capacity: 10 }), /capacities sum to 40 but there are 200 rows/);
});

test("balancedKMeans gives sizes within one of n/k and is deterministic", () => {
  const { X } = blobs(203, 6, 5, { seed: 8, sizes: [90, 50, 30, 20, 13], std: 2 });
  const a = balancedKMeans(X, 5, { seed: 2, nInit: 3 });
  const sizes = clusterSizes(a.labels, 5);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  const b = balancedKMeans(X, 5, { seed: 2, nInit: 3 });
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
});

test("enforceMinSize dissolves small clusters into the nearest ones and reports it", () => {
  // Three big blobs and one tiny blob next to blob 0.
  const { X } = blobs(96, 2, 3, { seed: 5, spread: 20, std: 0.5 });
  const tiny = [Float32Array.of(X[0][0] + 3, X[0][1]), Float32Array.of(X[0][0] + 3.2, X[0][1] + 0.1)];
  const all = [...X, ...tiny];
  const km = kmeans(all, 4, { seed: 0 });
  const sizes = clusterSizes(km.labels, 4);
  const small = sizes.indexOf(Math.min(...sizes));
  assert.equal(sizes[small], 2);
  const bigOf0 = km.labels[0];
  const out = enforceMinSize(all, km, 5);
  assert.equal(out.result.centers.length, 3);
  assert.equal(out.merged.length, 1);
  assert.equal(out.merged[0].from, small);
  assert.equal(out.merged[0].size, 2);
  assert.deepEqual(out.merged[0].into, { [bigOf0]: 2 });
  assert.equal(out.mapping[small], -1);
  const newSizes = clusterSizes(out.result.labels, 3);
  assert.ok(newSizes.every((s) => s >= 5));
  assert.equal(newSizes.reduce((a, b) => a + b, 0), all.length);
  assert.ok(out.result.inertia >= km.inertia);
  // Nothing to do when all clusters are large enough.
  const same = enforceMinSize(all, km, 2);
  assert.equal(same.merged.length, 0);
  assert.deepEqual(Array.from(same.result.labels), Array.from(km.labels));
});
