import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createImage } from "../../lib/data/image.js";
import { listDataset } from "../../lib/data/dataset.js";
import { writeSynthDataset } from "../../lib/data/synth/index.js";
import { clusterGrids, clusterLabelTable, loadClusterGrids, routingFigure, shownMembers, sizesFigure, sweepFigure } from "../../lib/cluster/figures.js";

test("sweepFigure: one panel per metric (gap with error bars, ARI/NMI when present), suggested K marked", () => {
  const rows = [2, 3, 4].map((k) => ({ k, inertia: 10 / k, silhouette: 0.1 * k, daviesBouldin: 1, calinskiHarabasz: 5, gap: 0.2 * k, gapSk: 0.01, ari: 0.5, nmi: 0.6 }));
  const fig = sweepFigure(rows, { suggested: 3 });
  assert.equal(fig.data.length, 7); // 5 metrics + ARI + NMI
  const gap = fig.data[4] as { error_y: { array: number[] }; xaxis: string };
  assert.deepEqual(gap.error_y.array, [0.01, 0.01, 0.01]);
  assert.equal(gap.xaxis, "x5");
  assert.equal(((fig.layout as Record<string, unknown>).shapes as object[]).length, 6);
  const noGap = sweepFigure(rows.map((r) => ({ ...r, gap: null, gapSk: null, ari: undefined, nmi: undefined })));
  assert.equal(noGap.data.length, 4);
});

test("sizesFigure stacks by label and counts correctly; routingFigure groups lines", () => {
  const fig = sizesFigure([0, 0, 1, 2, 2, 2], { labels: ["a", "b", "a", "a", null, "b"], minSize: 2 });
  const bars = fig.data as { name: string; y: number[] }[];
  assert.deepEqual(bars.map((b) => b.name), ["(none)", "a", "b"]);
  assert.deepEqual(bars[1].y, [1, 1, 1]);
  assert.deepEqual(bars[2].y, [1, 0, 1]);
  assert.equal(((fig.layout as Record<string, unknown>).shapes as object[]).length, 2);
  const plain = sizesFigure(Int32Array.from([1, 1, 0]));
  assert.deepEqual((plain.data[0] as { y: number[] }).y, [1, 2]);
  const r = routingFigure([
    { extractor: "e", maskKind: "square", holeFraction: 0.5, fill: "mean", n: 4, agree: 2, accuracy: 0.5 },
    { extractor: "e", maskKind: "square", holeFraction: 0.1, fill: "mean", n: 4, agree: 4, accuracy: 1 },
    { extractor: "e", maskKind: "square", holeFraction: 0.1, fill: "blur", n: 4, agree: 3, accuracy: 0.75 },
  ]);
  assert.equal(r.data.length, 2);
  assert.deepEqual((r.data[0] as { x: number[]; y: number[] }).y, [100, 50]);
});

test("clusterGrids puts the members nearest the centre first", () => {
  const imgs = [0.1, 0.2, 0.3, 0.4].map((v) => createImage(2, 2, 3, v));
  const grids = clusterGrids(imgs, [0, 0, 0, 2], {
    k: 3,
    perCluster: 2,
    cols: 2,
    features: [[5], [1], [2], [0]],
    centers: [[0], [0], [0]],
  });
  assert.equal(grids[1], null);
  const g0 = grids[0]!;
  assert.equal(g0.width, 2 * 2 + 3 * 2);
  // First tile is image 1 (feature 1 nearest 0), second image 2.
  assert.ok(Math.abs(g0.data[(2 * g0.width + 2) * 3] - 0.2) < 1e-6);
  assert.ok(Math.abs(g0.data[(2 * g0.width + 6) * 3] - 0.3) < 1e-6);
});

test("shownMembers: in order, or nearest the centre first, cut to perCluster", () => {
  assert.deepEqual(shownMembers([1, 0, 1, 1], { perCluster: 2 }), [[1], [0, 2]]);
  assert.deepEqual(shownMembers([1, 0, 1, 1], { perCluster: 2, features: [[3], [0], [1], [2]], centers: [[0], [2]] }), [[1], [3, 0]]);
  assert.deepEqual(shownMembers([0, 0], { k: 2 }), [[0, 1], []]);
});

test("clusterLabelTable counts images per cluster and label", () => {
  assert.deepEqual(clusterLabelTable([0, 0, 1, 2, 2, 2], ["a", "b", "a", "a", null, "b"]), [
    { cluster: 0, size: 2, "(none)": 0, a: 1, b: 1 },
    { cluster: 1, size: 1, "(none)": 0, a: 1, b: 0 },
    { cluster: 2, size: 3, "(none)": 1, a: 1, b: 1 },
  ]);
  assert.deepEqual(clusterLabelTable([1], ["a"], 3).map((r) => r.size), [0, 1, 0]);
  assert.throws(() => clusterLabelTable([0, 1], ["a"]), /1 labels for 2 images/);
});

test("loadClusterGrids loads the shown members of a model's clusters only, in the model's order", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "heritage-figures-"));
  await writeSynthDataset({ out: dir, perStyle: 2, size: 16, seed: 1 });
  const items = (await listDataset(dir)).items;
  const ids = items.map((it) => it.id);
  const k = 3;
  const labels = ids.map((_, i) => (i === 0 ? 2 : i % 2)); // cluster 2 holds image 0 only
  const model = { k, ids: [...ids, "not/in/items.png"], labels: [...labels, 0], centers: [[0], [0], [0]] };
  const grids = await loadClusterGrids(model, items, { size: 8, perCluster: 3, cols: 3 });
  assert.deepEqual(grids.map((g) => g.cluster), [0, 1, 2]);
  assert.deepEqual(grids.map((g) => g.members), [labels.filter((c) => c === 0).length + 1, labels.filter((c) => c === 1).length, 1]);
  assert.deepEqual(grids.map((g) => g.shown), [Math.min(3, labels.filter((c) => c === 0).length), Math.min(3, labels.filter((c) => c === 1).length), 1]);
  // One row of up to 3 tiles of 8 px with 2 px padding.
  assert.equal(grids[0].grid!.width, 3 * 8 + 4 * 2);
  assert.equal(grids[2].grid!.width, 8 + 2 * 2);
  assert.equal(grids[2].grid!.height, 8 + 2 * 2);
});
