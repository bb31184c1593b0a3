import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { ImageArray } from "../../lib/data/image.js";
import { writeSynthDataset } from "../../lib/data/synth/index.js";
import { registerExtractor } from "../../lib/features/registry.js";
import type { FeatureExtractor } from "../../lib/features/extractor.js";
import { clusterDataset, clusterDatasetModel } from "../../lib/cluster/run.js";
import { loadClusterModel, routeFeatures } from "../../lib/cluster/model.js";
import { clusterSizes } from "../../lib/cluster/balance.js";
import { createModelExtractor } from "../../lib/cluster/model-extractor.js";
import { writeJsonAtomic } from "../../lib/util/fs.js";

/** A toy "fitted" extractor: features are colour stats minus the training mean (its "vocabulary"). */
function fittedToy(opts: Record<string, unknown>): FeatureExtractor & { saveVocabulary(file: string): Promise<void> } {
  const base = colourStats();
  let mean: number[] | null = (opts.vocabulary as { mean: number[] } | undefined)?.mean ?? null;
  return {
    id: "test-fitted",
    inputSize: 32,
    get options() {
      return { vocabulary: mean ? mean.map((v) => v.toFixed(6)).join(",") : null };
    },
    dim: () => 8,
    async fit(images: ImageArray[]) {
      const f = await base.extract(images);
      mean = Array.from({ length: 8 }, (_, j) => f.reduce((s, x) => s + x[j], 0) / f.length);
    },
    async extract(images: ImageArray[]) {
      if (!mean) throw new Error("test-fitted: not fitted");
      return (await base.extract(images)).map((x) => x.map((v, j) => v - mean![j]));
    },
    async saveVocabulary(file: string) {
      await writeJsonAtomic(file, { mean });
    },
    dispose() {},
  };
}

/** A fast hand-made extractor: per-channel mean and sd, plus horizontal/vertical gradient energy. */
function colourStats(): FeatureExtractor {
  return {
    id: "test-colour-stats",
    options: { v: 1 },
    inputSize: 32,
    dim: () => 8,
    async extract(images: ImageArray[]) {
      return images.map((img) => {
        const n = img.width * img.height;
        const f = new Float32Array(8);
        for (let c = 0; c < 3; c++) {
          let s = 0;
          let s2 = 0;
          for (let p = 0; p < n; p++) {
            const v = img.data[p * 3 + c];
            s += v;
            s2 += v * v;
          }
          f[c] = s / n;
          f[3 + c] = Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
        }
        for (let y = 0; y < img.height - 1; y++) {
          for (let x = 0; x < img.width - 1; x++) {
            const p = (y * img.width + x) * 3;
            f[6] += Math.abs(img.data[p] - img.data[p + 3]) / n;
            f[7] += Math.abs(img.data[p] - img.data[p + img.width * 3]) / n;
          }
        }
        return f;
      });
    },
    dispose() {},
  };
}

