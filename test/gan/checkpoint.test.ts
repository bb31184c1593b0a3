/**
 * Optimizer state survives a save/load bit for bit: Adam's moments, its iteration count and its
 * running beta powers (which tfjs' setWeights would otherwise recompute as pow(beta, t + 1), a few
 * ulps away from the product accumulated step by step), so a resumed training continues exactly.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import { loadOptimizerState, saveOptimizerState } from "../../lib/gan/checkpoint.js";
import { initBackend, tf } from "../../lib/runtime/backend.js";

before(async () => {
  await initBackend({ announce: false });
});

/** `steps` Adam steps on a small quadratic; returns the variable's values after them. */
function run(opt: tf.AdamOptimizer, w: tf.Variable, steps: number): Float32Array {
  const target = tf.tensor1d([0.3, -1.2, 2.5, 0.01]);
  for (let i = 0; i < steps; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar, false, [w]);
  target.dispose();
  return w.dataSync() as Float32Array;
}

function bits(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
}

test("Adam state saved after t steps and loaded into a fresh optimizer continues bit-identically", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ckpt-opt-"));
  const init = [1, 2, 3, 4];
  // t = 21: pow(0.999, 22) differs in the last bit from the float32 product (checked: the test fails without the beta powers)
  const t = 21;
  const wa = tf.variable(tf.tensor1d(init), true, "ckpt_test_a");
  const a = tf.train.adam(0.01, 0.5, 0.999);
  run(a, wa, t);
  await saveOptimizerState(a, path.join(dir, "opt"));
  // "Resume": the values at step t in a new variable, a new optimizer loaded from disk.
  const wb = tf.variable(wa.clone(), true, "ckpt_test_a_resumed");
  const straight = bits(run(a, wa, 15));
  const b = tf.train.adam(0.01, 0.5, 0.999);
  await loadOptimizerState(b, path.join(dir, "opt"));
  assert.equal(b.iterations, t);
  const resumed = bits(run(b, wb, 15));
  assert.equal(resumed, straight, "the resumed optimizer's next steps equal the uninterrupted ones bit for bit");
  tf.dispose([wa, wb]);
  a.dispose();
  b.dispose();
});

test("optimizer state written before the beta powers were saved still loads", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ckpt-opt-old-"));
  const w = tf.variable(tf.tensor1d([1, 2, 3, 4]), true, "ckpt_test_old");
  const a = tf.train.adam(0.01, 0.5, 0.999);
  run(a, w, 3);
  await saveOptimizerState(a, path.join(dir, "opt"));
  // Strip the heritage/ entries (the old format): the specs list and the bytes at the end.
  const specs = JSON.parse(readFileSync(path.join(dir, "opt.json"), "utf8")) as tf.io.WeightsManifestEntry[];
  const kept = specs.filter((s) => !s.name.startsWith("heritage/"));
  assert.equal(specs.length - kept.length, 2, "two beta powers saved");
  const bin = readFileSync(path.join(dir, "opt.bin"));
  writeFileSync(path.join(dir, "opt.bin"), bin.subarray(0, bin.length - 8));
  writeFileSync(path.join(dir, "opt.json"), JSON.stringify(kept));
  const b = tf.train.adam(0.01, 0.5, 0.999);
  await loadOptimizerState(b, path.join(dir, "opt"));
  assert.equal(b.iterations, 3);
  w.dispose();
  a.dispose();
  b.dispose();
});
