import assert from "node:assert/strict";
import { test } from "node:test";
import { mixtureCounts, pooledGroups } from "../../lib/pipeline/kid-stage.js";

test("mixtureCounts: shares proportional to the cluster sizes, summing to the total (largest remainder)", () => {
  assert.deepEqual(mixtureCounts([10, 10], 8), [4, 4]);
  assert.deepEqual(mixtureCounts([30, 10], 8), [6, 2]);
  assert.deepEqual(mixtureCounts([1, 1, 1], 8), [3, 3, 2], "ties go to the earlier cluster");
  assert.deepEqual(mixtureCounts([50, 3, 47], 10), [5, 0, 5]);
  for (const sizes of [[7, 13, 29, 51, 2], [1], [5, 5, 5, 5, 5, 5, 5]]) {
    assert.equal(mixtureCounts(sizes, 64).reduce((a, b) => a + b, 0), 64);
  }
  assert.throws(() => mixtureCounts([0, 0], 4), /empty/);
});

test("pooledGroups: the clustered methods of a run by study method name, trained jobs only", () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`);
  const jobs = [
    { name: "general", ids: ids(30), k: 1, cluster: null, init: "scratch" },
    { name: "k3/cluster-0", ids: ids(12), k: 3, cluster: 0, init: "general" },
    { name: "k3/cluster-1", ids: ids(18), k: 3, cluster: 1, init: "general" },
    { name: "k3/scratch/cluster-0", ids: ids(12), k: 3, cluster: 0, init: "scratch" },
    { name: "k3/scratch/cluster-1", ids: ids(18), k: 3, cluster: 1, init: "scratch" },
    { name: "k2/cluster-0", ids: ids(30), k: 2, cluster: 0, init: "general" },
  ];
  const dirs = new Map(jobs.filter((j) => j.name !== "k3/scratch/cluster-1").map((j) => [j.name, `/m/${j.name}`]));
  assert.deepEqual(pooledGroups(jobs, dirs, 3), [
    { method: "clustered", k: 3, jobs: [{ name: "k3/cluster-0", images: 12 }, { name: "k3/cluster-1", images: 18 }] },
    { method: "clustered-scratch", k: 3, jobs: [{ name: "k3/scratch/cluster-0", images: 12 }] },
    { method: "clustered-k2", k: 2, jobs: [{ name: "k2/cluster-0", images: 30 }] },
  ]);
});
