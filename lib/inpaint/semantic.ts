/**
 * Semantic image inpainting with a trained DCGAN (Yeh et al., CVPR 2017), as used by the paper.
 *
 * For a damaged image y with binary mask M (here 1 = missing, the opposite of Yeh's notation),
 * search the latent space for z* = argmin_z  L_c(z) + lambda * L_p(z), with
 *   context loss  L_c(z) = || W . (G(z) - y) ||_1   (sum over pixels and channels; `norm: "l2"` squares
 *                         the differences instead, as the paper's text describes),
 *   importance    W_i    = (missing pixels in the window x window neighbourhood of i) / (pixels in it)
 *                         for known pixels i, and 0 inside the hole (Yeh et al. eq. 3),
 *   prior loss    L_p(z) = log(1 - D(G(z))) = -softplus(logit D(G(z)))   (one value per candidate).
 * Normalisation: L_c is a sum (it grows with the hole's border), L_p a single log-probability per
 * candidate, exactly as in Yeh et al.'s code; lambda (0.003 there) balances the two at that scale.
 * z is optimised with Adam and clipped to [-1, 1] after every step; many candidates per image are
 * optimised in one batch and the one with the lowest final loss is kept. G and D run in inference
 * mode (batch-norm moving statistics), as plain ops (../gan/inference.ts) so that no gradient but z's
 * is computed.
 */
import * as tf from "@tensorflow/tfjs";
import type { CompletionConfig, GanConfig } from "../config/experiment.js";
import type { ImageArray, Mask } from "../data/image.js";
import { inferenceForward } from "../gan/inference.js";

/**
 * The latent search's settings. The search fields are the config's `completion` ones, documented on
 * the schema (../config/experiment.ts); `average` may be left out (1: Yeh et al.'s single best).
 */
export interface SemanticCompletionOptions
  extends Pick<CompletionConfig, "iterations" | "candidates" | "lambda" | "lr" | "window" | "norm">,
    Partial<Pick<CompletionConfig, "average">> {
  /** Latent prior used to draw the starting z (must match training: the config's `gan.latentPrior`). */
  prior: GanConfig["latentPrior"];
  /** Seed of the starting z. */
  seed: number;
  /** Called every `reportEvery` steps with the step and the mean loss (for progress bars). */
  onStep?: (step: number, meanLoss: number) => void;
  reportEvery?: number;
}

/**
 * Importance weights W for a batch of masks. `missing`: [n, S, S, 1], 1 = missing.
 * Returns [n, S, S, 1]: fraction of missing pixels in the window around each known pixel, 0 in the hole.
 * The window is clipped at the image border (only pixels inside the image are counted).
 */
export function importanceWeights(missing: tf.Tensor4D, window: number): tf.Tensor4D {
  return tf.tidy(() => {
    const frac = tf.avgPool(missing, window, 1, "same"); // TF 'same' average pooling excludes padding
    return tf.mul(frac, tf.sub(1, missing)) as tf.Tensor4D;
  });
}

/**
 * Per-candidate loss: context + lambda * prior, shape [b]. `gz`: [b,S,S,c] generated, `y`: [b,S,S,c]
 * targets (the damaged image repeated per candidate), `w`: [b,S,S,1] weights, `dLogits`: [b,1].
 */
export function completionLoss(
  gz: tf.Tensor4D,
  y: tf.Tensor4D,
  w: tf.Tensor4D,
  dLogits: tf.Tensor,
  lambda: number,
  norm: CompletionConfig["norm"],
): { total: tf.Tensor1D; context: tf.Tensor1D; prior: tf.Tensor1D } {
  const diff = tf.sub(gz, y);
  const dist = norm === "l1" ? tf.abs(diff) : tf.square(diff);
  const context = tf.sum(tf.mul(w, dist), [1, 2, 3]) as tf.Tensor1D;
  const prior = tf.neg(tf.softplus(tf.reshape(dLogits, [-1]))) as tf.Tensor1D; // log(1 - sigmoid(l))
  const total = tf.add(context, tf.mul(lambda, prior)) as tf.Tensor1D;
  return { total, context, prior };
}

export interface SemanticCompletionResult {
  /** G(z*) per image, values in [-1, 1]. */
  generated: ImageArray[];
  /** Final loss of the winning candidate per image. */
  loss: number[];
  /** Its context and prior terms. */
  context: number[];
  prior: number[];
  /** Mean loss over candidates at each reported step (first image batch), for curves. */
  history: { step: number; loss: number }[];
}

/**
 * Complete a batch of damaged images with generator G and discriminator D.
 * `images`: values in [-1, 1], side = G's output side; `masks`: 1 = missing.
 * All images x candidates run as one batch, so keep images.length x candidates moderate.
 */
