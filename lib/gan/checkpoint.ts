/**
 * Saving and loading models in the TensorFlow.js layers format (model.json + weights.bin, loadable
 * with `tf.loadLayersModel`) and Adam optimizer state, with atomic writes: a checkpoint folder is
 * written under a temporary name and renamed into place, so a kill never leaves half a checkpoint.
 */
import * as tf from "@tensorflow/tfjs";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../util/fs.js";

/** Write `model` as `<dir>/model.json` + `<dir>/weights.bin` (TF.js layers format). */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData
        ? Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : Buffer.alloc(0);
      await writeFileAtomic(path.join(dir, "weights.bin"), weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: "layers-model",
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      };
      await writeFileAtomic(path.join(dir, "model.json"), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
}

/** Load a model written by {@link saveLayersModel} (or any single-shard TF.js layers model). */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  const jsonFile = path.join(dir, "model.json");
  let json: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(await fsp.readFile(jsonFile, "utf8"));
  } catch (err) {
    throw new Error(`cannot load model ${jsonFile}: ${(err as Error).message}`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await fsp.readFile(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
}

/** Save an optimizer's state (Adam moments, iteration count) as `<file>.json` + `<file>.bin`. */
export async function saveOptimizerState(opt: tf.Optimizer, file: string): Promise<void> {
  const weights = await opt.getWeights();
  const { data, specs } = await tf.io.encodeWeights(weights);
  // getWeights() makes a fresh scalar for the iteration count; the rest are the optimizer's own variables.
  for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  await writeFileAtomic(`${file}.bin`, Buffer.from(data));
  await writeFileAtomic(`${file}.json`, JSON.stringify(specs));
}

/** Restore state written by {@link saveOptimizerState} into an optimizer built the same way. */
export async function loadOptimizerState(opt: tf.Optimizer, file: string): Promise<void> {
  const specs = JSON.parse(await fsp.readFile(`${file}.json`, "utf8")) as tf.io.WeightsManifestEntry[];
  const buf = await fsp.readFile(`${file}.bin`);
  const map = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, specs);
  await opt.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name]! })));
  tf.dispose(Object.values(map)); // setWeights made its own variables from these
}

/** Copy every weight of `from` into `to` (same architecture), e.g. after loading a checkpoint. */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  to.setWeights(from.getWeights());
}
