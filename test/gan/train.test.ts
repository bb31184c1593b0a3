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

test("a fine-tune starts from a trained GAN (fresh Adam), with DiffAugment and FreezeD, resumes to the same weights, and records what it started from", async () => {
  const images = toyImages(8, 3);
  const general = mkdtempSync(path.join(os.tmpdir(), "gan-general-"));
  await trainGan(images, general, { ...base, epochs: 2 });
  const init = { from: general, fingerprint: "test-fingerprint" };
  const tune: TrainOptions = { ...base, epochs: 1, minSteps: 6, augment: ["color", "translation", "cutout"], freezeD: 2, init, seed: 11 };
  const dirA = mkdtempSync(path.join(os.tmpdir(), "gan-tune-a-"));
  const a = await trainGan(images.slice(0, 4), dirA, tune);
  assert.equal(a.history.reduce((s, h) => s + h.steps, 0), 6, "transfer.steps counted in steps (1 per epoch at batch 4 of 4 images)");
  const weights = async (dir: string, part: string) => {
    const m = await loadLayersModel(path.join(dir, part));
    const w = new Map(m.weights.map((v, i) => [v.originalName, m.getWeights()[i]!.dataSync().slice()]));
    m.dispose();
    return w;
  };
  const g0 = await weights(general, "discriminator");
  const g1 = await weights(dirA, "discriminator");
  const changed = (name: string) => {
    const x = g0.get(name)!;
    const y = g1.get(name)!;
    return x.some((v, i) => v !== y[i]);
  };
  const names = [...g0.keys()];
  // FreezeD: blocks 0 and 1 (conv and batch-norm gamma/beta) untouched, later blocks trained
  for (const n of names.filter((n) => /d_conv[01]\/|d_bn1\/(gamma|beta)/.test(n))) assert.ok(!changed(n), `${n} is frozen but changed`);
  for (const n of names.filter((n) => /d_conv[23]\//.test(n))) assert.ok(changed(n), `${n} should have been fine-tuned`);
  // G starts from the general G: after 6 small steps it is much closer to it than a fresh initialisation
  const gg = await weights(general, "generator");
  const gt = await weights(dirA, "generator");
  const proj = "g_project/kernel";
  const key = [...gg.keys()].find((k) => k.includes(proj))!;
  const gk = Array.from(gg.get(key)!);
  const tk = Array.from(gt.get(key)!);
  const diff = gk.reduce((s, v, i) => s + Math.abs(v - tk[i]!), 0) / gk.length;
  const scale = gk.reduce((s, v) => s + Math.abs(v), 0) / gk.length;
  assert.ok(diff < 0.5 * scale, `fine-tuned G moved ${diff} (weights ~${scale}): it did not start from the general G`);
  const card = await readJson<{ settings: { init?: unknown; augment?: string[]; freezeD?: number } }>(path.join(dirA, "card.json"));
  assert.deepEqual(card.settings.init, init);
  assert.deepEqual(card.settings.augment, ["color", "translation", "cutout"]);
  assert.equal(card.settings.freezeD, 2);

  // killed after 3 of 6 epochs, resumed: the same weights as the straight fine-tune (augmentation draws included)
  const dirB = mkdtempSync(path.join(os.tmpdir(), "gan-tune-b-"));
  await assert.rejects(trainGan(images.slice(0, 4), dirB, { ...tune, checkpointEvery: 1, onEpoch: (r) => { if (r.epoch === 3) throw new Error("killed"); } }), /killed/);
  const b = await trainGan(images.slice(0, 4), dirB, { ...tune, checkpointEvery: 1 });
  assert.equal(b.resumedFrom, 3);
  const ga = await weights(dirA, "generator");
  const gb = await weights(dirB, "generator");
  for (const [n, v] of ga) assert.ok(v.every((x, i) => Math.abs(x - gb.get(n)![i]!) < 1e-6), `${n} differs after resume`);
  // the same starting weights found in another folder (a moved run folder): reused, not retrained
  const moved = await trainGan(images.slice(0, 4), dirA, { ...tune, init: { ...init, from: path.join(os.tmpdir(), "moved", "general") } });
  assert.equal(moved.resumedFrom, null, "already complete: nothing trained again");
  // another starting point is another run: refused, not reused
  await assert.rejects(trainGan(images.slice(0, 4), dirA, { ...tune, init: { ...init, fingerprint: "other" } }), /trained with other settings/);
});

test("with gan.ema the saved generator is the moving average of G, checkpointed and resumed bit for bit", async () => {
  const images = toyImages(8, 4);
  const opts: TrainOptions = { ...base, ema: 0.9, seed: 21 };
  const dirA = mkdtempSync(path.join(os.tmpdir(), "gan-ema-a-"));
  await trainGan(images, dirA, opts);
  assert.ok(existsSync(path.join(dirA, "checkpoints", "epoch-0003", "Gema", "model.json")), "checkpoint holds the average");
  const flat = async (dir: string) => {
    const m = await loadLayersModel(dir);
    const w = m.getWeights().map((t) => Array.from(t.dataSync()));
    m.dispose();
    return w.flat();
  };
  const saved = await flat(path.join(dirA, "generator"));
  const average = await flat(path.join(dirA, "checkpoints", "epoch-0003", "Gema"));
  const last = await flat(path.join(dirA, "checkpoints", "epoch-0003", "G"));
  assert.deepEqual(saved, average, "generator/ is the average");
  assert.ok(saved.some((v, i) => v !== last[i]), "the average differs from the last iterate");
  const dirB = mkdtempSync(path.join(os.tmpdir(), "gan-ema-b-"));
  await assert.rejects(trainGan(images, dirB, { ...opts, onEpoch: (r) => { if (r.epoch === 2) throw new Error("killed"); } }), /killed/);
  await trainGan(images, dirB, opts);
  const resumed = await flat(path.join(dirB, "generator"));
  assert.ok(saved.every((v, i) => Math.abs(v - resumed[i]!) < 1e-6), "resumed average equals the straight run's");
});
