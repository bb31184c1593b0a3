/**
 * The DCGAN of Radford et al. (2016), as in pytorch/examples `dcgan/main.py`, in TensorFlow.js layers.
 *
 * G: z -> projection to 4x4 -> strided transposed convolutions (kernel 4, stride 2), each followed by
 * batch norm and ReLU, doubling the side and halving the width, -> tanh image in [-1, 1].
 * D: strided convolutions (kernel 4, stride 2) with LeakyReLU(0.2) and batch norm (none on the input
 * layer) -> a 4x4 valid convolution -> one logit. No biases (batch norm follows), weights ~ N(0, 0.02),
 * batch-norm gammas ~ N(1, 0.02), as in the pytorch example. Batch-norm momentum 0.1 (pytorch's).
 *
 * Pure builders: they create models, they do not train or save them (see ./train-step.ts, ./checkpoint.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { ArchConfig, GanConfig } from "../config/experiment.js";
import { ARCH_DEFAULTS } from "./arch-defaults.js";

/**
 * A DCGAN's shape. `imageSize`, `nz`, `ngf` and `ndf` are the config's `gan.arch` fields, documented
 * on the schema (../config/experiment.ts).
 */
export interface DcganArch extends Pick<ArchConfig, "imageSize" | "nz" | "ngf" | "ndf"> {
  /** Image channels (3 for RGB; the config allows 3 only). */
  channels: number;
  /**
   * How G doubles its side: "deconv" = transposed convolution, kernel 4, stride 2 (Radford et al.,
   * pytorch/examples); "resize" = nearest-neighbour x2 then a 3x3 convolution (Odena et al. 2016,
   * "Deconvolution and Checkerboard Artifacts"): no checkerboard, and much better samples at the same
   * budget here (see tools/gan-diagnosis/README.md). Absent = "deconv" (models saved before the option).
   */
  upsample?: Upsample;
}

export type Upsample = ArchConfig["upsample"];

/** The config's `gan.arch` defaults (./arch-defaults.ts). */
export const DEFAULT_ARCH: DcganArch = { ...ARCH_DEFAULTS };

/** Number of stride-2 stages between 4x4 and the image side (64 -> 4). */
export function upsamplingStages(imageSize: number): number {
  const stages = Math.log2(imageSize / 4);
  if (!Number.isInteger(stages) || stages < 2) {
    throw new Error(`imageSize ${imageSize} is not supported: use 32, 64 or 128`);
  }
  return stages;
}

/** Seeded initialisers: each layer gets its own seed from a counter, so a model seed fixes every weight. */
class InitSeeds {
  private next: number;
  constructor(seed: number | undefined) {
    this.next = seed ?? Math.floor(Math.random() * 2 ** 31);
  }
  conv() {
    return tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.next++ });
  }
  gamma() {
    return tf.initializers.randomNormal({ mean: 1, stddev: 0.02, seed: this.next++ });
  }
}

function batchNorm(name: string, seeds: InitSeeds): tf.layers.Layer {
  return tf.layers.batchNormalization({
    name,
    momentum: 0.9, // tfjs keeps 0.9 of the old average: pytorch's momentum 0.1
    epsilon: 1e-5,
    gammaInitializer: seeds.gamma(),
  });
}

/**
 * G: [b, nz] -> [b, S, S, channels] in [-1, 1]. Shapes for the 64x64 example (ngf 64):
 * z [b,100] -> dense -> [b,4,4,512] -> [b,8,8,256] -> [b,16,16,128] -> [b,32,32,64] -> [b,64,64,3].
 */
export function buildGenerator(arch: DcganArch, seed?: number): tf.Sequential {
  const seeds = new InitSeeds(seed);
  const stages = upsamplingStages(arch.imageSize);
  let width = arch.ngf * 2 ** (stages - 1);
  const g = tf.sequential({ name: "generator" });
  // Projection: the pytorch example's 4x4 valid transposed convolution of a 1x1 input is a dense layer.
  g.add(
    tf.layers.dense({
      name: "g_project",
      inputShape: [arch.nz],
      units: 4 * 4 * width,
      useBias: false,
      kernelInitializer: seeds.conv(),
    }),
  ); // state: [b, 4*4*width]
  g.add(tf.layers.reshape({ targetShape: [4, 4, width] })); // state: [b, 4, 4, width]
  g.add(batchNorm("g_bn0", seeds));
  g.add(tf.layers.reLU());
  const up = arch.upsample ?? "deconv";
  for (let i = 1; i < stages; i++) {
    width /= 2;
    addUpsampling(g, up, `g_deconv${i}`, width, seeds); // state: [b, 4*2^i, 4*2^i, width]
    g.add(batchNorm(`g_bn${i}`, seeds));
    g.add(tf.layers.reLU());
  }
  addUpsampling(g, up, `g_deconv${stages}`, arch.channels, seeds); // state: [b, S, S, channels]
  g.add(tf.layers.activation({ activation: "tanh" }));
  return g;
}

