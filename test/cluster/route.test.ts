import assert from "node:assert/strict";
import { test } from "node:test";
import { createImage, type ImageArray } from "../../lib/data/image.js";
import { nearestCentre } from "../../lib/cluster/model.js";
import { routingAccuracy, routingMask, type RoutingExtractor } from "../../lib/cluster/route.js";
import { createRng } from "../../lib/util/random.js";

test("nearestCentre picks the nearest centre", () => {
  assert.equal(nearestCentre([0.9, 0.1], [[0, 1], [1, 0]]).cluster, 1);
  assert.throws(() => nearestCentre([1], [[0, 1]]), /1 dimensions, centres have 2/);
  const m = nearestCentre([1, 0], [[0, 0], [4, 0]]);
  assert.equal(m.cluster, 0);
  assert.ok(Math.abs(m.margin - 2 / 3) < 1e-12 && m.distance === 1);
  assert.equal(nearestCentre([2, 0], [[0, 0], [4, 0]]).margin, 0);
});

test("routingMask covers the requested fraction", () => {
  const rng = createRng(3);
  for (const f of [0.1, 0.3, 0.5]) {
    for (const kind of ["square", "blocks"] as const) {
      const m = routingMask(64, 48, f, kind, rng);
      const cov = m.data.reduce((s, v) => s + v, 0) / (64 * 48);
      assert.ok(Math.abs(cov - f) < 0.02, `${kind} ${f}: covered ${cov}`);
    }
  }
});

test("routingAccuracy on a toy extractor: a colour-mean feature survives neutral filling", async () => {
  // Two "styles": reddish and bluish images with noise; the feature is the mean colour.
  const rng = createRng(5);
  const images: ImageArray[] = [];
  for (let i = 0; i < 20; i++) {
    const img = createImage(16, 16, 3);
    const red = i % 2 === 0;
    for (let p = 0; p < 256; p++) {
      img.data[p * 3] = (red ? 0.6 : -0.6) + rng.normal() * 0.2;
      img.data[p * 3 + 1] = rng.normal() * 0.2;
      img.data[p * 3 + 2] = (red ? -0.6 : 0.6) + rng.normal() * 0.2;
    }
    images.push(img);
  }
  const extractor: RoutingExtractor = {
    id: "mean-colour",
    async extract(batch) {
      return batch.map((img) => {
        const f = new Float32Array(3);
        for (let p = 0; p < img.width * img.height; p++) for (let c = 0; c < 3; c++) f[c] += img.data[p * 3 + c] / (img.width * img.height);
        return f;
      });
    },
  };
  const rows = await routingAccuracy({
    extractor,
    images,
    centers: [Float32Array.of(0.6, 0, -0.6), Float32Array.of(-0.6, 0, 0.6)],
    holeFractions: [0.1, 0.5],
    maskKinds: ["square", "blocks"],
    seed: 1,
    batch: 7,
  });
  assert.equal(rows.length, 2 * 2 * 2);
  for (const r of rows) {
    assert.equal(r.extractor, "mean-colour");
    assert.equal(r.n, 20);
    assert.equal(r.accuracy, 1, JSON.stringify(r));
  }
  // Filling the hole with an adversarial colour instead would flip bluish images: check the reference is used.
  const wrongRef = await routingAccuracy({ extractor, images, centers: [Float32Array.of(0.6, 0, -0.6), Float32Array.of(-0.6, 0, 0.6)], holeFractions: [0.2], fills: ["mean"], referenceClusters: new Array(20).fill(0) });
  assert.equal(wrongRef[0].accuracy, 0.5);
});
