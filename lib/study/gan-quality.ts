/**
 * How good a trained GAN's samples are, without a completion task: the KID (../metrics/kid.ts)
 * between N samples of the generator and a set of real paintings, in the feature space of an
 * offline ImageNet CNN.
 *
 * Features: by default MobileNetV2 blocks 0-10 (ImageNet weights shipped in nsfwjs,
 * "mobilenet_v2_block10-nsfwjs", 384 dims), NOT the Inception-v3 pool3 features of published
 * KID/FID numbers: values are only comparable with each other (same extractor, same image size),
 * never with the literature.
 *
 * Both sets go through the same path: images at the GAN's side (the real ones decoded at that size,
 * as the GAN saw them in training), resized bilinearly to the extractor's input side, then the
 * extractor. Samples are drawn in inference mode (batch norm with its moving statistics, as the
 * completion uses G) from a fixed seed, so every GAN of a run sees the same z's.
 */
import * as tf from "@tensorflow/tfjs";
import path from "node:path";
import type { ImageArray } from "../data/image.js";
import { imagesToTensor, tensorToImagesAsync } from "../data/tensor.js";
import type { FeatureExtractor } from "../features/extractor.js";
import { GAN_FOLDERS, loadLayersModel } from "../gan/checkpoint.js";
import { sampleLatent, type LatentPrior } from "../gan/dcgan.js";
import { inferenceForward } from "../gan/inference.js";
import { kid, type KidResult } from "../metrics/kid.js";
import { readJson } from "../util/fs.js";

/** The feature extractor KID uses unless told otherwise. */
export const KID_FEATURES = "mobilenet_v2_block10-nsfwjs";

/** Said wherever KID values are shown. */
export const KID_FEATURES_NOTE =
  "KID on MobileNetV2 block-10 features (ImageNet weights from nsfwjs), not Inception-v3: compare these values with each other, not with published KID";

export interface SampleOptions {
  /** Latent length of the generator. */
  nz: number;
  prior: LatentPrior;
  /** Seed of the z's (the same seed gives the same z's for every generator with this nz). */
  seed: number;
  /** Images generated per forward pass. Default 16. */
  batch?: number;
}

/**
 * N images from G in inference mode, values in [-1, 1] (HWC). Every tensor is disposed. Reads back
 * asynchronously, so it runs on backends without synchronous reads (webgpu).
 */
export async function sampleGenerator(G: tf.LayersModel, n: number, opts: SampleOptions): Promise<ImageArray[]> {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`sampleGenerator: n must be a positive integer, got ${n}`);
  const batch = opts.batch ?? 16;
  const forward = inferenceForward(G);
  const z = sampleLatent(n, opts.nz, opts.prior, opts.seed);
  try {
    const out: ImageArray[] = [];
    for (let i = 0; i < n; i += batch) {
      const imgs = tf.tidy(() => forward(tf.slice(z, [i, 0], [Math.min(batch, n - i), opts.nz])));
      try {
        out.push(...(await tensorToImagesAsync(imgs)));
      } finally {
        imgs.dispose();
      }
    }
    return out;
  } finally {
    z.dispose();
  }
}

/** Features of `images` (any one side) resized bilinearly to the extractor's input side, in batches. */
export async function featuresAtInputSize(ex: FeatureExtractor, images: readonly ImageArray[], batch = 16): Promise<Float32Array[]> {
  const S = ex.inputSize;
  const out: Float32Array[] = [];
  for (let i = 0; i < images.length; i += batch) {
    const chunk = images.slice(i, i + batch);
    let big: ImageArray[] = chunk;
    if (!(chunk[0]!.width === S && chunk[0]!.height === S)) {
      const t = tf.tidy(() => tf.image.resizeBilinear(imagesToTensor(chunk), [S, S], false, true));
      try {
        big = await tensorToImagesAsync(t);
      } finally {
        t.dispose();
      }
    }
    out.push(...(await ex.extract(big)));
  }
  return out;
}

/** Which real images a GAN was measured against. */
export type KidAgainst = "held-out" | "training";