test("clusterDataset on a synthetic dataset: clusters.json, sweep table, UMAP page, routing rows", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "cl-run-"));
  process.env.HERITAGE_CACHE = path.join(tmp, "cache");
  const data = path.join(tmp, "synth");
  await writeSynthDataset({ out: data, perStyle: 8, size: 32, seed: 1 });
  registerExtractor("test-colour-stats", { description: "test only", unavailable: () => null, create: async () => colourStats() });
  const out = path.join(tmp, "out");
  const s = await clusterDataset({
    data,
    outDir: out,
    extractor: "test-colour-stats",
    sweep: [2, 3, 4, 5, 6, 7, 8],
    gapRefs: 3,
    nInit: 3,
    umapOut: path.join(out, "umap.html"),
    routing: { holeFractions: [0.1, 0.5], limit: 12 },
  });
  assert.equal(s.n, 48);
  assert.equal(s.labels.length, 6);
  assert.equal(s.sweep?.length, 7);
  assert.ok(s.suggestion && s.k === s.suggestion.k);
  assert.equal(s.sizes.reduce((a, b) => a + b, 0), 48);
  assert.ok(s.metrics.ari !== null && s.metrics.nmi !== null && s.metrics.purity !== null);
  assert.ok(s.metrics.nmi! > 0.3, `NMI ${s.metrics.nmi} on synthetic styles`);
  assert.equal(s.routing?.length, 4);
  for (const r of s.routing!) assert.equal(r.n, 12);
  assert.ok(s.routing!.find((r) => r.holeFraction === 0.1)!.accuracy >= 0.5);
  for (const f of ["clusters", "sweep", "sweepCsv", "umap", "umapJson", "routing", "summary"]) assert.ok(existsSync(s.files[f]), `${f} missing`);
  assert.match(readFileSync(s.files.umap, "utf8"), /Plotly\.newPlot/);
  assert.equal(readFileSync(s.files.sweepCsv, "utf8").split("\n")[0], "k,inertia,silhouette,daviesBouldin,calinskiHarabasz,gap,gapSk,ari,nmi,purity,sizes");

  const model = await loadClusterModel(s.files.clusters);
  // The returned model is the one written: same ids, clusters and sizes as clusters.json.
  const direct = await clusterDatasetModel({ data, outDir: path.join(tmp, "direct"), extractor: "test-colour-stats", k: 5, nInit: 3 });
  const written = await loadClusterModel(direct.summary.files.clusters);
  assert.deepEqual(direct.model.ids, written.ids);
  assert.deepEqual(direct.model.labels, written.labels);
  assert.deepEqual(direct.model.sizes, written.sizes);
  assert.equal(model.extractor, "test-colour-stats");
  assert.equal(model.normalization.kind, "l2");
  assert.equal(model.ids.length, 48);
  assert.deepEqual(model.sizes, clusterSizes(model.labels, model.k));
  // Routing the undamaged features reproduces the training labels (plain k-means).
  const ex = colourStats();
  const { loadImages } = await import("../../lib/data/load.js");
  const got = await loadImages(data, { size: 32, verbose: false });
  const feats = await ex.extract(got.images);
  const routed = feats.map((f) => routeFeatures(model, f));
  assert.deepEqual(routed, model.labels);
  // The model recreates its extractor, and refuses one whose options changed.
  const again = await createModelExtractor(model, s.files.clusters);
  assert.equal(again.id, "test-colour-stats");
  await assert.rejects(createModelExtractor({ ...model, extractorOptions: { v: 2 } }, s.files.clusters), /now has options \{"v":1\}/);

  // A fitted extractor: its vocabulary is saved beside clusters.json and restored for routing.
  registerExtractor("test-fitted", { description: "test only", unavailable: () => null, create: async (o) => fittedToy(o) });
  const fitOut = path.join(tmp, "fitted");
  const fs = await clusterDataset({ data, outDir: fitOut, extractor: "test-fitted", k: 4, nInit: 2 });
  assert.ok(existsSync(path.join(fitOut, "vocabulary.json")));
  const fm = await loadClusterModel(fs.files.clusters);
  assert.deepEqual(fm.extractorFiles, { vocabulary: "vocabulary.json" });
  const restored = await createModelExtractor(fm, fs.files.clusters);
  const rf = await restored.extract(got.images);
  assert.deepEqual(rf.map((f) => routeFeatures(fm, f)), fm.labels);

  // Balanced with a fixed k, then a minimum size that forces merging.
  const b = await clusterDataset({ data, outDir: path.join(tmp, "bal"), extractor: "test-colour-stats", k: 5, balanced: true, nInit: 3 });
  assert.ok(Math.max(...b.sizes) - Math.min(...b.sizes) <= 1, `balanced sizes ${b.sizes}`);
  const m = await clusterDataset({ data, outDir: path.join(tmp, "min"), extractor: "test-colour-stats", k: 12, minSize: 6, nInit: 3 });
  assert.ok(m.sizes.every((x) => x >= 6), `sizes ${m.sizes}`);
  assert.equal(m.kRequested, 12);
  assert.equal(m.k, 12 - m.merged.length);
});
