/**
 * Keras .h5 weights into the tfjs VGG16/VGG19/ResNet50: small files in the Keras 1 and Keras 2
 * layouts are written with h5wasm, loaded, and every array is checked to land in its layer and
 * role; the models' outputs are checked against a plain-loop forward pass (./reference-net.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import h5wasm from "h5wasm/node";
import { initBackend } from "../../../lib/runtime/backend.js";
import { readKerasWeights, weightKind, writeKerasWeights, type KerasLayerWeightsToWrite } from "../../../lib/features/cnn/keras-h5.js";
import { buildKerasCnn, createKerasCnn, FEATURE_LAYERS, type KerasCnnId } from "../../../lib/features/cnn/keras-extractor.js";
import { loadKerasWeights } from "../../../lib/features/cnn/load-keras.js";
import { preprocessBatch } from "../../../lib/features/cnn/preprocess.js";
import { resnet50LegacyName } from "../../../lib/features/cnn/resnet.js";
import { caffe, makeWeights, resnet50Reference, vggReference, type LayerWeights, type Map3 } from "./reference-net.js";
import { createRng } from "../../../lib/util/random.js";

const TINY = 1 / 64; // VGG widths 1,2,4,8,8; ResNet50 filters 1,2,4,8 (outputs 32 channels)
const SIZE = 32;
let dir: string;

before(async () => {
  await initBackend({ announce: false });
  dir = mkdtempSync(path.join(os.tmpdir(), "heritage-cnn-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const KERAS1_SHORT: Record<string, string> = {
  kernel: "W",
  bias: "b",
  gamma: "gamma",
  beta: "beta",
  moving_mean: "running_mean",
  moving_variance: "running_std",
};

/** Layers to write, in Keras's weight order, named in the given style (optionally reversed within a layer). */
function toWrite(weights: LayerWeights, style: "keras1" | "keras2", reverse = false, extra = true): KerasLayerWeightsToWrite[] {
  const layers: KerasLayerWeightsToWrite[] = [{ layer: "input_1", weights: [] }];
  for (const [layer, roles] of weights) {
    let ws = [...roles].map(([role, w]) => ({
      name: style === "keras2" ? `${layer}/${role}:0` : `${layer}_${KERAS1_SHORT[role]}_1:0`,
      shape: w.shape,
      data: w.data,
    }));
    if (reverse) ws = ws.reverse();
    layers.push({ layer, weights: ws });
  }
  // A classifier layer the notop model does not have (as in the full ImageNet files).
  if (extra) layers.push({ layer: "fc1", weights: [{ name: style === "keras2" ? "fc1/kernel:0" : "fc1_W_1:0", shape: [2, 3], data: new Float32Array(6) }] });
  return layers;
}

function randomImage(seed: number, size = SIZE): { width: number; height: number; channels: number; data: Float32Array } {
  const rng = createRng(seed);
  const data = new Float32Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { width: size, height: size, channels: 3, data };
}

function maxRelErr(got: Float32Array, want: Map3): number {
  let scale = 1e-6;
  for (const v of want.d) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - want.d[i]!));
  return err / scale;
}

describe("weightKind", () => {
  test("reads Keras 2 and Keras 1 names", () => {
    assert.equal(weightKind("block1_conv1/kernel:0"), "kernel");
    assert.equal(weightKind("block1_conv1/bias:0"), "bias");
    assert.equal(weightKind("block1_conv1_W_1:0"), "kernel");
    assert.equal(weightKind("block1_conv1_b_1:0"), "bias");
    assert.equal(weightKind("block1_conv1_W"), "kernel");
    assert.equal(weightKind("conv1_bn/moving_variance:0"), "moving_variance");
    assert.equal(weightKind("bn_conv1_running_std:0"), "moving_variance");
    assert.equal(weightKind("bn_conv1_running_mean:0"), "moving_mean");
    assert.equal(weightKind("bn_conv1_gamma:0"), "gamma");
    assert.equal(weightKind("bn_conv1_beta:0"), "beta");
    assert.equal(weightKind("something/else:0"), null);
  });
});

