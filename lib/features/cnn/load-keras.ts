/**
 * Putting the arrays of a Keras weight file into a tfjs model, layer by layer, by layer name
 * (as Keras's `load_weights(by_name=True)`). Within a layer each array goes to the variable of the
 * same role (kernel, bias, gamma, beta, moving mean, moving variance) found from the stored name;
 * when a stored name says nothing about its role, arrays go by position, as Keras does.
 * Every layer of the model that has weights must be found, with the same shapes, or loading fails
 * with a message naming the file, the layer and the shapes.
 */
import * as tf from "@tensorflow/tfjs";
import { readKerasWeights, weightKind, type H5Weight, type KerasWeightFile } from "./keras-h5.js";

export interface LoadReport {
  /** The file read. */
  file: string;
  style: KerasWeightFile["style"];
  /** Model layers that received weights. */
  assigned: string[];
  /** Layers in the file with weights that the model does not have (e.g. the classifier of a full file). */
  unused: string[];
  /** Number of scalars copied. */
  params: number;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Order the stored arrays of one layer to match the layer's variables. */
function matchWeights(layer: tf.layers.Layer, stored: H5Weight[], file: string): H5Weight[] {
  const vars = layer.weights;
  if (stored.length !== vars.length) {
    throw new Error(
      `${file}: layer "${layer.name}" has ${stored.length} arrays in the file (${stored.map((w) => w.name).join(", ")}) ` +
        `but the model's layer has ${vars.length} (${vars.map((v) => v.originalName).join(", ")})`,
    );
  }
  const storedKinds = stored.map((w) => w.kind);
  const varKinds = vars.map((v) => weightKind(v.originalName));
  const byRole = storedKinds.every((k) => k !== null) && new Set(storedKinds).size === stored.length && varKinds.every((k) => k !== null);
  const ordered = byRole
    ? varKinds.map((k) => {
        const w = stored.find((s) => s.kind === k);
        if (!w) throw new Error(`${file}: layer "${layer.name}" has no ${k} array (it has ${stored.map((s) => s.name).join(", ")})`);
        return w;
      })
    : stored;
  ordered.forEach((w, i) => {
    const want = vars[i]!.shape as number[];
    if (!sameShape(w.shape, want)) {
      throw new Error(
        `${file}: layer "${layer.name}" array "${w.name}" has shape [${w.shape.join(", ")}] but the model wants [${want.join(", ")}] ` +
          `(is this the right file for this network and width?)`,
      );
    }
  });
  return ordered;
}

export interface AssignOptions {
  /** Other names a model layer may have in a file (e.g. the first Keras ResNet50's `res2a_branch2a`). */
  aliases?: (layerName: string) => (string | null)[];
}

/** Copy the weights of an already-read file into `model`; see the module comment. */
export function assignKerasWeights(model: tf.LayersModel, weights: KerasWeightFile, opts: AssignOptions = {}): LoadReport {
  const assigned: string[] = [];
  const used = new Set<string>();
  let params = 0;
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const names = [layer.name, ...(opts.aliases?.(layer.name) ?? [])].filter((n): n is string => n !== null);
    const found = names.find((n) => (weights.layers.get(n)?.length ?? 0) > 0);
    const stored = found === undefined ? undefined : weights.layers.get(found);
    if (found !== undefined) used.add(found);
    if (!stored || stored.length === 0) {
      const have = weights.layerNames.filter((n) => (weights.layers.get(n)?.length ?? 0) > 0);
      throw new Error(
        `${weights.file}: has no weights for layer "${layer.name}" of model ${model.name} ` +
          `(layers with weights in the file: ${have.slice(0, 8).join(", ")}${have.length > 8 ? ", ..." : ""})`,
      );
    }
    const ordered = matchWeights(layer, stored, weights.file);
    const tensors = ordered.map((w) => tf.tensor(w.data, w.shape, "float32"));
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
    params += ordered.reduce((s, w) => s + w.data.length, 0);
    assigned.push(layer.name);
  }
  const unused = weights.layerNames.filter((n) => !used.has(n) && (weights.layers.get(n)?.length ?? 0) > 0);
  return { file: weights.file, style: weights.style, assigned, unused, params };
}

/** Read a Keras `.h5` weight file and load it into `model`. */
export async function loadKerasWeights(model: tf.LayersModel, file: string, opts: AssignOptions = {}): Promise<LoadReport> {
  return assignKerasWeights(model, await readKerasWeights(file), opts);
}