export interface GanKidOptions {
  /** Generated images. */
  samples: number;
  /** Seed of the z's and of the bootstrap. */
  seed: number;
  /** Bootstrap resamples for the interval. Default 1000. */
  bootstrap?: number;
  /** Batch for generation and extraction. Default 16. */
  batch?: number;
}

/** One GAN's KID as written into its card.json (`card.kid`) and the run summary. */
export interface GanKid {
  /** Unbiased KID of the full sets, and its 95 % percentile-bootstrap interval. */
  value: number;
  low: number;
  high: number;
  sd: number;
  /** Generated samples and real images. */
  n: number;
  nReal: number;
  /** "held-out": the cluster's held-out paintings; "training": its training images (no held-out ones in that cluster). */
  against: KidAgainst;
  /** Feature extractor id, and the reminder that it is not Inception. */
  features: string;
  featuresNote: string;
  seed: number;
  bootstrap: number;
  /** Real-vs-real floor: KID of the held-out against the training images of the same cluster (null when measured against training images). */
  floor: { value: number; low: number; high: number; nHeldOut: number; nTraining: number } | null;
}

/** Latent size and prior of a trained model folder, from its card.json. */
export async function generatorSpec(modelDir: string): Promise<{ nz: number; prior: LatentPrior }> {
  const file = path.join(modelDir, "card.json");
  const card = await readJson<{ arch?: { nz?: number }; training?: { latentPrior?: LatentPrior } }>(file);
  const nz = card.arch?.nz;
  if (!nz) throw new Error(`${file}: no arch.nz; is this a finished DCGAN folder (status "complete")?`);
  return { nz, prior: card.training?.latentPrior ?? "uniform" };
}

/**
 * Features of N samples of the generator saved in `modelDir` (generator/ and card.json).
 * The generator is loaded, sampled and disposed here.
 */
export async function generatedFeatures(modelDir: string, ex: FeatureExtractor, opts: GanKidOptions): Promise<Float32Array[]> {
  const spec = await generatorSpec(modelDir);
  const G = await loadLayersModel(path.join(modelDir, GAN_FOLDERS.G)); // the generator alone: D is not needed here
  try {
    const images = await sampleGenerator(G, opts.samples, { ...spec, seed: opts.seed, batch: opts.batch });
    return await featuresAtInputSize(ex, images, opts.batch);
  } finally {
    G.dispose();
  }
}

/** KID with the run's conventions (95 % bootstrap interval, seeded). */
export function kidOf(fake: readonly Float32Array[], real: readonly Float32Array[], opts: Pick<GanKidOptions, "seed" | "bootstrap">): KidResult {
  return kid(fake, real, { bootstrap: opts.bootstrap ?? 1000, seed: opts.seed, level: 0.95 });
}

/**
 * KID of the GAN in `modelDir` against real images' features (as `featuresAtInputSize` makes them),
 * and the features of its samples (`fake`, as `generatedFeatures` makes them; for other comparisons
 * of the same samples).
 */
export async function ganKid(
  modelDir: string,
  ex: FeatureExtractor,
  real: { features: readonly Float32Array[]; against: KidAgainst; floorTraining?: readonly Float32Array[] },
  opts: GanKidOptions,
): Promise<{ kid: GanKid; fake: Float32Array[] }> {
  const fake = await generatedFeatures(modelDir, ex, opts);
  const r = kidOf(fake, real.features, opts);
  let floor: GanKid["floor"] = null;
  if (real.against === "held-out" && real.floorTraining && real.floorTraining.length >= 2) {
    const f = kidOf(real.floorTraining, real.features, opts);
    floor = { value: f.value, low: f.low, high: f.high, nHeldOut: real.features.length, nTraining: real.floorTraining.length };
  }
  const measured: GanKid = {
    value: r.value,
    low: r.low,
    high: r.high,
    sd: r.sd,
    n: fake.length,
    nReal: real.features.length,
    against: real.against,
    features: ex.id,
    featuresNote: ex.id === KID_FEATURES ? KID_FEATURES_NOTE : `KID on ${ex.id} features, not Inception-v3: not comparable with published KID`,
    seed: opts.seed,
    bootstrap: opts.bootstrap ?? 1000,
    floor,
  };
  return { kid: measured, fake };
}
