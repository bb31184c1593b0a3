import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import {
  applyNormalization,
  CLUSTER_MODEL_FORMAT,
  clusterMembers,
  fitNormalization,
  loadClusterModel,
  normalizeAll,
  routeFeatures,
  saveClusterModel,
  type ClusterModel,
} from "../../lib/cluster/model.js";

test("l2 normalisation gives unit vectors; zero stays zero", () => {
  const n = fitNormalization([], "l2");
  const y = applyNormalization(n, [3, 4]);
  assert.ok(Math.abs(y[0] - 0.6) < 1e-7 && Math.abs(y[1] - 0.8) < 1e-7);
  assert.deepEqual(Array.from(applyNormalization(n, [0, 0])), [0, 0]);
});

test("standardize uses training mean/std and leaves constant dimensions centred", () => {
  const X = [Float32Array.of(1, 5, 2), Float32Array.of(3, 5, 4), Float32Array.of(5, 5, 0)];
  const n = fitNormalization(X, "standardize");
  assert.deepEqual(n.mean, [3, 5, 2]);
  const Z = normalizeAll(n, X);
  for (let j = 0; j < 3; j++) {
    const m = Z.reduce((s, z) => s + z[j], 0) / 3;
    const v = Z.reduce((s, z) => s + (z[j] - m) ** 2, 0) / 3;
    assert.ok(Math.abs(m) < 1e-6);
    assert.ok(j === 1 ? v === 0 : Math.abs(v - 1) < 1e-5);
  }
  const l2s = fitNormalization(X, "l2-standardize");
  assert.equal(l2s.kind, "l2-standardize");
  assert.throws(() => applyNormalization(n, [1, 2]), /2 dimensions but the normalisation was fitted on 3/);
  assert.throws(() => fitNormalization(X, "pca" as never), /unknown normalisation "pca"/);
});

function toyModel(): ClusterModel {
  return {
    format: CLUSTER_MODEL_FORMAT,
    extractor: "toy",
    extractorOptions: {},
    imageSize: 8,
    normalization: { kind: "l2" },
    k: 2,
    centers: [
      [1, 0],
      [0, 1],
    ],
    ids: ["a.jpg", "b.jpg", "c.jpg"],
    labels: [0, 1, 1],
    sizes: [1, 2],
    metrics: { inertia: 0.1 },
    settings: { seed: 0 },
    createdAt: new Date(0).toISOString(),
  };
}

test("clusters.json round-trips, routes raw features through the normalisation, and names bad files", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cl-model-"));
  const file = path.join(dir, "clusters.json");
  const m = toyModel();
  await saveClusterModel(file, m);
  const back = await loadClusterModel(file);
  assert.deepEqual(back, m);
  assert.deepEqual(clusterMembers(back), [["a.jpg"], ["b.jpg", "c.jpg"]]);
  // Raw [10, 1] normalises to nearly [1, 0]: cluster 0; [1, 30] -> cluster 1.
  assert.equal(routeFeatures(back, [10, 1]), 0);
  assert.equal(routeFeatures(back, Float32Array.of(1, 30)), 1);
  assert.throws(() => routeFeatures(back, [1, 2, 3]), /3 dimensions but the clusters were made with 2/);
  const broken = JSON.parse(readFileSync(file, "utf8"));
  broken.labels = [0, 5, 1];
  writeFileSync(file, JSON.stringify(broken));
  await assert.rejects(loadClusterModel(file), (e: Error) => e.message.includes(file) && /outside 0..1/.test(e.message));
});
