import assert from "node:assert/strict";
import { test } from "node:test";
import { createImage } from "../../lib/data/image.js";
import { embedUmap, thumbnailDataUri, umapFigure } from "../../lib/cluster/umap.js";
import { blobs } from "./reference.js";

test("embedUmap is seeded and keeps separated blobs apart", () => {
  const { X, y } = blobs(60, 10, 3, { seed: 2, std: 0.5, spread: 20 });
  const a = embedUmap(X, { seed: 4, nNeighbors: 10, nEpochs: 100 });
  const b = embedUmap(X, { seed: 4, nNeighbors: 10, nEpochs: 100 });
  assert.deepEqual(a, b);
  assert.equal(a.length, 60);
  assert.equal(a[0].length, 2);
  // Each point's nearest embedded neighbour has the same blob.
  let same = 0;
  for (let i = 0; i < a.length; i++) {
    let best = -1;
    let bd = Infinity;
    for (let j = 0; j < a.length; j++) {
      if (j === i) continue;
      const d = (a[i][0] - a[j][0]) ** 2 + (a[i][1] - a[j][1]) ** 2;
      if (d < bd) {
        bd = d;
        best = j;
      }
    }
    if (y[best] === y[i]) same++;
  }
  assert.ok(same >= 57, `only ${same}/60 nearest neighbours share a blob`);
  assert.throws(() => embedUmap(X.slice(0, 2)), /at least 3 rows/);
});

test("umapFigure: traces per cluster and per label, toggle buttons, hover text, thumbnails as layout images", async () => {
  const emb = [
    [0, 0],
    [1, 1],
    [2, 0],
    [3, 3],
  ];
  const thumb = await thumbnailDataUri(createImage(8, 8, 3, 0.5), 4);
  assert.match(thumb, /^data:image\/jpeg;base64,/);
  const fig = umapFigure(emb, {
    clusters: [0, 1, 0, 2],
    labels: ["Monet", "Rococo", "Monet", null],
    hoverText: ["a", "b", "c", "d"],
    thumbnails: [thumb, thumb, thumb, thumb],
  });
  const traces = fig.data as { name: string; x: number[]; text: string[]; visible: boolean }[];
  assert.deepEqual(traces.map((t) => t.name), ["cluster 0 (2)", "cluster 1 (1)", "cluster 2 (1)", "(none) (1)", "Monet (2)", "Rococo (1)"]);
  assert.deepEqual(traces.map((t) => t.visible), [true, true, true, false, false, false]);
  assert.deepEqual(traces[0].x, [0, 2]);
  assert.equal(traces[0].text[1], "c<br>cluster 0<br>label Monet");
  const layout = fig.layout as Record<string, unknown>;
  const menus = layout.updatemenus as { buttons: { args: [{ visible: boolean[] }] }[] }[];
  assert.deepEqual(menus[0].buttons[1].args[0].visible, [false, false, false, true, true, true]);
  const images = layout.images as { x: number; y: number; source: string }[];
  assert.equal(images.length, 4);
  assert.equal(images[3].x, 3);
  const noLabels = umapFigure(emb, { clusters: [0, 0, 1, 1] });
  assert.equal(noLabels.data.length, 2);
  assert.equal((noLabels.layout as Record<string, unknown>).updatemenus, undefined);
  assert.throws(() => umapFigure(emb, { clusters: [0] }), /1 clusters for 4 points/);
});
