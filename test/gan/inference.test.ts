import assert from "node:assert/strict";
import { before, test } from "node:test";
import { buildDiscriminator, buildGenerator, createGanPair, sampleLatent, trainStep } from "../../lib/gan/dcgan.js";
import { inferenceForward } from "../../lib/gan/inference.js";
import { initBackend, tf } from "../../lib/runtime/backend.js";

before(async () => {
  await initBackend({ announce: false });
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

test("plain-op inference forward equals model.apply in inference mode (after training moved the batch-norm statistics)", () => {
  const arch = { imageSize: 32 as const, nz: 8, ngf: 4, ndf: 4, channels: 3 };
  const pair = createGanPair(arch, { lr: 1e-3, beta1: 0.5 }, 3);
  const real = tf.randomUniform([8, 32, 32, 3], -1, 1, "float32", 1) as tf.Tensor4D;
  for (let i = 0; i < 3; i++) {
    const z = sampleLatent(8, 8, "uniform", 10 + i);
    trainStep(pair, real, z);
    z.dispose();
  }
  const z = sampleLatent(5, 8, "uniform", 99);
  const g = inferenceForward(pair.G);
  const d = inferenceForward(pair.D);
  tf.tidy(() => {
    const a = pair.G.apply(z, { training: false }) as tf.Tensor;
    const b = g(z);
    assert.deepEqual(b.shape, [5, 32, 32, 3]);
    assert.ok(maxDiff(a, b) < 1e-5, `G differs by ${maxDiff(a, b)}`);
    const la = pair.D.apply(a, { training: false }) as tf.Tensor;
    const lb = d(a);
    assert.deepEqual(lb.shape, [5, 1]);
    assert.ok(maxDiff(la, lb) < 1e-4, `D differs by ${maxDiff(la, lb)}`);
  });
  // Gradients flow to the input only, and agree with the layers path.
  const gradPlain = tf.grad((x: tf.Tensor) => tf.sum(d(g(x))))(z);
  const gradLayers = tf.grad((x: tf.Tensor) => tf.sum(pair.D.apply(pair.G.apply(x, { training: false }) as tf.Tensor, { training: false }) as tf.Tensor))(z);
  assert.ok(maxDiff(gradPlain, gradLayers) < 1e-4);
  tf.dispose([gradPlain, gradLayers, z, real]);
});

test("unsupported layers are named", () => {
  const m = tf.sequential({ layers: [tf.layers.dropout({ inputShape: [3], rate: 0.5 })] });
  assert.throws(() => inferenceForward(m), /class Dropout is not supported/);
  const G = buildGenerator({ imageSize: 64, nz: 4, ngf: 4, ndf: 4, channels: 3 }, 1);
  const D = buildDiscriminator({ imageSize: 64, nz: 4, ngf: 4, ndf: 4, channels: 3 }, 1);
  assert.doesNotThrow(() => inferenceForward(G));
  assert.doesNotThrow(() => inferenceForward(D));
});
