/**
 * The oneDNN guard (lib/runtime/onednn-probe.ts) on the native tensorflow backend: where a wide 1x1
 * convolution kills a fresh process (as on this project's AMD EPYC machines with TensorFlow 2.21),
 * building a full-width ResNet50 throws an error naming TF_ENABLE_ONEDNN_OPTS=0 instead of the
 * process dying; with TF_ENABLE_ONEDNN_OPTS=0 it builds. Where the convolution runs, nothing is thrown.
 * Skipped where the native backend is not installed (npm run native-tf).
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { buildKerasCnn } from "../../lib/features/cnn/keras-extractor.js";
import { backendInfo, initBackend } from "../../lib/runtime/backend.js";
import { checkWideConv, wideConvCrashes } from "../../lib/runtime/onednn-probe.js";

let native = false;
before(async () => {
  delete process.env.TF_ENABLE_ONEDNN_OPTS;
  try {
    await initBackend({ prefer: "tensorflow", announce: false });
    native = backendInfo()?.name === "tensorflow";
  } catch {
    native = false;
  }
});

test("a full-width ResNet50 on the native CPU backend: a clear error where oneDNN would crash, built otherwise", { timeout: 180_000 }, (t) => {
  if (!native) return t.skip("the native tensorflow backend is not installed here (npm run native-tf)");
  const probe = wideConvCrashes();
  t.diagnostic(`wide 1x1 convolution in a child process: ${probe.crashes ? `died (${probe.signal ?? "non-zero exit"})` : "ran"}`);
  if (probe.crashes) {
    assert.throws(() => buildKerasCnn("resnet50", 64, 1), /ResNet50 would crash this process: TensorFlow's oneDNN kernels die.*TF_ENABLE_ONEDNN_OPTS=0/);
    assert.throws(() => checkWideConv("x"), /HERITAGE_BACKEND=wasm/);
  } else {
    buildKerasCnn("resnet50", 64, 1).dispose();
  }
  // The narrow networks of the tests are not checked; with oneDNN off nothing is.
  buildKerasCnn("resnet50", 64, 0.03125).dispose();
  process.env.TF_ENABLE_ONEDNN_OPTS = "0";
  try {
    checkWideConv("ResNet50");
  } finally {
    delete process.env.TF_ENABLE_ONEDNN_OPTS;
  }
});
