/**
 * Issue 13, corrupt checkpoints: a truncated `weights.bin` in the latest checkpoint of a real (tiny)
 * training run does not block the rerun. It resumes from the previous, intact checkpoint with a
 * message naming the damaged file, moves the damaged folder aside as `.damaged`, and removes the
 * `.tmp-PID` folder a killed write left behind. The resumed run ends with the same weights as a
 * straight run (the previous checkpoint is a faithful state).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import type { ImageArray } from "../../lib/data/image.js";
import { loadLayersModel, newestIntactCheckpoint, verifyCheckpoint } from "../../lib/gan/checkpoint.js";
import type { DcganArch } from "../../lib/gan/dcgan.js";
import { trainGan, type TrainOptions } from "../../lib/gan/train.js";
import { initBackend, tf } from "../../lib/runtime/backend.js";
import { setQuiet } from "../../lib/util/log.js";
import { createRng } from "../../lib/util/random.js";
import { captureStderr } from "../harvest/helpers.js";

const arch: DcganArch = { imageSize: 32, nz: 8, ngf: 8, ndf: 8, channels: 3 };

const opts: TrainOptions = {
  arch,
  epochs: 3,
  batchSize: 4,
  lr: 2e-4,
  beta1: 0.5,
  latentPrior: "uniform",
  flip: true,
  checkpointEvery: 1,
  seed: 3,
};

function toyImages(n: number): ImageArray[] {
  const rng = createRng(11);
  return Array.from({ length: n }, () => {
    const data = new Float32Array(32 * 32 * 3);
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
    return { width: 32, height: 32, channels: 3, data };
  });
}

before(async () => {
  await initBackend({ announce: false });
  setQuiet(false);
});

/** A pid that is certainly not running (above Linux's pid_max). */
const DEAD_PID = 4_194_999;

test("a truncated weights.bin in the latest checkpoint: the rerun resumes from the previous one and names the file", async () => {
  const images = toyImages(6);
  const straightDir = mkdtempSync(path.join(os.tmpdir(), "rel-ckpt-a-"));
  const dir = mkdtempSync(path.join(os.tmpdir(), "rel-ckpt-b-"));
  await trainGan(images, straightDir, opts);

  // A run killed after epoch 2 (epochs 1 and 2 checkpointed), then its newest weights.bin truncated
  // (a disk that filled up, a copy cut short) and a half-written checkpoint folder left by a killed write.
  await assert.rejects(
    trainGan(images, dir, { ...opts, onEpoch: (r) => { if (r.epoch === 2) throw new Error("killed"); } }),
    /killed/,
  );
  const root = path.join(dir, "checkpoints");
  assert.deepEqual(readdirSync(root).sort(), ["epoch-0001", "epoch-0002", "latest.json"]);
  const bad = path.join(root, "epoch-0002", "G", "weights.bin");
  const full = statSync(bad).size;
  truncateSync(bad, 250);
  const stale = path.join(root, `epoch-0003.tmp-${DEAD_PID}`);
  mkdirSync(path.join(stale, "G"), { recursive: true });
  writeFileSync(path.join(stale, "G", "weights.bin"), Buffer.alloc(10));

  // the check itself names the file and the sizes
  const why = await verifyCheckpoint(path.join(root, "epoch-0002"));
  assert.ok(why && why.includes(bad), `reason names ${bad}: ${why}`);
  assert.match(why!, new RegExp(`has 250 bytes but .* lists weights of ${full} bytes \\(truncated\\)`));
  const pick = await newestIntactCheckpoint(root, "epoch-0002");
  assert.equal(pick.dir, "epoch-0001");
  assert.deepEqual(pick.damaged.map((d) => d.dir), ["epoch-0002"]);

  const { value: resumed, stderr } = await captureStderr(() => trainGan(images, dir, opts));
  assert.equal(resumed.resumedFrom, 1, "resumed after epoch 1, the newest intact checkpoint");
  assert.equal(resumed.history.length, 3);
  assert.ok(stderr.includes(bad), `the rerun names the damaged file:\n${stderr}`);
  assert.match(stderr, /is damaged .*truncated.*moved to .*epoch-0002\.damaged/);
  assert.match(stderr, /resuming from the newest intact checkpoint, epoch-0001/);
  assert.match(stderr, new RegExp(`removed 1 unfinished checkpoint write\\(s\\) .*epoch-0003\\.tmp-${DEAD_PID}`));
  assert.ok(!existsSync(stale), ".tmp-PID folder removed");
  assert.ok(existsSync(path.join(root, "epoch-0002.damaged", "G", "weights.bin")), "the damaged checkpoint is kept aside, not deleted");
  assert.ok(!readdirSync(root).some((n) => n.includes(".tmp-")));

  // Resuming from epoch 1 retrains epochs 2 and 3 to the very weights of the straight run.
  const ga = await loadLayersModel(path.join(straightDir, "generator"));
  const gb = await loadLayersModel(path.join(dir, "generator"));
  const wa = ga.getWeights();
  const wb = gb.getWeights();
  for (let i = 0; i < wa.length; i++) {
    const d = tf.max(tf.abs(tf.sub(wa[i]!, wb[i]!))).dataSync()[0]!;
    assert.ok(d < 1e-6, `weight ${i} differs by ${d} from the straight run`);
  }
  ga.dispose();
  gb.dispose();
});

test("every checkpoint damaged: the rerun refuses with the reasons and the way out, instead of tfjs' shape error", async () => {
  const images = toyImages(4);
  const dir = mkdtempSync(path.join(os.tmpdir(), "rel-ckpt-c-"));
  await assert.rejects(
    trainGan(images, dir, { ...opts, epochs: 2, onEpoch: (r) => { if (r.epoch === 1) throw new Error("killed"); } }),
    /killed/,
  );
  const bad = path.join(dir, "checkpoints", "epoch-0001", "D", "weights.bin");
  truncateSync(bad, 100);
  const { value: err } = await captureStderr(() => trainGan(images, dir, { ...opts, epochs: 2 }).then(() => null, (e: Error) => e));
  assert.ok(err, "the rerun fails");
  assert.ok(err.message.includes(bad), err.message);
  assert.match(err.message, /no intact checkpoint to resume from .*delete .* to train from scratch/);
  assert.doesNotMatch(err.message, /should have \d+ values/);
});
