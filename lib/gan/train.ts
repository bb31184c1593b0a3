/**
 * Training one DCGAN on a set of images, resumably: per-epoch checkpoints (atomic), a fixed-z sample
 * grid per checkpoint, a loss history, and the checks a researcher would otherwise do by eye
 * (NaN losses, a discriminator loss collapsing to 0, mode collapse measured as low sample diversity).
 *
 * Output folder:
 *   checkpoints/epoch-NNNN/{G,D}/   TF.js models + optimizer state + state.json; latest.json points at the newest
 *   samples/epoch-NNNN.png           8x8 grid from a fixed z
 *   history.json                     one record per epoch
 *   generator/, discriminator/       final models (TF.js layers format), card.json (what, on what, how long)
 * A rerun with the same folder resumes from latest.json (at most the interrupted epoch is lost), and
 * returns at once when card.json says the run is complete.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import type { GanConfig, TransferConfig } from "../config/experiment.js";
import { imageGrid, saveImagePng } from "../data/encode.js";
import type { ImageArray } from "../data/image.js";
import { imagesToTensor, tensorToImagesAsync } from "../data/tensor.js";
import { readJson, writeJsonAtomic } from "../util/fs.js";
import { info, warn } from "../util/log.js";
import { progress } from "../util/progress.js";
import { createRng } from "../util/random.js";
import {
  CHECKPOINT_FOLDERS,
  GAN_FOLDERS,
  loadGanPair,
  loadLayersModel,
  loadOptimizerState,
  newestIntactCheckpoint,
  removeStaleTempDirs,
  saveLayersModel,
  saveOptimizerState,
} from "./checkpoint.js";
import { diffAugment, type AugmentPolicy } from "./augment.js";
import { copyWeights, emaDecay, updateEma } from "./ema.js";
import { buildGenerator, createGanPair, disposeGanPair, sampleLatent, trainStepAsync, type Augmenter, type DcganArch, type GanPair, type LatentPrior } from "./dcgan.js";
import { describeDifference, recordDifferences, type StageRecord } from "../util/reuse.js";

/**
 * A training run's settings. The hyper-parameters are the config's `gan` fields (and `gan.transfer.freezeD`),
 * documented on the schema (../config/experiment.ts); `minSteps`, `augment`, `freezeD` and `ema` may
 * be left out (off).
 */
export interface TrainOptions
  extends Pick<GanConfig, "epochs" | "batchSize" | "lr" | "beta1" | "latentPrior" | "flip" | "checkpointEvery">,
    Partial<Pick<GanConfig, "minSteps" | "ema">>,
    Partial<Pick<TransferConfig, "freezeD">> {
  arch: DcganArch;
  /** DiffAugment policies applied before D to real and generated images (./augment.ts); absent or empty = none. */
  augment?: Readonly<GanConfig["augment"]>;
  /**
   * Start from a trained GAN instead of a random initialisation (Wang et al. 2018, "Transferring
   * GANs"): its generator/ and discriminator/ folders are loaded (fresh optimizer state). `fingerprint`
   * identifies those weights (a resume or a skip must find the same).
   */
  init?: { from: string; fingerprint: string };
  seed: number;
  /** Checkpoints kept on disk (older ones are removed). Default 2. */
  keepCheckpoints?: number;
  /** Extra fields for the model card (data folder, cluster id, commit, ...). */
  card?: Record<string, unknown>;
  /**
   * Ids of `images`, in order (dataset relative paths). Recorded in the settings, so a skip or a
   * resume with other images is refused, not only one with another image count. Optional.
   */
  imageIds?: readonly string[];
  /** Label for progress lines ("general", "cluster 2"). */
  label?: string;
  /** Called after every epoch. */
  onEpoch?: (record: EpochRecord) => void;
}

export interface EpochRecord {
  epoch: number;
  steps: number;
  lossD: number;
  lossG: number;
  dReal: number;
  dFake: number;
  seconds: number;
  imagesPerSecond: number;
  /** Mean pairwise distance of fixed-z samples over that of real images (about 1 is healthy; near 0 is mode collapse). */
  diversity: number | null;
  warnings: string[];
}

