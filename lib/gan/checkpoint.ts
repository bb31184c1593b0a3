/**
 * Saving and loading models in the TensorFlow.js layers format (model.json + weights.bin, loadable
 * with `tf.loadLayersModel`) and Adam optimizer state, with atomic writes: a checkpoint folder is
 * written under a temporary name and renamed into place, so a kill never leaves half a checkpoint.
 *
 * Loading verifies first: every weight file must have exactly the bytes its manifest's shapes and
 * dtypes call for, so a truncated or damaged `weights.bin` fails with a message naming the file
 * (not tfjs' "should have 8192 values but has 250"). {@link newestIntactCheckpoint} picks the newest
 * intact `epoch-NNNN` folder for a resume, and {@link removeStaleTempDirs} removes the `.tmp-PID`
 * folders that killed writes leave behind.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../util/fs.js";

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, complex64: 8 };

/** Bytes a list of weight specs needs (quantized weights use their quantized dtype). */
export function expectedWeightBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  let total = 0;
  for (const w of specs) {
    const dtype = (w.quantization?.dtype as string | undefined) ?? w.dtype;
    const per = DTYPE_BYTES[dtype];
    if (per === undefined) throw new Error(`weight ${w.name} has dtype ${dtype}, which the checkpoint check does not know`);
    total += w.shape.reduce((a, b) => a * b, 1) * per;
  }
  return total;
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return null;
  }
}

/**
 * Check a model folder written by {@link saveLayersModel}: model.json parses and its weight files
 * hold exactly the bytes its specs call for. Returns null when intact, else the problem, naming the file.
 */
export async function verifyLayersModel(dir: string): Promise<string | null> {
  const jsonFile = path.join(dir, "model.json");
  let json: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(await fsp.readFile(jsonFile, "utf8"));
  } catch (err) {
    return `${jsonFile} cannot be read: ${(err as Error).message}`;
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) return `${jsonFile} is not a TF.js layers model (no modelTopology or weightsManifest)`;
  for (const group of json.weightsManifest) {
    let have = 0;
    for (const p of group.paths) {
      const size = await fileSize(path.join(dir, p));
      if (size === null) return `${path.join(dir, p)} is missing`;
      have += size;
    }
    const want = expectedWeightBytes(group.weights);
    if (have !== want) {
      return `${path.join(dir, group.paths.join("+"))} has ${have} bytes but ${jsonFile} lists weights of ${want} bytes (${have < want ? "truncated" : "too long"})`;
    }
  }
  return null;
}

/** Check optimizer state written by {@link saveOptimizerState} (`<file>.json` + `<file>.bin`). Null when intact. */
export async function verifyOptimizerState(file: string): Promise<string | null> {
  let specs: tf.io.WeightsManifestEntry[];
  try {
    specs = JSON.parse(await fsp.readFile(`${file}.json`, "utf8"));
  } catch (err) {
    return `${file}.json cannot be read: ${(err as Error).message}`;
  }
  const size = await fileSize(`${file}.bin`);
  if (size === null) return `${file}.bin is missing`;
  const want = expectedWeightBytes(specs);
  if (size !== want) return `${file}.bin has ${size} bytes but ${file}.json lists ${want} (${size < want ? "truncated" : "too long"})`;
  return null;
}

/**
 * Check a training checkpoint folder (`G/`, `D/`, `optG`, `optD`, `state.json`); null when intact,
 * else the first problem found, naming the file.
 */
export async function verifyCheckpoint(dir: string): Promise<string | null> {
  // Gema: the averaged generator, present when training keeps one (gan.ema)
  const gema = (await fileSize(path.join(dir, "Gema", "model.json"))) !== null ? ["Gema"] : [];
  for (const m of [CHECKPOINT_FOLDERS.G, CHECKPOINT_FOLDERS.D, ...gema]) {
    const bad = await verifyLayersModel(path.join(dir, m));
    if (bad) return bad;
  }
  for (const o of ["optG", "optD"]) {
    const bad = await verifyOptimizerState(path.join(dir, o));
    if (bad) return bad;
  }
  try {
    const state = JSON.parse(await fsp.readFile(path.join(dir, "state.json"), "utf8")) as { epoch?: unknown };
    if (typeof state.epoch !== "number") return `${path.join(dir, "state.json")} has no epoch`;
  } catch (err) {
    return `${path.join(dir, "state.json")} cannot be read: ${(err as Error).message}`;
  }
  return null;
}

/** What {@link newestIntactCheckpoint} found. */
export interface IntactCheckpoint {
  /** Folder name (`epoch-NNNN`) of the newest intact checkpoint, or null when none is intact. */
  dir: string | null;
  /** Newer checkpoints that failed the check (newest first), with the reason. */
  damaged: { dir: string; reason: string }[];
}

/**
 * The newest intact `epoch-NNNN` checkpoint under `root` (`preferred`, from latest.json, is tried
 * first); the damaged ones newer than it are listed with the reason.
 */
