/**
 * Completing damaged paintings: one home for the steps the study (lib/study/methods.ts,
 * lib/pipeline/study-stage.ts) and `heritage complete` share.
 * - `holeToZero`: the damaged input as a method sees it (hole pixels 0, never the true values).
 * - `routeVisible`: the cluster of a damaged painting from its visible pixels (the predicted cluster).
 * - `ganPairCache`: GAN folders' generator and discriminator (lib/gan/checkpoint.ts `loadGanPair`),
 *   one pair in memory.
 * - `completeBatch`: zero the hole, Yeh et al.'s latent search (./semantic.ts), then Poisson-blend
 *   (./poisson.ts) or paste the generated pixels into the hole. Tensors are freed and read
 *   asynchronously inside semanticComplete, so this runs on webgpu and keeps memory flat.
 */
import type * as tf from "@tensorflow/tfjs";
import { routeFeatures, type RoutingModel } from "../cluster/model.js";
import type { ImageArray, Mask } from "../data/image.js";
import { loadGanPair, type LoadedGanPair } from "../gan/checkpoint.js";
import { neutralFill, type NeutralFill } from "./neutral-fill.js";
import { poissonBlend } from "./poisson.js";
import { pasteIntoHole, semanticComplete, type SemanticCompletionOptions } from "./semantic.js";

/** The damaged input as a method sees it: hole pixels set to 0 (mid-grey), never the true values. */
export function holeToZero(img: ImageArray, mask: { data: Uint8Array }): ImageArray {
  const data = Float32Array.from(img.data);
  const c = img.channels;
  for (let p = 0; p < mask.data.length; p++) if (mask.data[p]) for (let k = 0; k < c; k++) data[p * c + k] = 0;
  return { ...img, data };
}

/** The part of a feature extractor routing needs (structurally a `FeatureExtractor`). */
export interface VisibleExtractor {
  extract(images: ImageArray[]): Promise<Float32Array[]>;
}

/**
 * Route damaged paintings to a cluster of `model` from their visible pixels only: the hole is
 * zeroed, then filled from the visible pixels (`neutralFill`, smooth "blur" unless `fill` says
 * "mean"), features are extracted and the nearest centre is taken (`routeFeatures`). Images and
 * masks must already be at the extractor's input size. Returns one cluster index per image.
 * The study, `heritage complete` and the routing accuracy (lib/cluster/route.ts) all route here.
 */
export async function routeVisible(
  model: RoutingModel,
  extractor: VisibleExtractor,
  images: readonly ImageArray[],
  masks: readonly Mask[],
  fill: NeutralFill = "blur",
): Promise<number[]> {
  if (masks.length !== images.length) throw new Error(`routeVisible: ${images.length} images but ${masks.length} masks`);
  const filled = images.map((im, i) => neutralFill(holeToZero(im, masks[i]!), masks[i]!, fill));
  const feats = await extractor.extract(filled);
  return feats.map((f) => routeFeatures(model, f));
}

/** One completed image of `completeBatch`. */
export interface BatchCompletion {
  /** The hole filled (blended or pasted), known pixels unchanged; values in [-1, 1]. */
  image: ImageArray;
  /** The damaged input the search saw (hole set to 0). */
  damaged: ImageArray;
  /** Raw generator output G(z*) before blending. */
  generated: ImageArray;
  loss: number;
  context: number;
  prior: number;
}

/**
 * Complete a batch of same-size images (values in [-1, 1], side = G's output side; mask 1 =
 * missing) with generator G and discriminator D: zero the hole, run the latent search, then
 * Poisson-blend (`blend: true`) or paste the generated pixels into the hole.
 */
export async function completeBatch(
  G: tf.LayersModel,
  D: tf.LayersModel,
  images: readonly ImageArray[],
  masks: readonly Mask[],
  opts: SemanticCompletionOptions & { blend: boolean },
): Promise<{ completed: BatchCompletion[]; history: { step: number; loss: number }[] }> {
  const damaged = images.map((im, i) => holeToZero(im, masks[i]!));
  const { blend, ...search } = opts;
  const res = await semanticComplete(G, D, damaged, [...masks], search);
  const completed = damaged.map((d, i) => {
    const generated = res.generated[i]!;
    const m = masks[i]!;
    const image = blend ? poissonBlend(generated, d, m, { clamp: [-1, 1] }) : pasteIntoHole(d, generated, m);
    return { image, damaged: d, generated, loss: res.loss[i]!, context: res.context[i]!, prior: res.prior[i]! };
  });
  return { completed, history: res.history };
}

/**
 * Keeps the most recently used GAN pair in memory (cases are completed group by group, so one
 * pair at a time keeps memory flat); `release` frees it. `dirs` maps job names to GAN folders.
 */
export function ganPairCache(dirs: ReadonlyMap<string, string>): { get: (name: string) => Promise<LoadedGanPair>; release: () => void } {
  let current: { name: string; models: LoadedGanPair } | null = null;
  const release = (): void => {
    if (current) {
      current.models.G.dispose();
      current.models.D.dispose();
      current = null;
    }
  };
  const get = async (name: string): Promise<LoadedGanPair> => {
    if (current?.name === name) return current.models;
    release();
    const dir = dirs.get(name);
    if (!dir) throw new Error(`no trained model "${name}" (was its cluster too small to train?)`);
    const models = await loadGanPair(dir);
    current = { name, models };
    return models;
  };
  return { get, release };
}
