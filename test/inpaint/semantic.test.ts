import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { ImageArray, Mask } from "../../lib/data/image.js";
import { completeBatch, holeToZero } from "../../lib/inpaint/complete.js";
import { poissonBlend } from "../../lib/inpaint/poisson.js";
import { averageRows, bestCandidates, completionLoss, rankedCandidates, importanceWeights, pasteIntoHole, semanticComplete } from "../../lib/inpaint/semantic.js";

const close = (a: ArrayLike<number>, b: readonly number[], tol = 1e-6): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test("importance weights on a 3x3 mask with the centre missing: missing fraction of the clipped 3x3 window, 0 in the hole", async () => {
  const missing = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [1, 3, 3, 1]);
  const w = importanceWeights(missing, 3);
  // corners see 4 pixels (1 missing), edge centres 6 pixels (1 missing), the hole itself 0
  close(await w.data(), [1 / 4, 1 / 6, 1 / 4, 1 / 6, 0, 1 / 6, 1 / 4, 1 / 6, 1 / 4]);
  tf.dispose([missing, w]);
});

test("importance weights on a 1x4 row with the last pixel missing and window 3", async () => {
  const missing = tf.tensor4d([0, 0, 0, 1], [1, 1, 4, 1]);
  const w = importanceWeights(missing, 3);
  // pixel 0: window {0,1} none missing; pixel 1: {0,1,2} none; pixel 2: {1,2,3} one of 3; pixel 3: hole
  close(await w.data(), [0, 0, 1 / 3, 0]);
  tf.dispose([missing, w]);
});

test("completion loss: weighted L1 / L2 context and prior -softplus(logit) match hand computation", async () => {
  // two candidates, 1x2 images, one channel
  const gz = tf.tensor4d([0.5, -0.5, 1, 0], [2, 1, 2, 1]);
  const y = tf.tensor4d([0, 0, 0.5, 0.5], [2, 1, 2, 1]);
  const w = tf.tensor4d([1, 0.5, 0.25, 2], [2, 1, 2, 1]);
  const logits = tf.tensor2d([0, 2], [2, 1]);
  const lambda = 0.1;
  const l1 = completionLoss(gz, y, w, logits, lambda, "l1");
  // L1: candidate 0: 1*0.5 + 0.5*0.5 = 0.75; candidate 1: 0.25*0.5 + 2*0.5 = 1.125
  close(await l1.context.data(), [0.75, 1.125]);
  const sp = (x: number) => Math.log(1 + Math.exp(x));
  const prior = [-sp(0), -sp(2)];
  close(await l1.prior.data(), prior, 1e-5);
  close(await l1.total.data(), [0.75 + lambda * prior[0]!, 1.125 + lambda * prior[1]!], 1e-5);
  const l2 = completionLoss(gz, y, w, logits, lambda, "l2");
  // L2: candidate 0: 1*0.25 + 0.5*0.25 = 0.375; candidate 1: 0.25*0.25 + 2*0.25 = 0.5625
  close(await l2.context.data(), [0.375, 0.5625]);
  close(await l2.total.data(), [0.375 + lambda * prior[0]!, 0.5625 + lambda * prior[1]!], 1e-5);
  tf.dispose([gz, y, w, logits, l1.total, l1.context, l1.prior, l2.total, l2.context, l2.prior]);
});

test("best candidate: lowest loss per image, the first on a tie; a wrong length is refused", () => {
  assert.deepEqual(bestCandidates([3, 1, 2, 5, 4, 4], 2, 3), [1, 4]);
  assert.deepEqual(bestCandidates([7], 1, 1), [0]);
  assert.throws(() => bestCandidates([1, 2, 3], 2, 2), /3 losses for 2 images x 2 candidates/);
});

test("ranked candidates: per image from the lowest loss, ties in candidate order; rows averaged", () => {
  assert.deepEqual(rankedCandidates([3, 1, 2, 5, 4, 4], 2, 3), [[1, 2, 0], [4, 5, 3]]);
  assert.throws(() => rankedCandidates([1, 2, 3], 2, 2), /3 losses for 2 images x 2 candidates/);
  const rows = Float32Array.of(0, 1, 2, 3, 10, 20);
  assert.deepEqual(Array.from(averageRows(rows, [0, 2], 2)), [5, 10.5]);
  assert.deepEqual(Array.from(averageRows(rows, [1], 2)), [2, 3]);
});

function tinyGan(seed: number): { G: tf.LayersModel; D: tf.LayersModel } {
  const init = (s: number) => tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: s });
  const G = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 16, kernelInitializer: init(seed) }),
      tf.layers.activation({ activation: "tanh" }),
      tf.layers.reshape({ targetShape: [4, 4, 1] }),
    ],
  });
  const D = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 1, kernelInitializer: init(seed + 1) })],
  });
  return { G, D };
}

function picture(): ImageArray {
  const data = new Float32Array(16);
  for (let p = 0; p < 16; p++) data[p] = Math.sin(p) * 0.8;
  return { width: 4, height: 4, channels: 1, data };
}

function hole(): Mask {
  const data = new Uint8Array(16);
  for (const p of [5, 6, 9, 10]) data[p] = 1;
  return { width: 4, height: 4, data };
}

