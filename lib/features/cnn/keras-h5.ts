/**
 * Reading Keras weight files (`.h5`) with h5wasm, the way Keras itself does: the root group (or
 * its `model_weights` group, in files saved with `model.save`) lists its layers in the attribute
 * `layer_names`; each layer group lists its arrays, in order, in the attribute `weight_names`, and
 * each name is the path of a dataset inside that group. No path is hard-coded.
 *
 * Both naming styles of the published ImageNet files are read:
 *  - Keras 2: `block1_conv1/kernel:0`, `block1_conv1/bias:0`, `conv1_bn/moving_variance:0`;
 *  - Keras 1: `block1_conv1_W_1:0`, `block1_conv1_b_1:0`, `bn_conv1_running_std:0`
 *    (Keras 1's `running_std` holds the variance).
 * The Keras 3 `.weights.h5` layout (`layers/<name>/vars/0`) is not supported.
 */
import h5wasm from "h5wasm/node";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from "node:fs";
import path from "node:path";

/** One array of one layer, as stored in the file. */
export interface H5Weight {
  /** The name from `weight_names`, e.g. "block1_conv1/kernel:0". */
  name: string;
  /** What the array is for, from its name (null when the name says nothing we know). */
  kind: WeightKind | null;
  shape: number[];
  data: Float32Array;
}

/** The roles a weight array can have in the layers we build (conv, dense, batch norm). */
export type WeightKind = "kernel" | "bias" | "gamma" | "beta" | "moving_mean" | "moving_variance";

export interface KerasWeightFile {
  /** The file read. */
  file: string;
  /** "keras2" when the weight names are `<layer>/<var>:0` paths, else "keras1". */
  style: "keras1" | "keras2";
  /** Layer names in file order (from `layer_names`). */
  layerNames: string[];
  /** The arrays of each layer, in `weight_names` order (layers without weights map to []). */
  layers: Map<string, H5Weight[]>;
}

/** The role of a weight from its stored name, in either naming style; null when unknown. */
export function weightKind(name: string): WeightKind | null {
  // Keep the last path component and drop the TensorFlow output suffix ":0" and Keras 1's "_1".
  let base = name.split("/").pop() ?? name;
  base = base.replace(/:\d+$/, "");
  const patterns: [RegExp, WeightKind][] = [
    [/(^|_)(depthwise_kernel|kernel|W)(_\d+)?$/, "kernel"],
    [/(^|_)(bias|b)(_\d+)?$/, "bias"],
    [/(^|_)gamma(_\d+)?$/, "gamma"],
    [/(^|_)beta(_\d+)?$/, "beta"],
    [/(^|_)(moving_mean|running_mean)(_\d+)?$/, "moving_mean"],
    [/(^|_)(moving_variance|running_variance|running_std)(_\d+)?$/, "moving_variance"],
  ];
  for (const [re, kind] of patterns) if (re.test(base)) return kind;
  return null;
}

/**
 * A string-list attribute as strings. Keras 3 (and h5py from numpy) stores the empty list of a
 * layer without weights (input, padding, pooling, activation, add) as an empty float64 array:
 * any empty array, of any element type, is the empty list.
 */
export function asStrings(value: unknown, what: string, file: string): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) {
    return value.map((v, i) => {
      if (typeof v === "string") return v;
      if (v instanceof Uint8Array) return new TextDecoder().decode(v);
      throw new Error(`${file}: attribute ${what} is not a list of strings (item ${i} is ${typeof v})`);
    });
  }
  if (value instanceof Uint8Array && value.length > 0) return [new TextDecoder().decode(value)];
  if (ArrayBuffer.isView(value) && (value as unknown as ArrayLike<unknown>).length === 0) return [];
  throw new Error(`${file}: attribute ${what} is not a list of strings (it holds ${describe(value)})`);
}

