/**
 * The oneDNN guard (lib/runtime/onednn-probe.ts) on the native tensorflow backend: where a wide 1x1
 * convolution kills a fresh process (as on this project's AMD EPYC machines with TensorFlow 2.21),
 * building a full-width ResNet50 throws an error naming TF_ENABLE_ONEDNN_OPTS=0 instead of the
 * process dying; with TF_ENABLE_ONEDNN_OPTS=0 it builds. Where the convolution runs, nothing is thrown.
 * Skipped where the native backend is not installed (npm run native-tf).
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { createKerasCnn } from "../../lib/features/cnn/keras-extractor.js";
import { createStyleExtractor } from "../../lib/features/style/style-extractor.js";
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

test("a full-width ResNet50 on the native CPU backend: a clear error where oneDNN would crash, before its weights are read", { timeout: 180_000 }, async (t) => {
  if (!native) return t.skip("the native tensorflow backend is not installed here (npm run native-tf)");
  const probe = wideConvCrashes();
  t.diagnostic(`wide 1x1 convolution in a child process: ${probe.crashes ? `died (${probe.signal ?? "non-zero exit"})` : "ran"}`);
  const missing = "/nonexistent/resnet50.h5";
  if (probe.crashes) {
    await assert.rejects(createKerasCnn("resnet50", { weightsFile: missing, inputSize: 64 }), /ResNet50 would crash this process: TensorFlow's oneDNN kernels die.*TF_ENABLE_ONEDNN_OPTS=0/);
    await assert.rejects(createStyleExtractor("resnet50", { weightsFile: missing, inputSize: 64 }), /ResNet50 would crash this process/);
    assert.throws(() => checkWideConv("x"), /HERITAGE_BACKEND=wasm/);
  }
  // The narrow networks of the tests are not checked (they fail on the missing file instead); with oneDNN off nothing is.
  await assert.rejects(createKerasCnn("resnet50", { weightsFile: missing, inputSize: 64, widthScale: 0.03125 }), (e: Error) => !/would crash/.test(e.message));
  process.env.TF_ENABLE_ONEDNN_OPTS = "0";
  try {
    checkWideConv("ResNet50");
  } finally {
    delete process.env.TF_ENABLE_ONEDNN_OPTS;
  }
});