/** One x2 upsampling of G: a transposed convolution, or nearest x2 + 3x3 convolution (same layer name, so weights keep their names). */
function addUpsampling(g: tf.Sequential, up: Upsample, name: string, filters: number, seeds: InitSeeds): void {
  if (up === "resize") {
    g.add(tf.layers.upSampling2d({ name: `${name}_up`, size: [2, 2], interpolation: "nearest" }));
    g.add(tf.layers.conv2d({ name, filters, kernelSize: 3, strides: 1, padding: "same", useBias: false, kernelInitializer: seeds.conv() }));
    return;
  }
  g.add(tf.layers.conv2dTranspose({ name, filters, kernelSize: 4, strides: 2, padding: "same", useBias: false, kernelInitializer: seeds.conv() }));
}

/**
 * D: [b, S, S, channels] -> [b, 1] logits. Shapes for 64x64 (ndf 64):
 * [b,64,64,3] -> [b,32,32,64] -> [b,16,16,128] -> [b,8,8,256] -> [b,4,4,512] -> [b,1].
 */
export function buildDiscriminator(arch: DcganArch, seed?: number): tf.Sequential {
  const seeds = new InitSeeds(seed === undefined ? undefined : seed + 100_003);
  const stages = upsamplingStages(arch.imageSize);
  const d = tf.sequential({ name: "discriminator" });
  let width = arch.ndf;
  for (let i = 0; i < stages; i++) {
    d.add(
      tf.layers.conv2d({
        name: `d_conv${i}`,
        ...(i === 0 ? { inputShape: [arch.imageSize, arch.imageSize, arch.channels] } : {}),
        filters: width,
        kernelSize: 4,
        strides: 2,
        padding: "same",
        useBias: false,
        kernelInitializer: seeds.conv(),
      }),
    ); // state: [b, S/2^(i+1), S/2^(i+1), width]
    if (i > 0) d.add(batchNorm(`d_bn${i}`, seeds));
    d.add(tf.layers.leakyReLU({ alpha: 0.2 }));
    width *= 2;
  }
  d.add(
    tf.layers.conv2d({
      name: `d_conv${stages}`,
      filters: 1,
      kernelSize: 4,
      strides: 1,
      padding: "valid",
      useBias: false,
      kernelInitializer: seeds.conv(),
    }),
  ); // state: [b, 1, 1, 1]
  d.add(tf.layers.flatten()); // state: [b, 1] logits
  return d;
}

/** Trainable tf.Variables of a layers model (for optimizer.minimize's varList). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Latent samples (the config's `gan.latentPrior`). `uniform`: U(-1, 1) as in Yeh et al.; `normal`: N(0, 1) as in pytorch/examples. */
export type LatentPrior = GanConfig["latentPrior"];

export function sampleLatent(batch: number, nz: number, prior: LatentPrior, seed?: number): tf.Tensor2D {
  return prior === "uniform"
    ? tf.randomUniform([batch, nz], -1, 1, "float32", seed)
    : tf.randomNormal([batch, nz], 0, 1, "float32", seed);
}

/**
 * Non-saturating GAN losses on logits (binary cross-entropy with logits, mean over the batch):
 * D: softplus(-D(x)) + softplus(D(G(z))); G: softplus(-D(G(z))).
 */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}

export function generatorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar);
}

export interface GanPair {
  arch: DcganArch;
  G: tf.Sequential;
  D: tf.Sequential;
  optG: tf.AdamOptimizer;
  optD: tf.AdamOptimizer;
}

export interface OptimizerOptions {
  /** Adam learning rate (pytorch example 2e-4; the paper's Table 1: 1e-3). */
  lr: number;
  /** Adam beta1 (0.5 for GANs, Radford et al.). */
  beta1: number;
}

