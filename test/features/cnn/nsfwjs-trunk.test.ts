/**
 * The offline CNN (MobileNetV2 from the nsfwjs package): loads with no network, gives 1280
 * average-pooled ReLU features that differ between images and repeat exactly, and its trunk is
 * the full nsfwjs model's `out_relu` layer.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/runtime/backend.js";
import { loadNsfwjsModel } from "../../../lib/features/cnn/nsfwjs-trunk.js";
import { createExtractor, DEFAULT_EXTRACTOR } from "../../../lib/features/registry.js";
import type { ImageArray } from "../../../lib/data/image.js";

before(async () => {
  await initBackend({ announce: false });
});

function pattern(size: number, fx: number, fy: number): ImageArray {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = Math.sin(fx * x + fy * y + c);
  return { width: size, height: size, channels: 3, data };
}

test("mobilenet_v2-nsfwjs works offline", async () => {
  const ex = await createExtractor("mobilenet_v2-nsfwjs");
  try {
    assert.equal(ex.inputSize, 224);
    assert.equal(ex.dim(), 1280);
    assert.deepEqual(ex.options, { layer: "out_relu", pooling: "avg", inputSize: 224, preprocessing: "unit", package: "nsfwjs@4.4.0" });
    const imgs = [pattern(224, 0.05, 0.01), pattern(224, 0.3, 0.2)];
    const [a, b] = await ex.extract(imgs);
    assert.equal(a!.length, 1280);
    assert.ok(a!.every((v) => Number.isFinite(v) && v >= 0 && v <= 6), "ReLU6 outputs averaged");
    assert.ok(a!.some((v) => v > 0));
    let diff = 0;
    for (let i = 0; i < 1280; i++) diff += Math.abs(a![i]! - b![i]!);
    assert.ok(diff > 1, "different images give different features");
    const [a2] = await ex.extract([imgs[0]!]);
    // Equal up to float rounding: the native tensorflow backend's oneDNN kernels sum in a
    // batch-size-dependent order (differences about 5e-7 here).
    let worst = 0;
    for (let i = 0; i < 1280; i++) worst = Math.max(worst, Math.abs(a2![i]! - a![i]!));
    assert.ok(worst <= 1e-5, `the same image gives the same features, alone or in a batch (max |diff| ${worst})`);
  } finally {
    ex.dispose();
  }
});

test("the default, mobilenet_v2_block10-nsfwjs, is the ImageNet-only block_10 expansion, 384 dims", async () => {
  assert.equal(DEFAULT_EXTRACTOR, "mobilenet_v2_block10-nsfwjs");
  const ex = await createExtractor(DEFAULT_EXTRACTOR);
  try {
    assert.equal(ex.id, "mobilenet_v2_block10-nsfwjs");
    assert.equal(ex.dim(), 384);
    assert.equal(ex.options.layer, "block_10_expand_relu");
    const [f] = await ex.extract([pattern(224, 0.05, 0.01)]);
    assert.equal(f!.length, 384);
    assert.ok(f!.every((v) => Number.isFinite(v) && v >= 0 && v <= 6));
  } finally {
    ex.dispose();
  }
});

test("the trunk's feature is the full nsfwjs model's out_relu averaged", async () => {
  const full = await loadNsfwjsModel("mobilenet_v2");
  const ex = await createExtractor("mobilenet_v2-nsfwjs");
  try {
    const img = pattern(224, 0.1, 0.07);
    const [f] = await ex.extract([img]);
    const probe = tf.model({ inputs: full.inputs, outputs: full.getLayer("out_relu").output as tf.SymbolicTensor });
    const want = tf.tidy(() => {
      const x = tf.tensor4d(img.data, [1, 224, 224, 3]).add(1).div(2);
      return (probe.predict(x) as tf.Tensor4D).mean([1, 2]);
    });
    const w = want.dataSync();
    for (let i = 0; i < 1280; i++) assert.ok(Math.abs(f![i]! - w[i]!) < 1e-4, `channel ${i}`);
    want.dispose();
    // The full model still classifies into nsfwjs's 5 classes.
    const p = tf.tidy(() => (full.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor).shape);
    assert.deepEqual(p, [1, 5]);
  } finally {
    ex.dispose();
    full.dispose();
  }
});