export async function newestIntactCheckpoint(root: string, preferred?: string): Promise<IntactCheckpoint> {
  let names: string[] = [];
  try {
    names = (await fsp.readdir(root)).filter((d) => /^epoch-\d+$/.test(d));
  } catch {
    names = [];
  }
  names.sort().reverse();
  if (preferred && /^epoch-\d+$/.test(preferred)) names = [preferred, ...names.filter((n) => n !== preferred)];
  const damaged: { dir: string; reason: string }[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    if (!existsSync(dir)) {
      if (name === preferred) damaged.push({ dir: name, reason: `${dir} is missing` });
      continue;
    }
    const bad = await verifyCheckpoint(dir);
    if (!bad) return { dir: name, damaged };
    damaged.push({ dir: name, reason: bad });
  }
  return { dir: null, damaged };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove `<name>.tmp-PID` folders under `root` left by writes whose process is gone; returns their names. */
export async function removeStaleTempDirs(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = /\.tmp-(\d+)$/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && pidAlive(pid)) continue; // another process is still writing it
    await fsp.rm(path.join(root, n), { recursive: true, force: true });
    removed.push(n);
  }
  return removed.sort();
}

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
  const bad = await verifyLayersModel(dir);
  if (bad) throw new Error(`cannot load model ${dir}: ${bad}`);
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

/** Folders of the two models: a trained GAN's (`generator/`, `discriminator/`) and a training checkpoint's (`G/`, `D/`). */
export const GAN_FOLDERS = { G: "generator", D: "discriminator" } as const;
export const CHECKPOINT_FOLDERS = { G: "G", D: "D" } as const;

/** A generator and discriminator loaded from disk. */
export interface LoadedGanPair {
  G: tf.LayersModel;
  D: tf.LayersModel;
}

/**
 * Load a GAN folder's generator and discriminator: a trained GAN's generator/ and discriminator/
 * (as the trainer writes them), or with `folders = CHECKPOINT_FOLDERS` a checkpoint's G/ and D/.
 * Nothing stays allocated when the second fails.
 */
export async function loadGanPair(dir: string, folders: { G: string; D: string } = GAN_FOLDERS): Promise<LoadedGanPair> {
  const G = await loadLayersModel(path.join(dir, folders.G));
  try {
    return { G, D: await loadLayersModel(path.join(dir, folders.D)) };
  } catch (e) {
    G.dispose();
    throw e;
  }
}

/**
 * Adam's running powers beta1^t and beta2^t (private `accBeta1`/`accBeta2` variables in tfjs). tfjs'
 * getWeights() leaves them out and setWeights() recomputes them as pow(beta, t + 1), which differs in
 * the last float bits from the product the optimizer accumulated step by step (0.999^t, not 0.5^t);
 * a resumed run then drifts by ~1e-8 and its weights are no longer bit-identical to a straight run.
 * So they are saved with the state under these names and restored after setWeights.
 */
const ACC_POWERS = ["accBeta1", "accBeta2"] as const;
const ACC_PREFIX = "heritage/";

function accPowers(opt: tf.Optimizer): { name: string; variable: tf.Variable }[] {
  const o = opt as unknown as Record<string, unknown>;
  return ACC_POWERS.filter((k) => o[k] instanceof tf.Variable).map((k) => ({ name: `${ACC_PREFIX}${k}`, variable: o[k] as tf.Variable }));
}

/** Save an optimizer's state (Adam moments, iteration count, running beta powers) as `<file>.json` + `<file>.bin`. */
export async function saveOptimizerState(opt: tf.Optimizer, file: string): Promise<void> {
  const weights = await opt.getWeights();
  const { data, specs } = await tf.io.encodeWeights([...weights, ...accPowers(opt).map((a) => ({ name: a.name, tensor: a.variable }))]);
  // getWeights() makes a fresh scalar for the iteration count; the rest are the optimizer's own variables.
  for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  await writeFileAtomic(`${file}.bin`, Buffer.from(data));
  await writeFileAtomic(`${file}.json`, JSON.stringify(specs));
}

/**
 * Restore state written by {@link saveOptimizerState} into an optimizer built the same way. State
 * saved before the beta powers were kept loads too (tfjs then recomputes them: close, not bit-identical).
 */
export async function loadOptimizerState(opt: tf.Optimizer, file: string): Promise<void> {
  const bad = await verifyOptimizerState(file);
  if (bad) throw new Error(`cannot load optimizer state ${file}: ${bad}`);
  const specs = JSON.parse(await fsp.readFile(`${file}.json`, "utf8")) as tf.io.WeightsManifestEntry[];
  const buf = await fsp.readFile(`${file}.bin`);
  const map = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, specs);
  const own = specs.filter((s) => !s.name.startsWith(ACC_PREFIX));
  await opt.setWeights(own.map((s) => ({ name: s.name, tensor: map[s.name]! })));
  for (const a of accPowers(opt)) {
    const saved = map[a.name];
    if (saved) a.variable.assign(saved);
  }
  tf.dispose(Object.values(map)); // setWeights made its own variables from these
}

/** Copy every weight of `from` into `to` (same architecture), e.g. after loading a checkpoint. */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  to.setWeights(from.getWeights());
}