export function createGanPair(arch: DcganArch, opt: OptimizerOptions, seed?: number): GanPair {
  return {
    arch,
    G: buildGenerator(arch, seed),
    D: buildDiscriminator(arch, seed),
    optG: tf.train.adam(opt.lr, opt.beta1, 0.999) as tf.AdamOptimizer,
    optD: tf.train.adam(opt.lr, opt.beta1, 0.999) as tf.AdamOptimizer,
  };
}

export interface StepStats {
  lossD: number;
  lossG: number;
  /** Mean sigmoid(D(x)) on real images in the D step (before its update). */
  dReal: number;
  /** Mean sigmoid(D(G(z))) in the D step (before either update). */
  dFake: number;
}

/**
 * One training step as in pytorch/examples: update D on real + detached fake, then G through the
 * updated D with the same z. `real`: [b,S,S,c] in [-1, 1]; `z`: [b, nz]. Returns scalar statistics.
 * Reads them synchronously: on the webgpu backend use {@link trainStepAsync}.
 */
export function trainStep(pair: GanPair, real: tf.Tensor4D, z: tf.Tensor2D, augment?: Augmenter): StepStats {
  const scalars = stepScalars(pair, real, z, augment);
  const [ld, lg, dr, df] = scalars.map((t) => t.dataSync()[0]!);
  tf.dispose(scalars);
  return { lossD: ld!, lossG: lg!, dReal: dr!, dFake: df! };
}

/** {@link trainStep} reading its statistics asynchronously (works on every backend, webgpu included). */
export async function trainStepAsync(pair: GanPair, real: tf.Tensor4D, z: tf.Tensor2D, augment?: Augmenter): Promise<StepStats> {
  const scalars = stepScalars(pair, real, z, augment);
  try {
    const [ld, lg, dr, df] = (await Promise.all(scalars.map((t) => t.data()))).map((v) => v[0]!);
    return { lossD: ld!, lossG: lg!, dReal: dr!, dFake: df! };
  } finally {
    tf.dispose(scalars);
  }
}

/**
 * A differentiable transformation applied to every batch D sees (real and generated, in the D and
 * the G step), e.g. DiffAugment (./augment.ts). Each call may draw new random parameters.
 */
export type Augmenter = (x: tf.Tensor4D) => tf.Tensor4D;

/** The step's updates; returns [lossD, lossG, dReal, dFake] as scalars for the caller to read and dispose. */
function stepScalars(pair: GanPair, real: tf.Tensor4D, z: tf.Tensor2D, augment?: Augmenter): tf.Scalar[] {
  const aug: Augmenter = augment ?? ((x) => x);
  const { G, D, optD, optG } = pair;
  const dVars = trainableVariables(D);
  const gVars = trainableVariables(G);
  const fake = tf.tidy(() => G.apply(z, { training: true }) as tf.Tensor4D);
  let dRealT: tf.Scalar | null = null;
  let dFakeT: tf.Scalar | null = null;
  const lossD = optD.minimize(
    () => {
      const realLogits = D.apply(aug(real), { training: true }) as tf.Tensor;
      const fakeLogits = D.apply(aug(fake), { training: true }) as tf.Tensor;
      // Diagnostics from the same forward pass (no extra work): mean D output on real and fake.
      dRealT = tf.keep(tf.mean(tf.sigmoid(realLogits)) as tf.Scalar);
      dFakeT = tf.keep(tf.mean(tf.sigmoid(fakeLogits)) as tf.Scalar);
      return discriminatorLoss(realLogits, fakeLogits);
    },
    true,
    dVars,
  )!;
  fake.dispose();
  const lossG = optG.minimize(
    () => {
      const fakeLogits = D.apply(aug(G.apply(z, { training: true }) as tf.Tensor4D), { training: true }) as tf.Tensor;
      return generatorLoss(fakeLogits);
    },
    true,
    gVars,
  )!;
  return [lossD, lossG, dRealT!, dFakeT!] as tf.Scalar[];
}

/** Dispose both models and optimizers. */
export function disposeGanPair(pair: GanPair): void {
  pair.G.dispose();
  pair.D.dispose();
  pair.optG.dispose();
  pair.optD.dispose();
}
