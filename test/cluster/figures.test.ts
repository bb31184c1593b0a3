import assert from "node:assert/strict";
import { test } from "node:test";
import { createImage } from "../../lib/data/image.js";
import { clusterGrids, routingFigure, sizesFigure, sweepFigure } from "../../lib/cluster/figures.js";

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