test("completeBatch gives what the study and heritage complete computed before (holeToZero, search, blend or paste)", async () => {
  const { G, D } = tinyGan(3);
  const img = picture();
  const m = hole();
  const opts = { iterations: 5, candidates: 3, lambda: 0.003, lr: 0.05, window: 3, norm: "l1" as const, prior: "uniform" as const, seed: 7 };
  const damaged = holeToZero(img, m);
  for (const p of [5, 6, 9, 10]) assert.equal(damaged.data[p], 0);
  assert.equal(damaged.data[0], img.data[0]);
  const ref = await semanticComplete(G, D, [damaged], [m], opts);
  const tensorsBefore = tf.memory().numTensors;
  for (const blend of [true, false]) {
    const { completed } = await completeBatch(G, D, [img], [m], { ...opts, blend });
    const r = completed[0]!;
    close(r.generated.data, Array.from(ref.generated[0]!.data), 1e-6);
    assert.equal(r.loss, ref.loss[0]);
    const want = blend ? poissonBlend(ref.generated[0]!, damaged, m, { clamp: [-1, 1] }) : pasteIntoHole(damaged, ref.generated[0]!, m);
    close(r.image.data, Array.from(want.data), 1e-6);
    // known pixels are kept exactly
    for (let p = 0; p < 16; p++) if (!m.data[p]) assert.equal(r.image.data[p], img.data[p]);
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, "completeBatch leaves no tensor behind");
  G.dispose();
  D.dispose();
});

test("routeVisible routes from the visible pixels only: the true hole values never reach the extractor", async () => {
  const { routeVisible } = await import("../../lib/inpaint/complete.js");
  const model = {
    format: "test",
    extractor: "mean",
    extractorOptions: {},
    imageSize: 4,
    normalization: { kind: "none" },
    k: 2,
    centers: [[-0.5], [0.5]],
    ids: [],
    labels: [],
    sizes: [0, 0],
  } as unknown as import("../../lib/cluster/model.js").ClusterModel;
  const seen: ImageArray[] = [];
  const extractor = {
    async extract(images: ImageArray[]): Promise<Float32Array[]> {
      seen.push(...images);
      return images.map((im) => Float32Array.of(im.data.reduce((a, v) => a + v, 0) / im.data.length));
    },
  };
  // visible pixels dark, the hole bright: routed by the visible pixels -> cluster 0
  const img: ImageArray = { width: 4, height: 4, channels: 1, data: new Float32Array(16).fill(-0.6) };
  const m = hole();
  for (let p = 0; p < 16; p++) if (m.data[p]) img.data[p] = 1;
  assert.deepEqual(await routeVisible(model, extractor, [img], [m]), [0]);
  for (let p = 0; p < 16; p++) if (m.data[p]) assert.ok(seen[0]!.data[p]! < 0, `hole pixel ${p} is ${seen[0]!.data[p]}`);
  await assert.rejects(routeVisible(model, extractor, [img], []), /1 images but 0 masks/);
});

test("the study's GAN method completes a case exactly as heritage complete's completeBatch does", async () => {
  const { ganMethod } = await import("../../lib/study/methods.js");
  const { G, D } = tinyGan(5);
  const img = picture();
  const m = hole();
  const search = { iterations: 4, candidates: 2, lambda: 0.003, lr: 0.05, window: 3, norm: "l1" as const, prior: "uniform" as const };
  const method = ganMethod("general", () => "general", async () => ({ G, D }), { completion: { ...search, batchImages: 4 }, poisson: true, seed: 11 });
  const studyCase = { key: "a", image: img, mask: m } as unknown as import("../../lib/study/cases.js").StudyCase;
  const [viaStudy] = await method.complete("general", [studyCase]);
  const { completed } = await completeBatch(G, D, [img], [m], { ...search, seed: 11, blend: true });
  close(viaStudy!.image.data, Array.from(completed[0]!.image.data), 0);
  assert.equal(viaStudy!.loss, completed[0]!.loss);
  assert.equal(viaStudy!.model, "general");
  G.dispose();
  D.dispose();
});

test("average = m fills with the mean G(z) of the m lowest-loss candidates (average = 1 is the best one)", async () => {
  const { G, D } = tinyGan(9);
  const img = holeToZero(picture(), hole());
  const opts = { iterations: 3, candidates: 4, lambda: 0.003, lr: 0.05, window: 3, norm: "l1" as const, prior: "uniform" as const, seed: 5 };
  const one = await semanticComplete(G, D, [img], [hole()], opts);
  const all = await semanticComplete(G, D, [img], [hole()], { ...opts, average: 4 });
  // The same search: the best candidate's loss is reported either way.
  assert.equal(all.loss[0], one.loss[0]);
  // Every candidate's output, to check the mean against: 4 images x 1 candidate draw the same 4
  // starting z's as 1 image x 4 candidates, and each z's search is independent of the others.
  const each = await semanticComplete(G, D, [img, img, img, img], [hole(), hole(), hole(), hole()], { ...opts, candidates: 1, seed: 5 });
  assert.equal(each.generated.length, 4);
  const mean = new Float32Array(16);
  for (const g of each.generated) for (let k = 0; k < 16; k++) mean[k] += g.data[k]! / 4;
  close(all.generated[0]!.data, Array.from(mean), 1e-5);
  assert.ok(Array.from(one.generated[0]!.data).some((v, k) => Math.abs(v - mean[k]!) > 1e-4), "the best alone differs from the mean");
  G.dispose();
  D.dispose();
});

