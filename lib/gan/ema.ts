/**
 * An exponential moving average of the generator's weights (Yazici et al. 2019, "The Unusual
 * Effectiveness of Averaging in GAN Training"; used by ProGAN, StyleGAN, BigGAN): samples, the
 * latent search and the saved generator use the averaged copy, which is far less noisy than the
 * last iterate at no training cost. The decay ramps up as in TensorFlow's ExponentialMovingAverage
 * with num_updates: d_t = min(decay, (1 + t) / (10 + t)), so a short run is not dominated by its
 * random initialisation.
 */
import * as tf from "@tensorflow/tfjs";

/** The decay used at step t (1-based count of updates so far). */
export function emaDecay(decay: number, t: number): number {
  return Math.min(decay, (1 + t) / (10 + t));
}

/** avg <- d * avg + (1 - d) * live, for every weight (batch-norm statistics included), matched layer by layer. */
export function updateEma(avg: tf.LayersModel, live: tf.LayersModel, d: number): void {
  tf.tidy(() => {
    for (let i = 0; i < live.layers.length; i++) {
      const from = live.layers[i]!.weights;
      const to = avg.layers[i]!.weights;
      for (let j = 0; j < from.length; j++) {
        to[j]!.write(tf.add(tf.mul(to[j]!.read(), d), tf.mul(from[j]!.read(), 1 - d)));
      }
    }
  });
}

/** Copy every weight of `src` into `dst` (same architecture), layer by layer. */
export function copyWeights(dst: tf.LayersModel, src: tf.LayersModel): void {
  for (let i = 0; i < src.layers.length; i++) {
    const w = src.layers[i]!.getWeights();
    if (w.length) dst.layers[i]!.setWeights(w);
  }
}
