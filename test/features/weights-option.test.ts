/**
 * Keras weight files of your own: the cache key follows the file's content, not its path (a file
 * replaced at the same path gives new keys; a copy elsewhere gives the same), and `--weights FILE`
 * on `heritage features` / `heritage cluster` reaches the loader or fails with a clear message.
 * Uses the tiny Keras-written VGG16 of test/features/cnn/fixtures/keras-written.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { createKerasCnn } from "../../lib/features/cnn/keras-extractor.js";
import { md5File } from "../../lib/features/cnn/weights.js";
import { featureKey } from "../../lib/features/cache.js";
import { weightsFileOption } from "../../lib/features/registry.js";
import { initBackend } from "../../lib/runtime/backend.js";
import { projectRoot } from "../../lib/util/paths.js";
import { runCli } from "../cli.js";

const FIXTURES = path.join(projectRoot(), "test", "features", "cnn", "fixtures", "keras-written");
const spec = JSON.parse(readFileSync(path.join(FIXTURES, "vgg16-tiny.json"), "utf8")) as { inputSize: number; widthScale: number; files: { weights: string; model: string } };
const MODEL_H5 = path.join(FIXTURES, spec.files.model);
const LEGACY_H5 = path.join(FIXTURES, spec.files.weights);

let dir: string;
before(async () => {
  await initBackend({ announce: false });
  dir = mkdtempSync(path.join(os.tmpdir(), "heritage-weights-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function optionsOf(file: string): Promise<Record<string, unknown>> {
  const ex = await createKerasCnn("vgg16", { weightsFile: file, inputSize: spec.inputSize, widthScale: spec.widthScale, pooling: "avg" });
  try {
    return ex.options;
  } finally {
    ex.dispose();
  }
}

describe("a weight file of your own is keyed on its content", () => {
  test("copy elsewhere: same key; replaced at the same path: new key", async () => {
    const a = path.join(dir, "a", "mine.h5");
    const b = path.join(dir, "b", "mine.h5");
    for (const d of [path.dirname(a), path.dirname(b)]) await import("node:fs/promises").then((f) => f.mkdir(d, { recursive: true }));
    copyFileSync(MODEL_H5, a);
    copyFileSync(MODEL_H5, b);
    const oa = await optionsOf(a);
    assert.equal(oa.weights, await md5File(MODEL_H5));
    assert.equal(oa.weightsFile, undefined, "the path is not part of the key");
    const ob = await optionsOf(b);
    assert.deepEqual(ob, oa);
    assert.equal(featureKey({ id: "vgg16", options: ob }, spec.inputSize), featureKey({ id: "vgg16", options: oa }, spec.inputSize));
    // The same path, other bytes (the legacy layout of the same network): a new key.
    await new Promise((r) => setTimeout(r, 20)); // a later mtime even on coarse clocks
    copyFileSync(LEGACY_H5, a);
    const oa2 = await optionsOf(a);
    assert.equal(oa2.weights, await md5File(LEGACY_H5));
    assert.notEqual(featureKey({ id: "vgg16", options: oa2 }, spec.inputSize), featureKey({ id: "vgg16", options: oa }, spec.inputSize));
  });

  test("weightsFileOption: only for the Keras ids, only for a file that is there", () => {
    assert.equal(weightsFileOption("vgg16", MODEL_H5), MODEL_H5);
    assert.equal(weightsFileOption("style-vgg19", path.relative(dir, MODEL_H5), "--weights", dir), MODEL_H5);
    assert.throws(() => weightsFileOption("mobilenet_v2-nsfwjs", MODEL_H5), /--weights is set, but extractor "mobilenet_v2-nsfwjs" does not take Keras weights; use it with one of vgg16, /);
    assert.throws(() => weightsFileOption("vgg16", path.join(dir, "nope.h5")), /--weights .*nope\.h5: no such file/);
  });
});

describe("--weights on the command line", () => {
  let data: string;
  before(async () => {
    data = path.join(dir, "data");
    for (const [label, rgb] of [
      ["reds", { r: 200, g: 30, b: 30 }],
      ["blues", { r: 30, g: 30, b: 200 }],
    ] as const) {
      await import("node:fs/promises").then((f) => f.mkdir(path.join(data, label), { recursive: true }));
      for (let i = 0; i < 3; i++) await sharp({ create: { width: 16, height: 16, channels: 3, background: rgb } }).png().toFile(path.join(data, label, `${i}.png`));
    }
  });

  test("features extract: an extractor without Keras weights is refused, with the fix", async () => {
    const r = await runCli(["features", "extract", "--data", data, "--extractor", "mobilenet_v2-nsfwjs", "--weights", MODEL_H5]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /does not take Keras weights; use it with one of vgg16/);
  });

  test("features extract and cluster: a missing file is named", async () => {
    const r = await runCli(["features", "extract", "--data", data, "--extractor", "vgg16", "--weights", path.join(dir, "missing.h5")]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /missing\.h5: no such file/);
    const c = await runCli(["cluster", "--data", data, "--extractor", "vgg16", "--weights", path.join(dir, "missing.h5"), "--k", "2", "--out", path.join(dir, "cl")]);
    assert.equal(c.code, 1, c.stderr);
    assert.match(c.stderr, /missing\.h5: no such file/);
  });

  test("features extract: the file reaches the loader (a tiny file for the full VGG16 fails on shapes)", async () => {
    const r = await runCli(["features", "extract", "--data", data, "--extractor", "vgg16", "--weights", MODEL_H5, "--input-size", "32"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /vgg16-tiny\.model\.h5: layer "block1_conv1" .*has shape \[3, 3, 3, 2\] but the model wants \[3, 3, 3, 64\]/);
  });

  test("features compare exits 1 with every reason when every extractor failed", async () => {
    const r = await runCli(["features", "compare", "--data", data, "--k", "2", "--extractors", "no-such,vgg16", "--weights", path.join(dir, "missing.h5")]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /missing\.h5: no such file/);
    const r2 = await runCli(["features", "compare", "--data", data, "--k", "2", "--extractors", "no-such,also-not"]);
    assert.equal(r2.code, 1, r2.stderr);
    assert.match(r2.stderr, /every extractor failed:\n {2}no-such: unknown extractor.*\n {2}also-not: unknown extractor/s);
  });
});