export interface TrainResult {
  outDir: string;
  history: EpochRecord[];
  /** Epoch resumed from (0 = fresh start); null when the run was already complete. */
  resumedFrom: number | null;
  epochs: number;
  seconds: number;
  warnings: string[];
}

interface LatestPointer {
  epoch: number;
  dir: string;
}

/** Thrown when training diverges (NaN); the last good checkpoint stays on disk. */
export class TrainingDivergedError extends Error {}

export function plannedEpochs(n: number, opts: Pick<TrainOptions, "epochs" | "minSteps" | "batchSize">): number {
  const stepsPerEpoch = stepsPerEpochFor(n, opts.batchSize);
  const minSteps = opts.minSteps ?? 0;
  return Math.max(opts.epochs, minSteps > 0 ? Math.ceil(minSteps / stepsPerEpoch) : 0);
}

/** Steps per epoch: full batches, plus the last partial one when it holds at least half a batch. */
export function stepsPerEpochFor(n: number, batchSize: number): number {
  const b = Math.min(batchSize, n);
  const full = Math.floor(n / b);
  return full + (n - full * b >= Math.ceil(b / 2) ? 1 : 0);
}

const SAMPLE_COUNT = 64;

/** Train (or resume, or return a finished run) on `images` (values in [-1, 1], side = arch.imageSize). */
export async function trainGan(images: ImageArray[], outDir: string, opts: TrainOptions): Promise<TrainResult> {
  const label = opts.label ?? path.basename(outDir);
  if (images.length < 2) throw new Error(`${label}: needs at least 2 training images, got ${images.length}`);
  const S = opts.arch.imageSize;
  for (const [i, im] of images.entries()) {
    if (im.width !== S || im.height !== S || im.channels !== opts.arch.channels) {
      throw new Error(`${label}: image ${i} is ${im.width}x${im.height}x${im.channels}, the GAN expects ${S}x${S}x${opts.arch.channels}`);
    }
  }
  const cardFile = path.join(outDir, "card.json");
  const settings = trainingSettings(images.length, opts);
  if (existsSync(cardFile)) {
    const card = await readJson<{ status?: string; history?: EpochRecord[]; epochs?: number; seconds?: number; warnings?: string[]; settings?: unknown }>(cardFile);
    if (card.status === "complete") {
      assertSameSettings(cardFile, card.settings, settings);
      info(`${label}: already trained (${cardFile}); skipping`);
      return { outDir, history: card.history ?? [], resumedFrom: null, epochs: card.epochs ?? 0, seconds: card.seconds ?? 0, warnings: card.warnings ?? [] };
    }
  }
  const epochs = plannedEpochs(images.length, opts);
  const batch = Math.min(opts.batchSize, images.length);
  const steps = stepsPerEpochFor(images.length, opts.batchSize);
  const pair = createGanPair(opts.arch, { lr: opts.lr, beta1: opts.beta1 }, opts.seed);
  const data = imagesToTensor(images);
  const fixedZ = sampleLatent(SAMPLE_COUNT, opts.arch.nz, opts.latentPrior, opts.seed + 7);
  const realDiversity = meanPairwiseDistance(images.slice(0, SAMPLE_COUNT));
  let history: EpochRecord[] = [];
  let emaG: tf.Sequential | null = null;
  let start = 0;
  let seconds = 0;
  try {
    const resumed = await tryResume(outDir, pair, settings);
    if (resumed) {
      start = resumed.epoch;
      history = resumed.history.slice(0, start);
      seconds = history.reduce((s, h) => s + h.seconds, 0);
      info(`${label}: resuming after epoch ${start} of ${epochs}`);
    } else if (opts.init) {
      await loadInitialWeights(pair, opts.init.from);
      info(`${label}: starting from the trained GAN in ${opts.init.from}`);
    }
    if (opts.freezeD) freezeDiscriminatorBlocks(pair.D, opts.freezeD);
    if (opts.ema) {
      emaG = buildGenerator(opts.arch, opts.seed);
      const saved = resumed ? path.join(outDir, "checkpoints", resumed.dir, "Gema") : null;
      if (saved && existsSync(path.join(saved, "model.json"))) {
        const loaded = await loadLayersModel(saved);
        copyWeights(emaG, loaded);
        loaded.dispose();
      } else {
        if (saved) warn(`${label}: checkpoint has no averaged generator (Gema); the average restarts from the current weights`);
        copyWeights(emaG, pair.G);
      }
    }
    const sampler = () => emaG ?? pair.G;
    const keep = opts.keepCheckpoints ?? 2;
    for (let epoch = start + 1; epoch <= epochs; epoch++) {
      const rec = await runEpoch(pair, data, { ...opts, batch, steps, epoch, epochs, label, emaG });
      if (rec.seconds > 0) seconds += rec.seconds;
      const isCheckpoint = epoch % opts.checkpointEvery === 0 || epoch === epochs;
      if (isCheckpoint) {
        const samples = tf.tidy(() => sampler().apply(fixedZ, { training: false }) as tf.Tensor4D);
        const sampleImages = await tensorToImagesAsync(samples);
        samples.dispose();
        rec.diversity = realDiversity > 0 ? meanPairwiseDistance(sampleImages) / realDiversity : null;
        // Judged only after some training: an untrained G in inference mode gives near-constant output.
        if (rec.diversity !== null && rec.diversity < 0.15 && epoch * steps >= 100) {
          rec.warnings.push(`mode collapse suspected: sample diversity ${rec.diversity.toFixed(3)} of the data's`);
        }
        await saveImagePng(imageGrid(sampleImages, 8), path.join(outDir, "samples", `epoch-${pad4(epoch)}.png`));
      }
      for (const w of rec.warnings) warn(`${label} epoch ${epoch}: ${w}`);
      history.push(rec);
      if (isCheckpoint) await writeCheckpoint(outDir, pair, epoch, history, keep, settings, emaG);
      else await writeJsonAtomic(path.join(outDir, "history.json"), history);
      opts.onEpoch?.(rec);
    }
    await saveLayersModel(sampler(), path.join(outDir, GAN_FOLDERS.G));
    await saveLayersModel(pair.D, path.join(outDir, GAN_FOLDERS.D));
    const warnings = summarizeWarnings(history);
    await writeJsonAtomic(cardFile, {
      status: "complete",
      kind: "dcgan",
      settings,
      label,
      arch: opts.arch,
      training: {
        epochs,
        batchSize: batch,
        stepsPerEpoch: steps,
        lr: opts.lr,
        beta1: opts.beta1,
        latentPrior: opts.latentPrior,
        flip: opts.flip,
        seed: opts.seed,
        augment: opts.augment ?? [],
        init: opts.init ?? null,
        freezeD: opts.freezeD ?? 0,
        ema: opts.ema ?? 0,
      },
      images: images.length,
      seconds,
      epochs,
      backend: tf.getBackend(),
      finishedAt: new Date().toISOString(),
      ...opts.card,
      warnings,
      history,
    });
    return { outDir, history, resumedFrom: start, epochs, seconds, warnings };
  } finally {
    tf.dispose([data, fixedZ]);
    emaG?.dispose();
    disposeGanPair(pair);
  }
}