export async function semanticComplete(
  G: tf.LayersModel,
  D: tf.LayersModel,
  images: ImageArray[],
  masks: Mask[],
  opts: SemanticCompletionOptions,
): Promise<SemanticCompletionResult> {
  const n = images.length;
  if (n === 0) return { generated: [], loss: [], context: [], prior: [], history: [] };
  if (masks.length !== n) throw new Error(`semanticComplete: ${n} images but ${masks.length} masks`);
  const { width: S, channels: c } = images[0]!;
  const outShape = G.outputs[0]!.shape;
  if (outShape[1] !== S || outShape[3] !== c) {
    throw new Error(`semanticComplete: images are ${S}x${S}x${c} but the generator makes ${outShape.slice(1).join("x")}`);
  }
  const nz = G.inputs[0]!.shape[1] as number;
  const C = opts.candidates;
  const b = n * C;

  const { y, w } = tf.tidy(() => {
    const yImgs = tf.stack(images.map((im) => tf.tensor3d(im.data, [S, S, c]))) as tf.Tensor4D;
    const miss = tf.stack(masks.map((m) => tf.tensor3d(Float32Array.from(m.data), [S, S, 1]))) as tf.Tensor4D;
    const weights = importanceWeights(miss, opts.window);
    // Each image C times in a row (a gather, not a rank-5 tile: webgpu runs that on the CPU with a sync read).
    const which = tf.tensor1d(Array.from({ length: b }, (_, k) => Math.floor(k / C)), "int32");
    const rep = (t: tf.Tensor4D) => tf.gather(t, which) as tf.Tensor4D;
    return { y: rep(yImgs), w: rep(weights) };
  });
  const z0 =
    opts.prior === "uniform" ? tf.randomUniform([b, nz], -1, 1, "float32", opts.seed) : tf.randomNormal([b, nz], 0, 1, "float32", opts.seed);
  const z = tf.variable(opts.prior === "uniform" ? z0 : tf.clipByValue(z0, -1, 1), true);
  z0.dispose();
  const optimizer = tf.train.adam(opts.lr, 0.9, 0.999);
  // Plain-op forward passes: the gradient then flows only to z (no filter gradients of D).
  const g = inferenceForward(G);
  const d = inferenceForward(D);
  const history: { step: number; loss: number }[] = [];
  const every = opts.reportEvery ?? Math.max(1, Math.floor(opts.iterations / 50));
  for (let step = 1; step <= opts.iterations; step++) {
    const cost = optimizer.minimize(
      () => {
        const gz = g(z) as tf.Tensor4D;
        const logits = d(gz);
        return tf.sum(completionLoss(gz, y, w, logits, opts.lambda, opts.norm).total) as tf.Scalar;
      },
      step % every === 0 || step === opts.iterations,
      [z],
    );
    tf.tidy(() => z.assign(tf.clipByValue(z, -1, 1)));
    if (cost) {
      const mean = (await cost.data())[0]! / b;
      cost.dispose();
      history.push({ step, loss: mean });
      opts.onStep?.(step, mean);
    }
  }
  // Final evaluation and choice of the best candidate per image.
  const result = tf.tidy(() => {
    const gz = g(z) as tf.Tensor4D;
    const logits = d(gz);
    const l = completionLoss(gz, y, w, logits, opts.lambda, opts.norm);
    return { gz: tf.keep(gz), total: tf.keep(l.total), context: tf.keep(l.context), prior: tf.keep(l.prior) };
  });
  // Read asynchronously: dataSync is not available on the webgpu backend in Node.
  const [gzData, total, context, prior] = (await Promise.all([result.gz, result.total, result.context, result.prior].map((t) => t.data()))) as Float32Array[];
  tf.dispose([result.gz, result.total, result.context, result.prior]);
  const per = S * S * c;
  const out: SemanticCompletionResult = { generated: [], loss: [], context: [], prior: [], history };
  const m = Math.max(1, Math.min(C, opts.average ?? 1));
  const ranked = rankedCandidates(total!, n, C);
  for (let i = 0; i < n; i++) {
    const best = ranked[i]![0]!;
    out.generated.push({ width: S, height: S, channels: c, data: averageRows(gzData!, ranked[i]!.slice(0, m), per) });
    out.loss.push(total![best]!);
    out.context.push(context![best]!);
    out.prior.push(prior![best]!);
  }
  tf.dispose([y, w, z]);
  optimizer.dispose();
  return out;
}

/**
 * The winning candidate of each image: `total` holds n x C losses, image i's candidates at
 * i*C .. i*C+C-1; returns the flat index of the lowest loss per image (the first on a tie).
 */
export function bestCandidates(total: ArrayLike<number>, n: number, C: number): number[] {
  return rankedCandidates(total, n, C).map((r) => r[0]!);
}

/**
 * Every image's candidates ordered from the lowest loss (flat indices; `total` as in
 * bestCandidates; ties keep the candidate order, so element 0 is bestCandidates' choice).
 */
export function rankedCandidates(total: ArrayLike<number>, n: number, C: number): number[][] {
  if (total.length !== n * C) throw new Error(`rankedCandidates: ${total.length} losses for ${n} images x ${C} candidates`);
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: C }, (_, j) => i * C + j).sort((a, b) => total[a]! - total[b]! || a - b),
  );
}

/** Mean of rows `which` (each `per` values long) of a flat array. */
export function averageRows(data: Float32Array, which: readonly number[], per: number): Float32Array {
  if (which.length === 1) return data.slice(which[0]! * per, (which[0]! + 1) * per);
  const out = new Float32Array(per);
  for (const r of which) for (let k = 0; k < per; k++) out[k] += data[r * per + k]!;
  for (let k = 0; k < per; k++) out[k] /= which.length;
  return out;
}

/** Paste the generated pixels into the hole (no blending). Values in the images' own range. */
export function pasteIntoHole(damaged: ImageArray, generated: ImageArray, mask: Mask): ImageArray {
  const data = Float32Array.from(damaged.data);
  const c = damaged.channels;
  for (let p = 0; p < mask.data.length; p++) {
    if (mask.data[p]) for (let k = 0; k < c; k++) data[p * c + k] = generated.data[p * c + k]!;
  }
  return { ...damaged, data };
}
