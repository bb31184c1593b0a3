/**
 * The feature cache: keyed by extractor id, options and image content; only misses are decoded
 * and computed; damaged entries are recomputed; the comparison clusters cached features.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import type { DatasetItem } from "../../lib/data/dataset.js";
import type { ImageArray } from "../../lib/data/image.js";
import { extractFeatures, extractFeaturesDetailed, featureCacheDir, featureKey, stableStringify } from "../../lib/features/cache.js";
import type { FeatureExtractor } from "../../lib/features/extractor.js";

/** Mean of each channel (3 dims), counting the images it is asked for. */
class MeanColour implements FeatureExtractor {
  readonly id = "test-mean-colour";
  readonly inputSize = 8;
  calls = 0;
  images = 0;
  constructor(readonly options: Record<string, unknown> = { v: 1 }) {}
  dim(): number {
    return 3;
  }
  async extract(images: ImageArray[]): Promise<Float32Array[]> {
    this.calls++;
    this.images += images.length;
    return images.map((img) => {
      const m = new Float32Array(3);
      for (let i = 0; i < img.data.length; i++) m[i % 3]! += img.data[i]! / (img.width * img.height);
      return m;
    });
  }
  dispose(): void {}
}

let dir: string;
let items: DatasetItem[];

async function png(file: string, rgb: [number, number, number]): Promise<void> {
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(file);
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "heritage-fcache-"));
  const colours: [string, [number, number, number]][] = [
    ["red.png", [255, 0, 0]],
    ["blue.png", [0, 0, 255]],
    ["grey.png", [128, 128, 128]],
    ["red-copy.png", [255, 0, 0]], // same content as red.png
    ["green.png", [0, 255, 0]],
  ];
  items = [];
  for (const [name, rgb] of colours) {
    const file = path.join(dir, name);
    await png(file, rgb);
    items.push({ id: name, file, relPath: name, label: null, meta: {} });
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("feature cache", () => {
  test("keys: equal options in any key order give one key; other options, sizes or decoding another", () => {
    assert.equal(stableStringify({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
    const a = featureKey({ id: "x", options: { p: "avg", s: 224 } }, 224);
    assert.equal(a, featureKey({ id: "x", options: { s: 224, p: "avg" } }, 224));
    assert.notEqual(a, featureKey({ id: "x", options: { p: "flatten", s: 224 } }, 224));
    assert.notEqual(a, featureKey({ id: "y", options: { p: "avg", s: 224 } }, 224));
    assert.notEqual(a, featureKey({ id: "x", options: { p: "avg", s: 224 } }, 112));
    assert.notEqual(a, featureKey({ id: "x", options: { p: "avg", s: 224 } }, 224, { kernel: "nearest" }));
  });

  test("computes misses once, then answers from the cache", async () => {
    const root = path.join(dir, "cache1");
    const ex = new MeanColour();
    const first = await extractFeaturesDetailed(ex, items, { cacheRoot: root, batch: 2 });
    assert.equal(first.cached, 0);
    assert.equal(first.computed, 4, "the duplicate content is computed once");
    assert.equal(ex.images, 4);
    assert.equal(ex.calls, 2, "batches of 2");
    assert.equal(first.features.length, 5);
    // Values in [-1, 1]: red = (1, -1, -1), blue = (-1, -1, 1); the copy shares red's vector.
    assert.deepEqual(Array.from(first.features[0]!).map((v) => Math.round(v * 1000) / 1000), [1, -1, -1]);
    assert.deepEqual(Array.from(first.features[1]!).map((v) => Math.round(v * 1000) / 1000), [-1, -1, 1]);
    assert.deepEqual(first.features[3], first.features[0]);
    assert.ok(first.msPerImage !== null && first.msPerImage >= 0);

    const again = new MeanColour();
    const second = await extractFeaturesDetailed(again, items, { cacheRoot: root });
    assert.equal(again.images, 0, "nothing recomputed");
    assert.equal(second.cached, 5);
    assert.equal(second.computed, 0);
    assert.deepEqual(second.features, first.features);
    assert.ok(second.msPerImage !== null, "timing comes from meta.json");
    const files = readdirSync(first.dir).sort();
    assert.equal(files.filter((f) => f.endsWith(".f32")).length, 4);
    assert.ok(files.includes("meta.json"));
    assert.equal(first.dir, featureCacheDir(ex, 8, {}, root));
  });

  test("other options recompute; refresh recomputes; a damaged entry is recomputed", async () => {
    const root = path.join(dir, "cache2");
    await extractFeatures(new MeanColour(), items, { cacheRoot: root });
    const other = new MeanColour({ v: 2 });
    await extractFeatures(other, items, { cacheRoot: root });
    assert.equal(other.images, 4);
    const refresh = new MeanColour();
    await extractFeatures(refresh, items, { cacheRoot: root, refresh: true });
    assert.equal(refresh.images, 4);
    const d = featureCacheDir(refresh, 8, {}, root);
    const victim = readdirSync(d).find((f) => f.endsWith(".f32"))!;
    writeFileSync(path.join(d, victim), Buffer.alloc(5));
    const fix = new MeanColour();
    const got = await extractFeaturesDetailed(fix, items, { cacheRoot: root });
    assert.equal(fix.images, 1);
    assert.equal(got.computed, 1);
  });

  test("a missing image file is named in the error", async () => {
    const ghost: DatasetItem = { id: "ghost.png", file: path.join(dir, "ghost.png"), relPath: "ghost.png", label: null, meta: {} };
    await assert.rejects(extractFeatures(new MeanColour(), [ghost], { cacheRoot: path.join(dir, "cache3") }), /ghost\.png: cannot read: ENOENT/);
  });
});
