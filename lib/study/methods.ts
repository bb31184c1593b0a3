/**
 * Completion methods compared by the study. Each takes a group of cases and returns the completed
 * images (values in [-1, 1], the GAN's range) with per-case details.
 *
 * - GAN methods (general, clustered, oracle-cluster) run Yeh et al.'s latent search with the chosen
 *   generator/discriminator, then Poisson-blend (or paste) the generated pixels into the hole.
 * - The classic method is a non-learned inpainting (Telea's fast marching), the floor to beat.
 */
import type * as tf from "@tensorflow/tfjs";
import type { ImageArray } from "../data/image.js";
import { poissonBlend } from "../inpaint/poisson.js";
import { pasteIntoHole, semanticComplete, type SemanticCompletionOptions } from "../inpaint/semantic.js";
import type { StudyCase } from "./cases.js";

export interface Completed {
  /** Completed image, values in [-1, 1]. */
  image: ImageArray;
  /** Raw generator output before blending (GAN methods). */
  generated?: ImageArray;
  /** Which model completed it ("general", "cluster 3", "telea"). */
  model: string;
  /** Final latent-search loss (GAN methods). */
  loss?: number;
  seconds: number;
}

export interface CompletionMethod {
  name: string;
  /** Which model (group) a case goes to; cases of a group are completed together. */
  groupOf(c: StudyCase): string;
  /** Cases completed per call (a group is split into chunks of this size). Default: the whole group. */
  batchSize?: number;
  complete(group: string, cases: StudyCase[]): Promise<Completed[]>;
}

export interface GanPairModels {
  G: tf.LayersModel;
  D: tf.LayersModel;
}

export interface GanMethodOptions {
  completion: Omit<SemanticCompletionOptions, "seed" | "onStep"> & { batchImages: number };
  /** Poisson-blend the generated pixels (else paste them). */
  poisson: boolean;
  seed: number;
  /** Progress callback per latent step of each group. */
  onStep?: (step: number, loss: number) => void;
}

/** A GAN method: `pick` names the model for a case; `models` loads (and caches) it. */
export function ganMethod(
  name: string,
  pick: (c: StudyCase) => string,
  models: (group: string) => Promise<GanPairModels>,
  opts: GanMethodOptions,
): CompletionMethod {
  return {
    name,
    groupOf: pick,
    batchSize: opts.completion.batchImages,
    async complete(group, cases) {
      const { G, D } = await models(group);
      const t0 = Date.now();
      const signed = cases.map((c) => holeToZero(c.image, c.mask));
      const res = await semanticComplete(
        G,
        D,
        signed,
        cases.map((c) => c.mask),
        { ...opts.completion, seed: opts.seed, onStep: opts.onStep },
      );
      const seconds = (Date.now() - t0) / 1000 / cases.length;
      return cases.map((c, i) => {
        const generated = res.generated[i]!;
        const image = opts.poisson
          ? poissonBlend(generated, signed[i]!, c.mask, { clamp: [-1, 1] })
          : pasteIntoHole(signed[i]!, generated, c.mask);
        return { image, generated, model: group, loss: res.loss[i]!, seconds };
      });
    },
  };
}

/** The damaged input as a method sees it: hole pixels set to 0 (mid-grey), never the true values. */
export function holeToZero(img: ImageArray, mask: { data: Uint8Array }): ImageArray {
  const data = Float32Array.from(img.data);
  const c = img.channels;
  for (let p = 0; p < mask.data.length; p++) if (mask.data[p]) for (let k = 0; k < c; k++) data[p * c + k] = 0;
  return { ...img, data };
}