/** One epoch; statistics are read asynchronously so that it runs on the webgpu backend too. */
async function runEpoch(
  pair: GanPair,
  data: tf.Tensor4D,
  o: TrainOptions & { batch: number; steps: number; epoch: number; epochs: number; label: string; emaG: tf.LayersModel | null },
): Promise<EpochRecord> {
  const n = data.shape[0];
  const rng = createRng(o.seed * 1_000_003 + o.epoch);
  // Augmentation draws from its own stream, so runs without it keep their random sequence.
  const augRng = createRng((o.seed * 1_000_003 + o.epoch) ^ 0x5a17);
  const policies = o.augment ?? [];
  const augment: Augmenter | undefined = policies.length ? (x) => diffAugment(x, policies, augRng) : undefined;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const bar = progress(`${o.label} epoch ${o.epoch}/${o.epochs}`, o.steps);
  const t0 = Date.now();
  let sD = 0;
  let sG = 0;
  let sR = 0;
  let sF = 0;
  let seen = 0;
  const warnings: string[] = [];
  for (let s = 0; s < o.steps; s++) {
    const idx = order.slice(s * o.batch, Math.min(n, (s + 1) * o.batch));
    const flips = idx.map(() => o.flip && rng.next() < 0.5);
    const real = tf.tidy(() => {
      const x = tf.gather(data, tf.tensor1d(idx, "int32")) as tf.Tensor4D;
      if (!flips.some(Boolean)) return x;
      const cond = tf.reshape(tf.tensor1d(flips.map((f) => (f ? 1 : 0)), "bool"), [idx.length, 1, 1, 1]);
      return tf.where(tf.broadcastTo(cond, x.shape), tf.reverse(x, 2), x) as tf.Tensor4D;
    });
    const z = sampleLatent(idx.length, pair.arch.nz, o.latentPrior, Math.floor(rng.next() * 2 ** 31));
    const st = await trainStepAsync(pair, real, z, augment).finally(() => tf.dispose([real, z]));
    if (o.emaG && o.ema) updateEma(o.emaG, pair.G, emaDecay(o.ema, (o.epoch - 1) * o.steps + s + 1));
    if (!Number.isFinite(st.lossD) || !Number.isFinite(st.lossG)) {
      bar.stop();
      throw new TrainingDivergedError(
        `${o.label}: loss became NaN/infinite at epoch ${o.epoch}, step ${s + 1} (lossD ${st.lossD}, lossG ${st.lossG}); ` +
          `the last checkpoint is kept; try a lower learning rate`,
      );
    }
    sD += st.lossD;
    sG += st.lossG;
    sR += st.dReal;
    sF += st.dFake;
    seen += idx.length;
    const secs = (Date.now() - t0) / 1000;
    bar.tick(1, `D ${st.lossD.toFixed(3)} G ${st.lossG.toFixed(3)} ${(seen / Math.max(secs, 1e-9)).toFixed(1)} img/s`);
  }
  const secondsTaken = (Date.now() - t0) / 1000;
  const rec: EpochRecord = {
    epoch: o.epoch,
    steps: o.steps,
    lossD: sD / o.steps,
    lossG: sG / o.steps,
    dReal: sR / o.steps,
    dFake: sF / o.steps,
    seconds: secondsTaken,
    imagesPerSecond: seen / Math.max(secondsTaken, 1e-9),
    diversity: null,
    warnings,
  };
  if (rec.lossD < 0.01) {
    warnings.push(`discriminator loss collapsed to ${rec.lossD.toExponential(2)}: G gets almost no gradient (D wins)`);
  }
  bar.stop(`D ${rec.lossD.toFixed(3)} G ${rec.lossG.toFixed(3)} D(x) ${rec.dReal.toFixed(2)} D(G(z)) ${rec.dFake.toFixed(2)} ${rec.imagesPerSecond.toFixed(1)} img/s`);
  return rec;
}

