import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { DatasetItem } from "../../lib/data/dataset.js";
import { clusterFeatures, fitClusterModel, writeClusterModel } from "../../lib/cluster/run.js";
import { createExtractor } from "../../lib/features/registry.js";
import { initBackend } from "../../lib/runtime/backend.js";
import { umapReport } from "../../lib/cluster/reports.js";
import { loadClusterModel } from "../../lib/cluster/model.js";

/** Three well separated blobs of 6 points in 4-D, labelled by blob. */
function blobs(): { items: DatasetItem[]; features: Float32Array[] } {
  const items: DatasetItem[] = [];
  const features: Float32Array[] = [];
  for (let b = 0; b < 3; b++) {
    for (let i = 0; i < 6; i++) {
      const id = `s${b}/p${i}.png`;
      items.push({ id, file: `/nowhere/${id}`, relPath: id, label: `s${b}`, meta: {} });
      const f = new Float32Array(4).fill(0.05 * i);
      f[b] = 10;
      features.push(f);
    }
  }
  return { items, features };
}

const ex = { id: "toy", options: { v: 1 }, inputSize: 8 };

test("fitClusterModel: features in, ClusterModel out, no files; the same input gives the same model", () => {
  const { items, features } = blobs();
  const a = fitClusterModel(ex, items, features, { data: "toy-data", k: 3, nInit: 2, seed: 3 });
  const b = fitClusterModel(ex, items, features, { data: "toy-data", k: 3, nInit: 2, seed: 3 });
  assert.deepEqual(a.model.labels, b.model.labels);
  assert.equal(a.model.k, 3);
  assert.deepEqual(a.model.sizes, [6, 6, 6]);
  assert.deepEqual(a.model.ids, items.map((i) => i.id));
  assert.deepEqual(a.model.truth, items.map((i) => i.label));
  assert.equal(a.model.extractor, "toy");
  assert.equal(a.model.extractorFiles, undefined);
  assert.equal(a.model.settings.seed, 3);
  assert.equal(a.model.metrics.ari, 1);
  assert.equal(a.fit.X.length, 18);
});

test("writeClusterModel writes clusters.json (+ sweep files after a sweep); umapReport writes umap.json and the page", async () => {
  const { items, features } = blobs();
  const tmp = mkdtempSync(path.join(os.tmpdir(), "heritage-run-steps-"));
  const { model, fit } = fitClusterModel(ex, items, features, { data: "toy-data", sweep: [2, 3, 4], gapRefs: 2, nInit: 2 });
  const files = await writeClusterModel(tmp, model, { fit });
  assert.deepEqual(Object.keys(files), ["clusters", "sweep", "sweepCsv"]);
  assert.deepEqual((await loadClusterModel(files.clusters)).labels, model.labels);
  assert.equal(readFileSync(files.sweepCsv, "utf8").split("\n").length >= 4, true);
  const plain = await writeClusterModel(path.join(tmp, "plain"), model);
  assert.deepEqual(Object.keys(plain), ["clusters"]);
  const out = path.join(tmp, "umap.html");
  const u = await umapReport(model, features, items, { outDir: tmp, out, umap: { nNeighbors: 5 } });
  assert.ok(existsSync(u.umap));
  const points = JSON.parse(readFileSync(u.umapJson, "utf8")) as { id: string; cluster: number; label: string }[];
  assert.deepEqual(points.map((p) => p.cluster), model.labels);
  assert.deepEqual(points.map((p) => p.id), model.ids);
  assert.ok(u.figure.data.length >= model.k, "umapReport returns the scatter it wrote (one trace per cluster, and per label)");
  await assert.rejects(umapReport(model, features.slice(1), items, { outDir: tmp, out }), /17 feature rows and 18 items/);
});

test("clusterFeatures: a supervised extractor on images without labels is refused before any image is read", async () => {
  await initBackend({ announce: false });
  const ex = await createExtractor("style-lda-mobilenet_v2-nsfwjs");
  try {
    // The files do not exist: an error about labels (not about a missing file) shows the check came first.
    const items: DatasetItem[] = ["a", "b", "c"].map((n, i) => ({ id: `${n}.png`, file: `/nonexistent/${n}.png`, relPath: `${n}.png`, label: i === 0 ? "x" : null, meta: {} }));
    await assert.rejects(clusterFeatures(ex, items, { data: "/nonexistent", k: 2 }), /style-lda-mobilenet_v2-nsfwjs: lda needs training images of at least 2 labels, got 1 labelled of 3 \(1 label\)/);
  } finally {
    ex.dispose();
  }
});
