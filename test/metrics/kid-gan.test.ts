import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { toSignedRange, type ImageArray } from "../../lib/data/image.js";
import { renderDatasetPainting } from "../../lib/data/synth/index.js";
import type { FeatureExtractor } from "../../lib/features/extractor.js";
import { createExtractor } from "../../lib/features/registry.js";
import { saveLayersModel } from "../../lib/gan/checkpoint.js";
import { buildGenerator } from "../../lib/gan/dcgan.js";
import { kid } from "../../lib/metrics/kid.js";
import { initBackend, tf } from "../../lib/runtime/backend.js";
import { featuresAtInputSize, ganKid, KID_FEATURES, sampleGenerator } from "../../lib/study/gan-quality.js";
import { writeJsonAtomic } from "../../lib/util/fs.js";

const arch = { imageSize: 32 as const, nz: 8, ngf: 4, ndf: 4, channels: 3 };
let ex: FeatureExtractor;

before(async () => {
  await initBackend({ announce: false });
  ex = await createExtractor(KID_FEATURES);
});
after(() => ex?.dispose());

/** Synthetic paintings of one style at the GAN's side, values in [-1, 1]. */
function paintings(style: string, from: number, n: number): ImageArray[] {
  return Array.from({ length: n }, (_, i) => toSignedRange(renderDatasetPainting(style, from + i, 32, 5)));
}

test("sampleGenerator: N images in [-1, 1] from a fixed seed, the same for the same seed, no tensor left behind", async () => {
  const G = buildGenerator(arch, 1);
  const before = tf.memory().numTensors;
  const a = await sampleGenerator(G, 10, { nz: 8, prior: "uniform", seed: 3, batch: 4 });
  assert.equal(tf.memory().numTensors, before, "tensors leaked by sampleGenerator");
  assert.equal(a.length, 10);
  assert.deepEqual([a[0]!.width, a[0]!.height, a[0]!.channels], [32, 32, 3]);
  assert.ok(a.every((im) => im.data.every((v) => v >= -1 && v <= 1)));
  const b = await sampleGenerator(G, 10, { nz: 8, prior: "uniform", seed: 3, batch: 10 });
  assert.deepEqual(b.map((im) => Array.from(im.data.slice(0, 20))), a.map((im) => Array.from(im.data.slice(0, 20))), "batching does not change the samples");
  const c = await sampleGenerator(G, 2, { nz: 8, prior: "uniform", seed: 4 });
  assert.notDeepEqual(Array.from(c[0]!.data.slice(0, 20)), Array.from(a[0]!.data.slice(0, 20)));
  G.dispose();
});

test("featuresAtInputSize resizes to the extractor's side: 384-d block-10 features, the same as resizing by hand", async () => {
  const imgs = paintings("colorfield", 0, 3);
  const before = tf.memory().numTensors;
  const f = await featuresAtInputSize(ex, imgs, 2);
  assert.equal(tf.memory().numTensors, before, "tensors leaked by featuresAtInputSize");
  assert.equal(f.length, 3);
  assert.equal(f[0]!.length, 384);
  assert.equal(ex.inputSize, 224);
  const big = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(imgs[1]!.data, [1, 32, 32, 3]), [224, 224], false, true));
  const byHand = await ex.extract([{ width: 224, height: 224, channels: 3, data: big.dataSync() as Float32Array }]);
  big.dispose();
  for (let i = 0; i < 384; i++) assert.ok(Math.abs(byHand[0]![i]! - f[1]![i]!) < 1e-4);
});

test("ganKid: an untrained generator is far from real paintings, farther than held-out paintings are from training ones; memory stays flat", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kid-gan-"));
  const G = buildGenerator(arch, 2);
  await saveLayersModel(G, path.join(dir, "generator"));
  G.dispose();
  await writeJsonAtomic(path.join(dir, "card.json"), { status: "complete", arch, training: { latentPrior: "uniform" } });
  // Real sets: two styles, "held-out" and "training" drawn from the same styles.
  const held = [...paintings("geometric", 0, 6), ...paintings("colorfield", 0, 6)];
  const train = [...paintings("geometric", 100, 8), ...paintings("colorfield", 100, 8)];
  const heldF = await featuresAtInputSize(ex, held);
  const trainF = await featuresAtInputSize(ex, train);
  const before = tf.memory().numTensors;
  const { kid: r, fake } = await ganKid(dir, ex, { features: heldF, against: "held-out", floorTraining: trainF }, { samples: 12, seed: 9, bootstrap: 200 });
  assert.equal(tf.memory().numTensors, before, "tensors leaked by ganKid (generator load, sampling, extraction)");
  const { kid: again } = await ganKid(dir, ex, { features: heldF, against: "held-out", floorTraining: trainF }, { samples: 12, seed: 9, bootstrap: 200 });
  assert.equal(tf.memory().numTensors, before, "tensors leaked by a second ganKid");
  assert.deepEqual(again, r, "same seed, same KID");
  assert.equal(r.n, 12);
  assert.equal(fake.length, 12, "ganKid hands back its samples' features");
  assert.equal(r.nReal, 12);
  assert.equal(r.against, "held-out");
  assert.equal(r.features, "mobilenet_v2_block10-nsfwjs");
  assert.match(r.featuresNote, /not Inception/);
  assert.ok(r.low <= r.value && r.value <= r.high);
  assert.ok(r.floor, "a floor is measured against held-out paintings");
  assert.equal(r.floor.nTraining, 16);
  assert.ok(r.value > 0 && r.low > r.floor.high, `untrained G: KID ${r.value} [${r.low}, ${r.high}] should lie above the real-vs-real floor ${r.floor.value} [${r.floor.low}, ${r.floor.high}]`);
  // Against training images there is no floor.
  const { kid: t } = await ganKid(dir, ex, { features: trainF, against: "training" }, { samples: 4, seed: 9, bootstrap: 50 });
  assert.equal(t.floor, null);
  assert.equal(t.against, "training");
  // Feature sets of different styles are farther apart than two halves of one style mix.
  const geo = await featuresAtInputSize(ex, paintings("geometric", 200, 8));
  const cf = await featuresAtInputSize(ex, paintings("colorfield", 200, 8));
  const geo2 = await featuresAtInputSize(ex, paintings("geometric", 300, 8));
  assert.ok(kid(geo, cf, { bootstrap: 0 }).value > kid(geo, geo2, { bootstrap: 0 }).value, "KID separates styles on these features");
});