/**
 * One line per kind of warning (the text before the first ":"), with how many epochs raised it and
 * when first, e.g. "mode collapse suspected: 14 of 225 epochs, first at epoch 120".
 */
export function summarizeWarnings(history: readonly EpochRecord[]): string[] {
  const kinds = new Map<string, { count: number; first: number }>();
  for (const h of history) {
    for (const w of h.warnings) {
      const kind = w.split(":")[0]!.replace(/ to [-0-9.e]+$/, "");
      const k = kinds.get(kind);
      if (k) k.count++;
      else kinds.set(kind, { count: 1, first: h.epoch });
    }
  }
  return [...kinds].map(([kind, k]) => `${kind}: ${k.count} of ${history.length} epochs, first at epoch ${k.first}`);
}

/** Mean Euclidean distance over all pairs (images as flat vectors). */
export function meanPairwiseDistance(images: readonly ImageArray[]): number {
  let s = 0;
  let count = 0;
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) {
      const a = images[i]!.data;
      const b = images[j]!.data;
      let d = 0;
      for (let k = 0; k < a.length; k++) d += (a[k]! - b[k]!) ** 2;
      s += Math.sqrt(d);
      count++;
    }
  }
  return count ? s / count : 0;
}

/** Everything that decides a training run's result; a resume or a skip must find the same. */
export interface TrainingSettings {
  arch: DcganArch;
  images: number;
  epochs: number;
  batchSize: number;
  lr: number;
  beta1: number;
  latentPrior: LatentPrior;
  flip: boolean;
  seed: number;
  /** Present only when used (settings of runs without them stay as they were). */
  augment?: AugmentPolicy[];
  init?: { from: string; fingerprint: string };
  freezeD?: number;
  ema?: number;
  /** The training images' ids, in order (absent when not given, and in runs made before they were recorded). */
  imageIds?: string[];
}

