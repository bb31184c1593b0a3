import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { decodeImage } from "../../lib/data/decode.js";
import { encodePng, imageGrid, saveImagePng, toBytes } from "../../lib/data/encode.js";
import { createImage } from "../../lib/data/image.js";
import { tempDir } from "./helpers.js";

test("saveImagePng writes atomically and round-trips through decodeImage within 8-bit quantisation", async () => {
  const img = createImage(6, 6, 3);
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.sin(i) * 0.9;
  const dir = tempDir();
  const file = path.join(dir, "sub", "x.png");
  await saveImagePng(img, file);
  assert.deepEqual(readdirSync(path.dirname(file)), ["x.png"]);
  const back = await decodeImage(file, 6, { kernel: "nearest" });
  for (let i = 0; i < img.data.length; i++) assert.ok(Math.abs(back.data[i]! - img.data[i]!) <= 1 / 255 + 1e-6);
  // unit range and identical bytes for identical pixels
  const unit = createImage(3, 2, 1, 0.5);
  const a = await encodePng(unit, "unit");
  assert.deepEqual(a, await encodePng(unit, "unit"));
  assert.deepEqual(Array.from(toBytes(unit, "unit")), [128, 128, 128, 128, 128, 128]);
  assert.deepEqual(Array.from(toBytes({ ...unit, data: Float32Array.from([-2, -1, 0, 1, 2, NaN]) })), [0, 0, 128, 255, 255, 0]);
  assert.equal(readFileSync(file).subarray(1, 4).toString(), "PNG");
});

test("imageGrid lays tiles out row by row with padding", () => {
  const tiles = [0, 1, 2].map((k) => createImage(4, 3, 3, k / 2 - 1)); // values -1, -0.5, 0
  const g = imageGrid(tiles, 2, 1, 1);
  assert.deepEqual([g.width, g.height, g.channels], [2 * 4 + 3, 2 * 3 + 3, 3]);
  const at = (x: number, y: number): number => g.data[(y * g.width + x) * 3]!;
  assert.equal(at(0, 0), 1); // padding
  assert.equal(at(1, 1), -1); // tile 0
  assert.equal(at(6, 1), -0.5); // tile 1
  assert.equal(at(1, 5), 0); // tile 2 on row 2
  assert.equal(at(6, 5), 1); // empty cell stays padding
  assert.throws(() => imageGrid([], 3), /no images/);
});