function describe(value: unknown): string {
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<unknown>).length} values`;
  return typeof value;
}

function toFloat32(value: unknown, where: string): Float32Array {
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array || value instanceof Int16Array) {
    return Float32Array.from(value as ArrayLike<number>);
  }
  if (typeof value === "number") return new Float32Array([value]);
  throw new Error(`${where} is not a numeric array`);
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the file carries the HDF5 signature (at 0, or after a user block of 512, 1024, 2048... bytes). */
export function looksLikeHdf5(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(8);
    for (const off of [0, 512, 1024, 2048, 4096]) {
      if (readSync(fd, buf, 0, 8, off) < 8) return false;
      if (HDF5_MAGIC.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Read every layer's weights from a Keras `.h5` weight file (see the module comment). */
export async function readKerasWeights(file: string): Promise<KerasWeightFile> {
  if (!existsSync(file)) throw new Error(`Keras weight file ${file} does not exist`);
  if (!looksLikeHdf5(file)) throw new Error(`${file} is not a readable HDF5 file: no HDF5 signature (an HTML error page or a truncated download?)`);
  await h5wasm.ready;
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(file, "r");
  } catch (err) {
    throw new Error(`${file} is not a readable HDF5 file: ${(err as Error).message}`);
  }
  try {
    let root: InstanceType<typeof h5wasm.Group> = f;
    if (!("layer_names" in f.attrs) && f.keys().includes("model_weights")) {
      root = f.get("model_weights") as InstanceType<typeof h5wasm.Group>;
    }
    if (!("layer_names" in root.attrs)) {
      throw new Error(
        `${file} has no "layer_names" attribute (neither on the root nor on model_weights); ` +
          `it is not a Keras 1/2 weight file (Keras 3 ".weights.h5" files are not supported)`,
      );
    }
    const layerNames = asStrings(root.attrs["layer_names"]!.value, "layer_names", file);
    const layers = new Map<string, H5Weight[]>();
    let slashNames = 0;
    let names = 0;
    for (const layer of layerNames) {
      const group = root.get(layer);
      if (!(group instanceof h5wasm.Group)) throw new Error(`${file}: layer "${layer}" is listed in layer_names but has no group`);
      const weightNames = "weight_names" in group.attrs ? asStrings(group.attrs["weight_names"]!.value, `${layer}/weight_names`, file) : [];
      const weights: H5Weight[] = [];
      for (const name of weightNames) {
        const ds = group.get(name);
        if (!(ds instanceof h5wasm.Dataset)) throw new Error(`${file}: layer "${layer}" lists weight "${name}" but has no such dataset`);
        const shape = ds.shape ?? [];
        weights.push({ name, kind: weightKind(name), shape, data: toFloat32(ds.value, `${file}: ${layer}/${name}`) });
        names++;
        if (name.includes("/")) slashNames++;
      }
      layers.set(layer, weights);
    }
    return { file, style: names > 0 && slashNames === names ? "keras2" : "keras1", layerNames, layers };
  } finally {
    f.close();
  }
}

/** Writing a Keras-layout weight file (used by tests and to export tiny models). */
export interface KerasLayerWeightsToWrite {
  layer: string;
  weights: { name: string; shape: number[]; data: Float32Array }[];
}

/**
 * Write layers in the Keras 1/2 `save_weights` layout: `layer_names` on the root (or under
 * `model_weights` when `underModelWeights`), `weight_names` on each layer group, and datasets at
 * the weight names (Keras 2 names such as `conv/kernel:0` create the sub-group `conv`).
 * Strings are written fixed-length, as h5py writes Keras's numpy byte strings.
 */
export async function writeKerasWeights(file: string, layers: KerasLayerWeightsToWrite[], opts: { underModelWeights?: boolean } = {}): Promise<void> {
  await h5wasm.ready;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const f = new h5wasm.File(tmp, "w");
  let ok = false;
  try {
    const root = opts.underModelWeights ? f.create_group("model_weights") : f;
    const fixed = (xs: string[]): string => `S${Math.max(1, ...xs.map((s) => Buffer.byteLength(s)))}`;
    const layerNames = layers.map((l) => l.layer);
    root.create_attribute("layer_names", layerNames, null, fixed(layerNames));
    root.create_attribute("backend", "tensorflow");
    root.create_attribute("keras_version", "2.2.4");
    for (const l of layers) {
      const g = root.create_group(l.layer);
      const wn = l.weights.map((w) => w.name);
      g.create_attribute("weight_names", wn, [wn.length], fixed(wn));
      for (const w of l.weights) {
        const parts = w.name.split("/");
        let parent = g;
        for (const p of parts.slice(0, -1)) {
          parent = parent.keys().includes(p) ? (parent.get(p) as InstanceType<typeof h5wasm.Group>) : parent.create_group(p);
        }
        parent.create_dataset({ name: parts[parts.length - 1]!, data: w.data, shape: w.shape, dtype: "<f" });
      }
    }
    ok = true;
  } finally {
    f.close();
    if (ok) renameSync(tmp, file);
    else rmSync(tmp, { force: true });
  }
}