describe("readKerasWeights", () => {
  test("follows layer_names and weight_names, in both styles and under model_weights", async () => {
    const k = { shape: [1, 1, 2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b = { shape: [3], data: Float32Array.from([7, 8, 9]) };
    const w = new Map([["c", new Map([["kernel", k], ["bias", b]])]]) as LayerWeights;
    for (const [style, under] of [["keras2", false], ["keras1", false], ["keras2", true]] as const) {
      const file = path.join(dir, `read-${style}-${under}.h5`);
      await writeKerasWeights(file, toWrite(w, style), { underModelWeights: under });
      const got = await readKerasWeights(file);
      assert.equal(got.style, style);
      assert.deepEqual(got.layerNames, ["input_1", "c", "fc1"]);
      assert.deepEqual(got.layers.get("input_1"), []);
      const c = got.layers.get("c")!;
      assert.deepEqual(c.map((x) => x.kind), ["kernel", "bias"]);
      assert.deepEqual(c[0]!.shape, [1, 1, 2, 3]);
      assert.deepEqual([...c[0]!.data], [1, 2, 3, 4, 5, 6]);
      assert.deepEqual([...c[1]!.data], [7, 8, 9]);
    }
  });

  test("errors name the file and the problem", async () => {
    await assert.rejects(readKerasWeights(path.join(dir, "nope.h5")), /nope\.h5 does not exist/);
    const text = path.join(dir, "text.h5");
    writeFileSync(text, "not hdf5 at all");
    await assert.rejects(readKerasWeights(text), /text\.h5 is not a readable HDF5 file/);
    const plain = path.join(dir, "plain.h5");
    await h5wasm.ready;
    const f = new h5wasm.File(plain, "w");
    f.create_group("something");
    f.close();
    await assert.rejects(readKerasWeights(plain), /plain\.h5 has no "layer_names" attribute/);
  });
});

describe("loading into VGG16, VGG19 and ResNet50", () => {
  const ids: KerasCnnId[] = ["vgg16", "vgg19", "resnet50"];
  for (const id of ids) {
    for (const [style, reverse] of [["keras2", false], ["keras1", false], ["keras2", true]] as const) {
      test(`${id}: every ${style}${reverse ? " (reversed order)" : ""} array lands in its layer and role`, async () => {
        const model = buildKerasCnn(id, SIZE, TINY);
        const weights = makeWeights(model, 11);
        const file = path.join(dir, `${id}-${style}-${reverse}.h5`);
        await writeKerasWeights(file, toWrite(weights, style, reverse));
        const report = await loadKerasWeights(model, file);
        assert.equal(report.style, style);
        assert.deepEqual(report.unused, ["fc1"]);
        const withWeights = model.layers.filter((l) => l.weights.length > 0);
        assert.equal(report.assigned.length, withWeights.length);
        assert.equal(report.assigned.length, id === "vgg16" ? 13 : id === "vgg19" ? 16 : 53 * 2);
        for (const layer of withWeights) {
          const values = layer.getWeights();
          layer.weights.forEach((v, i) => {
            const role = v.originalName.split("/").pop()!;
            const want = weights.get(layer.name)!.get(role)!;
            assert.deepEqual(Array.from(values[i]!.dataSync()), Array.from(want.data), `${layer.name}/${role}`);
          });
        }
        assert.equal(model.outputs[0]!.shape.length, 4);
        assert.equal(model.layers[model.layers.length - 1]!.name, FEATURE_LAYERS[id]);
        model.dispose();
      });
    }
  }

  test("a missing layer or a wrong shape fails with the file, layer and shapes", async () => {
    const model = buildKerasCnn("vgg16", SIZE, TINY);
    const weights = makeWeights(model, 3);
    const partial = new Map([...weights].filter(([name]) => name !== "block3_conv2"));
    const f1 = path.join(dir, "missing.h5");
    await writeKerasWeights(f1, toWrite(partial, "keras2"));
    await assert.rejects(loadKerasWeights(model, f1), /missing\.h5: has no weights for layer "block3_conv2"/);
    const wide = buildKerasCnn("vgg16", SIZE, 2 * TINY);
    const f2 = path.join(dir, "wide.h5");
    await writeKerasWeights(f2, toWrite(makeWeights(wide, 3), "keras2"));
    await assert.rejects(loadKerasWeights(model, f2), /wide\.h5: layer "block1_conv1" array "block1_conv1\/kernel:0" has shape \[3, 3, 3, 2\] but the model wants \[3, 3, 3, 1\]/);
    model.dispose();
    wide.dispose();
  });
});

describe("outputs against hand computation", () => {
  test("caffe preprocessing of one pixel", () => {
    // R = 1 (255), G = 0 (127.5), B = -1 (0) in the project's range.
    const x = tf.tensor4d([1, 0, -1], [1, 1, 1, 3]);
    const y = preprocessBatch(x, "caffe");
    const got = Array.from(y.dataSync());
    const want = [0 - 103.939, 127.5 - 116.779, 255 - 123.68]; // B, G, R
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-4, `${v} vs ${want[i]}`));
    tf.dispose([x, y]);
  });

  test("a 1x1 conv feature by hand: VGG16 with identity-like weights", async () => {
    // Every conv: kernel 0 except the centre tap from input channel 0 to every output channel (weight 1), bias 0.
    // block1_conv1 sees the caffe B channel; the following layers copy channel 0; ReLU keeps positives;
    // max pools keep the 2x2 max. So the feature at each of the 2x2 positions is max(0, max over its 16x16 window of B - 103.939).
    const model = buildKerasCnn("vgg16", SIZE, TINY);
    const weights = makeWeights(model, 1);
    for (const roles of weights.values()) {
      const k = roles.get("kernel")!;
      const [, , cin, cout] = k.shape as [number, number, number, number];
      k.data.fill(0);
      for (let o = 0; o < cout; o++) k.data[((1 * 3 + 1) * cin + 0) * cout + o] = 1;
      roles.get("bias")!.data.fill(0);
    }
    const file = path.join(dir, "identity.h5");
    await writeKerasWeights(file, toWrite(weights, "keras2"));
    const ex = await createKerasCnn("vgg16", { weightsFile: file, inputSize: SIZE, widthScale: TINY, pooling: "flatten" });
    assert.equal(ex.dim(), 2 * 2 * 8);
    // Blue channel (RGB index 2) = v at pixel (y, x): caffe B = (v + 1) * 127.5 - 103.939.
    const img = { width: SIZE, height: SIZE, channels: 3, data: new Float32Array(SIZE * SIZE * 3).fill(-1) };
    img.data[(3 * SIZE + 5) * 3 + 2] = 1; // top-left window: B = 151.061
    img.data[(20 * SIZE + 30) * 3 + 2] = 0.5; // bottom-right window: B = 87.311
    const [f] = await ex.extract([img]);
    const want = [151.061, 0, 0, 87.311].flatMap((v) => Array(8).fill(Math.max(0, v)));
    f!.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-3, `feature ${i}: ${v} vs ${want[i]}`));
    ex.dispose();
  });

  for (const id of ["vgg16", "vgg19", "resnet50"] as const) {
    test(`${id}: the tfjs model matches a plain-loop forward pass`, async () => {
      const model = buildKerasCnn(id, SIZE, TINY);
      const weights = makeWeights(model, 7);
      model.dispose();
      const file = path.join(dir, `ref-${id}.h5`);
      await writeKerasWeights(file, toWrite(weights, "keras1"));
      const ex = await createKerasCnn(id, { weightsFile: file, inputSize: SIZE, widthScale: TINY, pooling: "flatten" });
      const imgs = [randomImage(1), randomImage(2)];
      const feats = await ex.extract(imgs);
      for (let i = 0; i < imgs.length; i++) {
        const want = id === "resnet50" ? resnet50Reference(caffe(imgs[i]!), weights) : vggReference(caffe(imgs[i]!), id === "vgg16" ? 16 : 19, weights);
        assert.equal(feats[i]!.length, want.d.length);
        assert.ok(maxRelErr(feats[i]!, want) < 1e-4, `${id} image ${i}: relative error ${maxRelErr(feats[i]!, want)}`);
      }
      // Average pooling is the mean over positions of the same map.
      const avg = await createKerasCnn(id, { weightsFile: file, inputSize: SIZE, widthScale: TINY, pooling: "avg" });
      const [a] = await avg.extract([imgs[0]!]);
      const c = a!.length;
      const flat = feats[0]!;
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let p = 0; p < flat.length / c; p++) s += flat[p * c + ch]!;
        assert.ok(Math.abs(a![ch]! - s / (flat.length / c)) < 1e-3 * (1 + Math.abs(a![ch]!)));
      }
      ex.dispose();
      avg.dispose();
    });
  }
});

