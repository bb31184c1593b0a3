/**
 * Weight files written by Keras itself (Keras 3, TensorFlow backend) load, in both layouts Keras
 * writes (`save_weights_to_hdf5_group`: layer_names on the root; `model.save("x.h5")`: under
 * model_weights), and our VGG16 / ResNet50 give Keras's own predict output on the same images.
 *
 *  - Always: the reduced-width networks committed in ./fixtures/keras-written (made by
 *    tools/keras-fixtures.py --tiny, which checks them against keras.applications layer for layer).
 *  - When a Keras venv is there (HERITAGE_KERAS_PYTHON, else <root>/.cache/keras-venv/bin/python;
 *    .ci/run creates it from the local pip index): keras.applications.VGG16 / ResNet50 at full
 *    width, written into a temporary folder by the same script (--full). Skipped with a message otherwise.
 *    The script runs with TF_ENABLE_ONEDNN_OPTS=0: TensorFlow 2.21's oneDNN kernels die with SIGFPE
 *    in ResNet50 on this machine's CPUs (measured 2026-12-05).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { asStrings, readKerasWeights } from "../../../lib/features/cnn/keras-h5.js";
import { createKerasCnn, type KerasCnnId } from "../../../lib/features/cnn/keras-extractor.js";
import type { ImageArray } from "../../../lib/data/image.js";
import { initBackend } from "../../../lib/runtime/backend.js";
import { projectRoot } from "../../../lib/util/paths.js";

const FIXTURES = path.join(projectRoot(), "test", "features", "cnn", "fixtures", "keras-written");
const SCRIPT = path.join(projectRoot(), "tools", "keras-fixtures.py");

interface Written {
  keras: string;
  network: KerasCnnId;
  widthScale: number;
  inputSize: number;
  featureLayer: string;
  files: { weights: string; model: string };
  imageShape: [number, number, number, number];
  imagesU8Base64: string;
  outputShape: number[];
  output: number[];
}

function readWritten(dir: string, name: string): Written {
  return JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8")) as Written;
}

/** The fixture's images, as the project holds images: p / 127.5 - 1 in float32. */
function images(w: Written): ImageArray[] {
  const [n, h, wd, c] = w.imageShape;
  const px = Buffer.from(w.imagesU8Base64, "base64");
  assert.equal(px.length, n * h * wd * c);
  return Array.from({ length: n }, (_, i) => {
    const data = new Float32Array(h * wd * c);
    for (let j = 0; j < data.length; j++) data[j] = Math.fround(Math.fround(px[i * data.length + j]! / 127.5) - 1);
    return { width: wd, height: h, channels: c, data };
  });
}

/** max |ours - keras| / max |keras| over all values. */
function relErr(got: Float32Array[], want: number[]): number {
  const flat = got.flatMap((g) => Array.from(g));
  assert.equal(flat.length, want.length, "feature length differs from Keras's output");
  let scale = 1e-12;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < flat.length; i++) err = Math.max(err, Math.abs(flat[i]! - want[i]!));
  return err / scale;
}

async function checkLayouts(dir: string, name: string): Promise<void> {
  const w = readWritten(dir, name);
  const imgs = images(w);
  for (const layout of ["weights", "model"] as const) {
    const file = path.join(dir, w.files[layout]);
    const ex = await createKerasCnn(w.network, { weightsFile: file, inputSize: w.inputSize, widthScale: w.widthScale, pooling: "flatten" });
    try {
      assert.ok(ex.loadReport.assigned.length > 0);
      assert.deepEqual(ex.loadReport.unused, [], `${file}: layers with weights the model did not take`);
      const err = relErr(await ex.extract(imgs), w.output);
      assert.ok(err < 1e-4, `${name} ${layout} layout (${w.files[layout]}, Keras ${w.keras}): relative error ${err} vs Keras predict`);
    } finally {
      ex.dispose();
    }
  }
}

before(async () => {
  // Full-width ResNet50 dies in TensorFlow's oneDNN kernels on this project's CPUs (lib/runtime/onednn-probe.ts,
  // tested in test/runtime/onednn-probe.test.ts); this file checks the weight loading, so it runs without them.
  process.env.TF_ENABLE_ONEDNN_OPTS = "0";
  await initBackend({ announce: false });
});

describe("asStrings", () => {
  test("an empty array of any type is the empty list (Keras 3 writes float64 [] for layers without weights)", () => {
    assert.deepEqual(asStrings(new Float64Array(0), "a", "f.h5"), []);
    assert.deepEqual(asStrings([], "a", "f.h5"), []);
    assert.deepEqual(asStrings(["x/kernel", "x/bias"], "a", "f.h5"), ["x/kernel", "x/bias"]);
    assert.throws(() => asStrings(new Float64Array([1, 2]), "l/weight_names", "f.h5"), /f\.h5: attribute l\/weight_names is not a list of strings \(it holds a Float64Array of 2 values\)/);
  });
});

describe("Keras-written files (committed, reduced width)", () => {
  test("the files' layers without weights read as empty", async () => {
    const got = await readKerasWeights(path.join(FIXTURES, "vgg16-tiny.model.h5"));
    assert.deepEqual(got.layers.get("input_layer"), []);
    assert.deepEqual(got.layers.get("block1_pool"), []);
    assert.deepEqual(got.layers.get("block1_conv1")!.map((x) => x.kind), ["kernel", "bias"]);
  });
  for (const name of ["vgg16-tiny", "resnet50-tiny"]) {
    test(`${name}: features equal Keras predict within 1e-4, both layouts`, async () => {
      await checkLayouts(FIXTURES, name);
    });
  }
});

function kerasPython(): string | null {
  const env = process.env.HERITAGE_KERAS_PYTHON;
  if (env) return env;
  const venv = path.join(projectRoot(), ".cache", "keras-venv", "bin", "python");
  return existsSync(venv) ? venv : null;
}

describe("Keras-written files (keras.applications, full width, generated now)", () => {
  const py = kerasPython();
  let dir = "";
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  test("VGG16 and ResNet50 from keras.applications: features equal Keras predict within 1e-4, both layouts", { skip: py ? false : "no Keras venv (set HERITAGE_KERAS_PYTHON, or create .cache/keras-venv with keras and tensorflow-cpu from the local pip index as .ci/run does, about 1.6 GB)", timeout: 600_000 }, async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "heritage-keras-full-"));
    execFileSync(py!, [SCRIPT, "--full", "--out", dir], { stdio: ["ignore", "ignore", "inherit"], timeout: 540_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3", TF_ENABLE_ONEDNN_OPTS: "0" } });
    for (const name of ["vgg16-full", "resnet50-full"]) await checkLayouts(dir, name);
  });
});
