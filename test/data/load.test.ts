import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { imagesToTensor, loadImages, tensorToImages } from "../../lib/data/load.js";
import { fromRaw, rgbPixels, tempDir, writeFile } from "./helpers.js";

process.env.HERITAGE_CACHE = tempDir("heritage-cache-");
process.env.HERITAGE_QUIET = "1";

async function makeDataset(): Promise<string> {
  const dir = tempDir();
  const px = (k: number): Buffer => rgbPixels(20, 16, (x, y) => [(x * 12 + k * 40) % 256, (y * 15) % 256, (k * 70) % 256]);
  await writeFile(path.join(dir, "cats", "a.png"), await fromRaw(px(1), 20, 16).png().toBuffer());
  await writeFile(path.join(dir, "cats", "b.jpg"), await fromRaw(px(2), 20, 16).jpeg().toBuffer());
  await writeFile(path.join(dir, "dogs", "c.webp"), await fromRaw(px(3), 20, 16).webp().toBuffer());
  await writeFile(path.join(dir, "dogs", "d.tif"), await fromRaw(px(4), 20, 16).tiff().toBuffer());
  const jpg = await fromRaw(rgbPixels(64, 64, (x, y) => [(x * 37) % 256, (y * 91) % 256, (x * y) % 256]), 64, 64).jpeg().toBuffer();
  await writeFile(path.join(dir, "dogs", "truncated.jpg"), jpg.subarray(0, jpg.length >> 1));
  await writeFile(path.join(dir, "dogs", "text.png"), "not a picture");
  await writeFile(path.join(dir, "dogs", "empty.jpg"), "");
  return dir;
}

test("bad files are skipped, named and counted; good ones load; cache hits give the same values", async () => {
  const dir = await makeDataset();
  const skippedSeen: string[] = [];
  const first = await loadImages(dir, { size: 8, onSkip: (f) => skippedSeen.push(path.basename(f)) });
  assert.deepEqual(first.items.map((i) => i.relPath), ["cats/a.png", "cats/b.jpg", "dogs/c.webp", "dogs/d.tif"]);
  assert.equal(first.images.length, 4);
  assert.equal(first.fromCache, 0);
  assert.deepEqual(first.skipped.map((s) => path.basename(s.file)), ["empty.jpg", "text.png", "truncated.jpg"]);
  assert.deepEqual(skippedSeen, ["empty.jpg", "text.png", "truncated.jpg"]);
  assert.match(first.skipped[0]!.reason, /empty/);
  assert.match(first.skipped[1]!.reason, /unsupported image format/);
  assert.match(first.skipped[2]!.reason, /premature end/i);
  for (const img of first.images) {
    assert.deepEqual([img.width, img.height, img.channels], [8, 8, 3]);
    assert.ok(img.data.every((v) => v >= -1 && v <= 1));
  }
  const cacheFiles = readdirSync(path.join(process.env.HERITAGE_CACHE!, "images", "8"), { recursive: true }).map(String).filter((f) => f.endsWith(".f32"));
  assert.equal(cacheFiles.length, 4);

  const second = await loadImages(dir, { size: 8 });
  assert.equal(second.fromCache, 4);
  assert.equal(second.skipped.length, 3);
  second.images.forEach((img, i) => assert.deepEqual(img.data, first.images[i]!.data));

  // other size: cache miss; cache off: no cache use
  const other = await loadImages(dir, { size: 4 });
  assert.equal(other.fromCache, 0);
  const off = await loadImages(dir, { size: 8, cache: false });
  assert.equal(off.fromCache, 0);
  off.images.forEach((img, i) => assert.deepEqual(img.data, first.images[i]!.data));
});

test("a damaged cache file is ignored and rewritten", async () => {
  const dir = await makeDataset();
  await loadImages(dir, { size: 6 });
  const root = path.join(process.env.HERITAGE_CACHE!, "images", "6");
  const files = readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith(".f32"));
  const { writeFileSync } = await import("node:fs");
  writeFileSync(path.join(root, files[0]!), "short");
  const again = await loadImages(dir, { size: 6 });
  assert.equal(again.fromCache, 3);
  assert.equal(again.images.length, 4);
});

test("an unwritable cache does not lose images", async () => {
  const dir = await makeDataset();
  const saved = process.env.HERITAGE_CACHE;
  const blocker = path.join(tempDir(), "file-not-folder");
  await writeFile(blocker, "x");
  process.env.HERITAGE_CACHE = blocker; // cache "folder" is a file: every write fails
  try {
    const r = await loadImages(dir, { size: 4 });
    assert.equal(r.images.length, 4);
    assert.equal(r.skipped.length, 3);
  } finally {
    process.env.HERITAGE_CACHE = saved;
  }
});

test("limit and explicit item lists; missing files are skipped", async () => {
  const dir = await makeDataset();
  const limited = await loadImages(dir, { size: 4, limit: 2 });
  assert.equal(limited.images.length + limited.skipped.length, 2);
  const ghost = { id: "x", file: path.join(dir, "nope.png"), relPath: "nope.png", label: null, meta: {} };
  const r = await loadImages([ghost], { size: 4 });
  assert.deepEqual(r.skipped, [{ file: ghost.file, reason: "file not found" }]);
});

test("imagesToTensor and tensorToImages round-trip [n, S, S, 3]", async () => {
  const dir = await makeDataset();
  const { images } = await loadImages(dir, { size: 5 });
  const t = imagesToTensor(images);
  assert.deepEqual(t.shape, [4, 5, 5, 3]);
  const back = tensorToImages(t);
  back.forEach((img, i) => assert.deepEqual(img, images[i]));
  t.dispose();
  const one = tf.zeros([2, 3, 3]);
  assert.deepEqual(tensorToImages(one).map((i) => [i.width, i.height, i.channels]), [[3, 2, 3]]);
  one.dispose();
  assert.throws(() => imagesToTensor([images[0]!, { width: 4, height: 5, channels: 3, data: new Float32Array(60) }]), /image 1 is 4x5x3, expected 5x5x3/);
});
