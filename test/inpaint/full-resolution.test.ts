/**
 * Full-resolution completion of non-square paintings: a painted marker is the hole, and the fill must
 * land exactly on it (mask and image aligned), at the painting's own size, known pixels untouched.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageArray, Mask } from "../../lib/data/image.js";
import { completeFullResolution, holeBox, planWindows, resizeImage, resizeMaskConservative } from "../../lib/inpaint/full-resolution.js";

/** A W x H painting: a horizontal gradient, with a red marker rectangle; the mask is the marker. */
function painting(W: number, H: number, mx: number, my: number, mw: number, mh: number): { img: ImageArray; mask: Mask } {
  const img: ImageArray = { width: W, height: H, channels: 3, data: new Float32Array(W * H * 3) };
  const mask: Mask = { width: W, height: H, data: new Uint8Array(W * H) };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const inMarker = x >= mx && x < mx + mw && y >= my && y < my + mh;
      const v = -1 + (2 * x) / (W - 1);
      img.data.set(inMarker ? [1, -1, -1] : [v, v * 0.5, -v], p * 3);
      mask.data[p] = inMarker ? 1 : 0;
    }
  }
  return { img, mask };
}

/** A real (if simple) crop completer: the hole becomes the mean colour of the crop's known pixels. */
function meanFill(seen: { img: ImageArray; mask: Mask }[]) {
  return (img: ImageArray, mask: Mask): ImageArray => {
    seen.push({ img, mask });
    const mean = [0, 0, 0];
    let n = 0;
    for (let p = 0; p < mask.data.length; p++) if (!mask.data[p]) {
      for (let c = 0; c < 3; c++) mean[c]! += img.data[p * 3 + c]!;
      n++;
    }
    const out = new Float32Array(img.data);
    for (let p = 0; p < mask.data.length; p++) if (mask.data[p]) out.set(mean.map((s) => s / n), p * 3);
    return { ...img, data: out };
  };
}

function redCount(img: ImageArray): number {
  let n = 0;
  for (let p = 0; p < img.width * img.height; p++) if (img.data[p * 3]! > 0.9 && img.data[p * 3 + 1]! < -0.9 && img.data[p * 3 + 2]! < -0.9) n++;
  return n;
}

for (const [W, H, mx, my, mw, mh] of [
  [160, 60, 120, 10, 20, 15], // landscape, marker far right of the centre square
  [50, 140, 5, 110, 12, 20], // portrait, marker near the bottom left
  [200, 40, 10, 5, 170, 20], // a hole longer than the short side: tiled
] as const) {
  test(`a ${W}x${H} painting is completed at its own size, the fill exactly on the painted marker`, async () => {
    const { img, mask } = painting(W, H, mx, my, mw, mh);
    const seen: { img: ImageArray; mask: Mask }[] = [];
    const res = await completeFullResolution(img, mask, meanFill(seen), { side: 32 });
    assert.equal(res.image.width, W);
    assert.equal(res.image.height, H);
    assert.equal(redCount(img), mw * mh);
    assert.equal(redCount(res.image), 0, "no marker pixel is left: the hole covered it");
    for (let p = 0; p < W * H; p++) {
      if (mask.data[p]) continue;
      for (let c = 0; c < 3; c++) assert.equal(res.image.data[p * 3 + c], img.data[p * 3 + c], `known pixel ${p} unchanged`);
    }
    // every crop the completer saw is S x S, and its mask sits on the marker (red) pixels of the crop
    assert.ok(seen.length >= 1);
    if (mw > Math.min(W, H)) assert.ok(res.windows.length >= 2, "tiled");
    for (const s of seen) {
      assert.equal(s.img.width, 32);
      assert.equal(s.mask.width, 32);
      for (let p = 0; p < 32 * 32; p++) {
        const reddish = s.img.data[p * 3]! > 0.99 && s.img.data[p * 3 + 1]! < -0.99;
        if (reddish) assert.equal(s.mask.data[p], 1, "a pure marker pixel in the crop is inside the crop's hole");
      }
    }
  });
}

test("the mask must have the image's size; an all-white mask is refused; no hole returns the image", async () => {
  const { img, mask } = painting(40, 20, 2, 2, 4, 4);
  await assert.rejects(completeFullResolution(img, { width: 20, height: 20, data: new Uint8Array(400) }, meanFill([]), { side: 8 }), /mask is 20x20 but the image is 40x20/);
  await assert.rejects(completeFullResolution(img, { ...mask, data: new Uint8Array(800).fill(1) }, meanFill([]), { side: 8 }), /all white/);
  const none = await completeFullResolution(img, { ...mask, data: new Uint8Array(800) }, meanFill([]), { side: 8 });
  assert.deepEqual(none.windows, []);
  assert.deepEqual(none.image.data, img.data);
});

test("windows stay inside the painting and cover the hole box", () => {
  const box = holeBox({ width: 100, height: 30, data: Uint8Array.from({ length: 3000 }, (_, p) => (p % 100 >= 90 && p % 100 < 95 ? 1 : 0)) })!;
  assert.deepEqual(box, { x0: 90, y0: 0, x1: 95, y1: 30 });
  assert.deepEqual(planWindows(100, 30, box), [{ x: 70, y: 0, side: 30 }]);
  const tiles = planWindows(100, 30, { x0: 0, y0: 0, x1: 100, y1: 30 });
  assert.equal(tiles[0]!.x, 0);
  assert.equal(tiles.at(-1)!.x + 30, 100);
});

test("resizing keeps a flat image flat and shrinks masks conservatively", () => {
  const flat: ImageArray = { width: 7, height: 5, channels: 3, data: new Float32Array(105).fill(0.25) };
  for (const [w, h] of [[3, 2], [20, 11]]) for (const v of resizeImage(flat, w!, h!).data) assert.ok(Math.abs(v - 0.25) < 1e-6);
  const m: Mask = { width: 8, height: 8, data: new Uint8Array(64) };
  m.data[3 * 8 + 5] = 1;
  const small = resizeMaskConservative(m, 2, 2);
  assert.deepEqual(Array.from(small.data), [0, 1, 0, 0]);
});

test("growing a mask conservatively: an integer scale (32 -> 224, the study's default routing) copies each pixel, a fractional one (64 -> 224) also marks the pixels straddling a hole's edge", () => {
  const m: Mask = { width: 32, height: 32, data: new Uint8Array(32 * 32) };
  for (let y = 10; y < 20; y++) for (let x = 5; x < 17; x++) m.data[y * 32 + x] = 1;
  const big = resizeMaskConservative(m, 224, 224);
  for (let y = 0; y < 224; y++) for (let x = 0; x < 224; x++) assert.equal(big.data[y * 224 + x], m.data[Math.floor(y / 7) * 32 + Math.floor(x / 7)], `(${x}, ${y})`);
  const m64: Mask = { width: 64, height: 64, data: new Uint8Array(64 * 64) };
  m64.data[1 * 64 + 1] = 1; // source pixel 1 covers [3.5, 7) at 224
  const g = resizeMaskConservative(m64, 224, 224);
  const row = (y: number): number[] => Array.from(g.data.subarray(y * 224, y * 224 + 9));
  assert.deepEqual(row(5), [0, 0, 0, 1, 1, 1, 1, 0, 0]); // 3 straddles pixels 0 and 1: missing
  assert.deepEqual(row(3), row(5));
  assert.deepEqual(row(7), new Array(9).fill(0));
});
