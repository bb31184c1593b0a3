import assert from "node:assert/strict";
import { test } from "node:test";
import { createImage, type ImageArray, type Mask } from "../../lib/data/image.js";
import { neutralFill } from "../../lib/inpaint/neutral-fill.js";

function maskOf(w: number, h: number, inHole: (x: number, y: number) => boolean): Mask {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = inHole(x, y) ? 1 : 0;
  return { width: w, height: h, data };
}

test("neutralFill mean: hole gets the mean colour of the visible pixels, visible pixels untouched", () => {
  const img = createImage(4, 4, 3);
  for (let p = 0; p < 16; p++) img.data.set([p < 8 ? 1 : -1, 0.5, p % 2 ? 0.2 : 0.4], p * 3);
  const mask = maskOf(4, 4, (x, y) => y >= 2); // bottom half missing (the -1 rows)
  const out = neutralFill(img, mask, "mean");
  for (let p = 8; p < 16; p++) {
    assert.ok(Math.abs(out.data[p * 3] - 1) < 1e-6);
    assert.ok(Math.abs(out.data[p * 3 + 2] - 0.3) < 1e-6);
  }
  assert.deepEqual(Array.from(out.data.slice(0, 24)), Array.from(img.data.slice(0, 24)));
  assert.deepEqual(Array.from(img.data.slice(24, 27)), [-1, 0.5, Math.fround(0.4)]); // input not modified
});

test("neutralFill blur: smooth continuation of a horizontal ramp, ignoring what was under the hole", () => {
  const w = 32;
  const h = 32;
  const img = createImage(w, h, 1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = x / (w - 1);
  const damaged: ImageArray = { ...img, data: Float32Array.from(img.data) };
  const mask = maskOf(w, h, (x, y) => x >= 12 && x < 20 && y >= 12 && y < 20);
  for (let p = 0; p < w * h; p++) if (mask.data[p]) damaged.data[p] = 50; // garbage in the hole
  const out = neutralFill(damaged, mask, "blur");
  let maxErr = 0;
  for (let p = 0; p < w * h; p++) if (mask.data[p]) maxErr = Math.max(maxErr, Math.abs(out.data[p] - img.data[p]));
  assert.ok(maxErr < 0.12, `blur fill error ${maxErr}`);
  const mean = neutralFill(damaged, mask, "mean");
  for (let p = 0; p < w * h; p++) if (mask.data[p]) assert.ok(Math.abs(mean.data[p] - 0.5) < 0.05);
  // All missing: neutral grey (0).
  const all = neutralFill(damaged, maskOf(w, h, () => true), "blur");
  assert.ok(all.data.every((v) => v === 0));
  assert.throws(() => neutralFill(img, maskOf(4, 4, () => false)), /mask is 4x4 but the image is 32x32/);
});