describe("the first Keras ResNet50's layer names", () => {
  test("map to ours, and such a file loads with the same outputs", async () => {
    assert.equal(resnet50LegacyName("conv1_conv"), "conv1");
    assert.equal(resnet50LegacyName("conv1_bn"), "bn_conv1");
    assert.equal(resnet50LegacyName("conv2_block1_0_conv"), "res2a_branch1");
    assert.equal(resnet50LegacyName("conv3_block4_2_bn"), "bn3d_branch2b");
    assert.equal(resnet50LegacyName("conv4_block6_3_conv"), "res4f_branch2c");
    assert.equal(resnet50LegacyName("conv5_block3_out"), null);
    const model = buildKerasCnn("resnet50", SIZE, TINY);
    const weights = makeWeights(model, 21);
    model.dispose();
    const legacy = new Map([...weights].map(([name, roles]) => [resnet50LegacyName(name)!, roles]));
    assert.equal(legacy.size, weights.size);
    const fNew = path.join(dir, "resnet-new.h5");
    const fOld = path.join(dir, "resnet-legacy.h5");
    await writeKerasWeights(fNew, toWrite(weights, "keras2", false, false));
    await writeKerasWeights(fOld, toWrite(legacy, "keras1", false, false));
    const a = await createKerasCnn("resnet50", { weightsFile: fNew, inputSize: SIZE, widthScale: TINY });
    const b = await createKerasCnn("resnet50", { weightsFile: fOld, inputSize: SIZE, widthScale: TINY });
    assert.deepEqual(b.loadReport.unused, []);
    assert.equal(b.loadReport.assigned.length, 106);
    const img = randomImage(9);
    assert.deepEqual(await b.extract([img]), await a.extract([img]));
    a.dispose();
    b.dispose();
  });
});

describe("full-size networks", () => {
  test("have Keras's published notop parameter counts and the paper's feature shapes", () => {
    const want: Record<KerasCnnId, [number, number[]]> = {
      vgg16: [14_714_688, [null as unknown as number, 14, 14, 512]],
      vgg19: [20_024_384, [null as unknown as number, 14, 14, 512]],
      resnet50: [23_587_712, [null as unknown as number, 7, 7, 2048]],
    };
    for (const id of ["vgg16", "vgg19", "resnet50"] as const) {
      const model = buildKerasCnn(id, 224);
      assert.equal(model.countParams(), want[id][0], `${id} parameters`);
      assert.deepEqual(model.outputs[0]!.shape, want[id][1], `${id} output shape`);
      model.dispose();
    }
  });
});
