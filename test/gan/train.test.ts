import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import type { ImageArray } from "../../lib/data/image.js";
import { loadLayersModel } from "../../lib/gan/checkpoint.js";
import { buildDiscriminator, buildGenerator, type DcganArch } from "../../lib/gan/dcgan.js";
import { summarizeWarnings, trainGan, type EpochRecord, type TrainOptions } from "../../lib/gan/train.js";
import { initBackend, tf } from "../../lib/runtime/backend.js";
import { readJson } from "../../lib/util/fs.js";
import { createRng } from "../../lib/util/random.js";

const arch: DcganArch = { imageSize: 32, nz: 8, ngf: 4, ndf: 4, channels: 3 };

function toyImages(n: number, seed: number): ImageArray[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const data = new Float32Array(32 * 32 * 3);
    const c = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    for (let p = 0; p < 32 * 32; p++) for (let k = 0; k < 3; k++) data[p * 3 + k] = Math.max(-1, Math.min(1, c[k]! + 0.2 * rng.normal()));
    return { width: 32, height: 32, channels: 3, data };
  });
}

const base: TrainOptions = {
  arch,
  epochs: 3,
  batchSize: 4,
  lr: 2e-4,
  beta1: 0.5,
  latentPrior: "uniform",
  flip: true,
  checkpointEvery: 1,
  seed: 5,
};

before(async () => {
  await initBackend({ announce: false });
});

test("generator and discriminator have the DCGAN shapes", () => {
  for (const size of [32, 64, 128] as const) {
    const a = { ...arch, imageSize: size };
    const G = buildGenerator(a, 1);
    const D = buildDiscriminator(a, 1);
    assert.deepEqual(G.outputs[0]!.shape, [null, size, size, 3]);
    assert.deepEqual(D.outputs[0]!.shape, [null, 1]);
    // stride-2 stages: log2(size/4) in each network
    const stages = Math.log2(size / 4);
    assert.equal(G.layers.filter((l) => l.getClassName() === "Conv2DTranspose").length, stages);
    assert.equal(D.layers.filter((l) => l.getClassName() === "Conv2D").length, stages + 1);
    G.dispose();
    D.dispose();
  }
  assert.throws(() => buildGenerator({ ...arch, imageSize: 48 as 32 }), /imageSize 48 is not supported/);
});

test("same seed gives the same initial weights", () => {
  const a = buildGenerator(arch, 9);
  const b = buildGenerator(arch, 9);
  const wa = a.getWeights().map((t) => Array.from(t.dataSync()));
  const wb = b.getWeights().map((t) => Array.from(t.dataSync()));
  assert.deepEqual(wa, wb);
  a.dispose();
  b.dispose();
});

test("training writes checkpoints, samples, a model card, and a killed run resumes to the same weights", async () => {
  const images = toyImages(8, 1);
  const dirA = mkdtempSync(path.join(os.tmpdir(), "gan-a-"));
  const dirB = mkdtempSync(path.join(os.tmpdir(), "gan-b-"));
  const straight = await trainGan(images, dirA, base);
  assert.equal(straight.history.length, 3);
  assert.equal(straight.resumedFrom, 0);
  assert.ok(existsSync(path.join(dirA, "generator", "model.json")));
  assert.ok(existsSync(path.join(dirA, "discriminator", "weights.bin")));
  assert.deepEqual(readdirSync(path.join(dirA, "samples")).sort(), ["epoch-0001.png", "epoch-0002.png", "epoch-0003.png"]);
  // only the newest checkpoints are kept
  assert.deepEqual(readdirSync(path.join(dirA, "checkpoints")).sort(), ["epoch-0002", "epoch-0003", "latest.json"]);
  const card = await readJson<{ status: string; epochs: number }>(path.join(dirA, "card.json"));
  assert.equal(card.status, "complete");
  for (const h of straight.history) assert.ok(Number.isFinite(h.lossD) && Number.isFinite(h.lossG));

  // A run "killed" after epoch 2 (the callback throws), then restarted.
  await assert.rejects(
    trainGan(images, dirB, {
      ...base,
      onEpoch: (r) => {
        if (r.epoch === 2) throw new Error("killed");
      },
    }),
    /killed/,
  );
  assert.ok(!existsSync(path.join(dirB, "card.json")));
  const resumed = await trainGan(images, dirB, base);
  assert.equal(resumed.resumedFrom, 2);
  assert.equal(resumed.history.length, 3);
  const ga = await loadLayersModel(path.join(dirA, "generator"));
  const gb = await loadLayersModel(path.join(dirB, "generator"));
  const wa = ga.getWeights();
  const wb = gb.getWeights();
  assert.equal(wa.length, wb.length);
  for (let i = 0; i < wa.length; i++) {
    const d = tf.max(tf.abs(tf.sub(wa[i]!, wb[i]!))).dataSync()[0]!;
    assert.ok(d < 1e-6, `weight ${i} differs by ${d} between the straight and the resumed run`);
  }
  ga.dispose();
  gb.dispose();

  // A complete run is not trained again, and one made with other settings is refused, not reused.
  const again = await trainGan(images, dirA, base);
  assert.equal(again.resumedFrom, null);
  await assert.rejects(trainGan(images, dirA, { ...base, epochs: 4 }), /card\.json was trained with other settings/);
});

test("tensor memory stays flat across epochs", async () => {
  const images = toyImages(8, 2);
  const dir = mkdtempSync(path.join(os.tmpdir(), "gan-m-"));
  const counts: number[] = [];
  const before = tf.memory().numTensors;
  await trainGan(images, dir, { ...base, epochs: 4, onEpoch: () => counts.push(tf.memory().numTensors) });
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts per epoch: ${counts.join(", ")}`);
  assert.equal(tf.memory().numTensors, before, "training leaked tensors");
});

test("warnings are summarised per kind for the model card", () => {
  const rec = (epoch: number, warnings: string[]) => ({ epoch, warnings }) as unknown as EpochRecord;
  const lines = summarizeWarnings([
    rec(1, []),
    rec(2, ["discriminator loss collapsed to 6.84e-3: G gets almost no gradient (D wins)"]),
    rec(3, ["discriminator loss collapsed to 5.10e-3: G gets almost no gradient (D wins)", "mode collapse suspected: sample diversity 0.100 of the data's"]),
  ]);
  assert.deepEqual(lines, ["discriminator loss collapsed: 2 of 3 epochs, first at epoch 2", "mode collapse suspected: 1 of 3 epochs, first at epoch 3"]);
});