export function trainingSettings(n: number, opts: TrainOptions): TrainingSettings {
  return {
    arch: opts.arch,
    images: n,
    epochs: plannedEpochs(n, opts),
    batchSize: opts.batchSize,
    lr: opts.lr,
    beta1: opts.beta1,
    latentPrior: opts.latentPrior,
    flip: opts.flip,
    seed: opts.seed,
    ...(opts.augment?.length ? { augment: [...opts.augment] } : {}),
    ...(opts.init ? { init: { from: opts.init.from, fingerprint: opts.init.fingerprint } } : {}),
    ...(opts.freezeD ? { freezeD: opts.freezeD } : {}),
    ...(opts.ema ? { ema: opts.ema } : {}),
    ...(opts.imageIds ? { imageIds: [...opts.imageIds] } : {}),
  };
}

/** Copy the G and D saved in `dir/<folders>` (`loadGanPair`) into `pair`, layer by layer; `mismatch` words the error. */
async function copySavedWeights(dir: string, folders: { G: string; D: string }, pair: GanPair, mismatch: (src: string) => string): Promise<void> {
  const saved = await loadGanPair(dir, folders);
  try {
    copyLayerWeights(saved.G, pair.G, mismatch(path.join(dir, folders.G)));
    copyLayerWeights(saved.D, pair.D, mismatch(path.join(dir, folders.D)));
  } finally {
    saved.G.dispose();
    saved.D.dispose();
  }
}

/** Load a trained GAN's weights into `pair` (the architectures must match). */
async function loadInitialWeights(pair: GanPair, dir: string): Promise<void> {
  for (const sub of [GAN_FOLDERS.G, GAN_FOLDERS.D]) {
    const src = path.join(dir, sub);
    if (!existsSync(path.join(src, "model.json"))) throw new Error(`${src}: no trained model to start from (train it first)`);
  }
  await copySavedWeights(dir, GAN_FOLDERS, pair, (src) => `${src} does not match the configured architecture (gan.arch); it cannot be the starting point`);
}

/**
 * Copy weights layer by layer, matched by layer name: a model's flat weight order puts trainable
 * weights first, so it changes when layers are frozen (FreezeD); a layer's own order does not.
 */
function copyLayerWeights(src: tf.LayersModel, dst: tf.LayersModel, mismatch: string): void {
  const byName = new Map(src.layers.map((l) => [l.name, l]));
  const pairs: [tf.layers.Layer, tf.Tensor[]][] = [];
  for (const layer of dst.layers) {
    const own = layer.getWeights();
    if (own.length === 0) continue;
    const from = byName.get(layer.name)?.getWeights() ?? [];
    if (from.length !== own.length || from.some((w, i) => w.shape.join("x") !== own[i]!.shape.join("x"))) throw new Error(`${mismatch} (layer ${layer.name})`);
    pairs.push([layer, from]);
  }
  for (const [layer, w] of pairs) layer.setWeights(w);
}

/** Mark D's first `n` convolution blocks (conv + batch norm) as not trainable (FreezeD). */
export function freezeDiscriminatorBlocks(D: tf.LayersModel, n: number): void {
  for (const layer of D.layers) {
    const m = /^d_(?:conv|bn)(\d+)$/.exec(layer.name);
    if (m && Number(m[1]) < n) layer.trainable = false;
  }
}

/** A training record without the starting GAN's folder: its fingerprint (the weights' hash) says what it was, so a moved run folder is still the same run. */
function withoutInitFolder(r: StageRecord): StageRecord {
  const init = r.init as { from?: unknown } | undefined;
  if (!init || typeof init !== "object") return r;
  const { from: _from, ...rest } = init;
  return { ...r, init: rest };
}

function assertSameSettings(file: string, saved: unknown, now: TrainingSettings): void {
  if (saved === undefined) return; // written before settings were recorded
  // imageIds: not compared when the record has none (older runs) or when none are given now
  const wanted = withoutInitFolder(now as unknown as StageRecord);
  const recorded = withoutInitFolder(saved as StageRecord);
  const diff = recordDifferences(recorded, now.imageIds ? wanted : { ...wanted, imageIds: recorded.imageIds }, { legacy: ["imageIds"] });
  if (diff.length) {
    throw new Error(`${file} was trained with other settings: ${diff.map(describeDifference).join("; ")}. Use another output folder or delete it`);
  }
}

