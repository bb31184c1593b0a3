/**
 * Completion methods compared by the study. Each takes a group of cases and returns the completed
 * images (values in [-1, 1], the GAN's range) with per-case details.
 *
 * - GAN methods (general, clustered, oracle-cluster) run Yeh et al.'s latent search with the chosen
 *   generator/discriminator, then Poisson-blend (or paste) the generated pixels into the hole.
 * - The classic method is a non-learned inpainting (Telea's fast marching), the floor to beat.
 */
import type { CompletionConfig } from "../config/experiment.js";
import type { ImageArray } from "../data/image.js";
import type { LoadedGanPair } from "../gan/checkpoint.js";
import { completeBatch } from "../inpaint/complete.js";
import type { SemanticCompletionOptions } from "../inpaint/semantic.js";
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

/** `completion.batchImages` and `poisson`: the config's `completion` fields (../config/experiment.ts). */
export interface GanMethodOptions extends Pick<CompletionConfig, "poisson"> {
  completion: Omit<SemanticCompletionOptions, "seed" | "onStep"> & Pick<CompletionConfig, "batchImages">;
  seed: number;
  /** Progress callback per latent step of each group. */
  onStep?: (step: number, loss: number) => void;
}

/** A GAN method: `pick` names the model for a case; `models` loads (and caches) it. */
export function ganMethod(
  name: string,
  pick: (c: StudyCase) => string,
  models: (group: string) => Promise<LoadedGanPair>,
  opts: GanMethodOptions,
): CompletionMethod {
  return {
    name,
    groupOf: pick,
    batchSize: opts.completion.batchImages,
    async complete(group, cases) {
      const { G, D } = await models(group);
      const t0 = Date.now();
      const { completed } = await completeBatch(
        G,
        D,
        cases.map((c) => c.image),
        cases.map((c) => c.mask),
        { ...opts.completion, seed: opts.seed, onStep: opts.onStep, blend: opts.poisson },
      );
      const seconds = (Date.now() - t0) / 1000 / cases.length;
      return completed.map((r) => ({ image: r.image, generated: r.generated, model: group, loss: r.loss, seconds }));
    },
  };
}