function pad4(n: number): string {
  return String(n).padStart(4, "0");
}

async function writeCheckpoint(
  outDir: string,
  pair: GanPair,
  epoch: number,
  history: EpochRecord[],
  keep: number,
  settings: TrainingSettings,
  emaG: tf.LayersModel | null,
): Promise<void> {
  const root = path.join(outDir, "checkpoints");
  const name = `epoch-${pad4(epoch)}`;
  const tmp = path.join(root, `${name}.tmp-${process.pid}`);
  await fsp.rm(tmp, { recursive: true, force: true });
  await saveLayersModel(pair.G, path.join(tmp, CHECKPOINT_FOLDERS.G));
  await saveLayersModel(pair.D, path.join(tmp, CHECKPOINT_FOLDERS.D));
  if (emaG) await saveLayersModel(emaG, path.join(tmp, "Gema"));
  await saveOptimizerState(pair.optG, path.join(tmp, "optG"));
  await saveOptimizerState(pair.optD, path.join(tmp, "optD"));
  await writeJsonAtomic(path.join(tmp, "state.json"), { epoch, history, settings });
  const final = path.join(root, name);
  await fsp.rm(final, { recursive: true, force: true });
  await fsp.rename(tmp, final);
  await writeJsonAtomic(path.join(outDir, "history.json"), history);
  await writeJsonAtomic(path.join(root, "latest.json"), { epoch, dir: name } satisfies LatestPointer);
  const all = (await fsp.readdir(root)).filter((d) => /^epoch-\d+$/.test(d)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    await fsp.rm(path.join(root, old), { recursive: true, force: true });
  }
}

async function tryResume(outDir: string, pair: GanPair, settings: TrainingSettings): Promise<{ epoch: number; history: EpochRecord[]; dir: string } | null> {
  const root = path.join(outDir, "checkpoints");
  const stale = await removeStaleTempDirs(root);
  if (stale.length) info(`${outDir}: removed ${stale.length} unfinished checkpoint write(s) left by a killed run (${stale.join(", ")})`);
  const latestFile = path.join(root, "latest.json");
  if (!existsSync(latestFile)) return null;
  let preferred: string | undefined;
  try {
    preferred = (await readJson<LatestPointer>(latestFile)).dir;
  } catch (err) {
    warn(`${(err as Error).message}; looking for the newest intact checkpoint instead`);
  }
  // verify before loading: a truncated weights.bin falls back to the newest intact checkpoint
  const pick = await newestIntactCheckpoint(root, preferred);
  for (const d of pick.damaged) {
    const aside = path.join(root, `${d.dir}.damaged`);
    if (existsSync(path.join(root, d.dir))) {
      await fsp.rm(aside, { recursive: true, force: true });
      await fsp.rename(path.join(root, d.dir), aside);
    }
    warn(`checkpoint ${path.join(root, d.dir)} is damaged (${d.reason}); moved to ${aside}`);
  }
  if (!pick.dir) {
    if (pick.damaged.length === 0) return null;
    throw new Error(`${root}: no intact checkpoint to resume from (${pick.damaged.map((d) => d.reason).join("; ")}); delete ${outDir} to train from scratch`);
  }
  if (pick.damaged.length > 0) info(`${outDir}: resuming from the newest intact checkpoint, ${pick.dir}`);
  const dir = path.join(root, pick.dir);
  const state = await readJson<{ epoch: number; history: EpochRecord[]; settings?: unknown }>(path.join(dir, "state.json"));
  assertSameSettings(path.join(dir, "state.json"), state.settings, settings);
  await copySavedWeights(dir, CHECKPOINT_FOLDERS, pair, (src) => `checkpoint ${src} does not match the configured architecture; use another --out or delete it`);
  await loadOptimizerState(pair.optG, path.join(dir, "optG"));
  await loadOptimizerState(pair.optD, path.join(dir, "optD"));
  return { epoch: state.epoch, history: state.history, dir: pick.dir };
}
