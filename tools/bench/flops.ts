/**
 * FLOP counts of conv and dense layers, from the layer shapes of a tfjs layers model.
 *
 * Counting (one multiply-add = 2 FLOPs; batch norm, activations, losses and Adam are not counted):
 * - conv2d:           2 * outH * outW * kh * kw * cin * cout per image,
 * - conv2dTranspose:  2 * inH * inW * kh * kw * cin * cout per image (each input pixel meets every
 *                     tap once; the taps that fall outside a 'same'-padded output are counted too),
 * - dense:            2 * in * out per row.
 * A backward pass counts twice its forward pass (input gradient + weight gradient), whether or not
 * tfjs computes both; a z-optimisation backward pass counts once (input gradients only).
 */
import type * as tf from "@tensorflow/tfjs";

export interface LayerFlops {
  name: string;
  kind: "conv2d" | "conv2dTranspose" | "dense";
  /** Forward FLOPs per example. */
  flops: number;
}

function dims(shape: unknown): number[] {
  // Layer shapes are (null | number)[] for one input; take the first when there are several.
  const s = Array.isArray(shape) && Array.isArray(shape[0]) ? (shape[0] as unknown[]) : (shape as unknown[]);
  return s.map((d) => (d == null ? 1 : Number(d)));
}

/** Forward FLOPs per example of every conv / transposed-conv / dense layer of `model`. */
export function layerFlops(model: tf.LayersModel): LayerFlops[] {
  const out: LayerFlops[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const weights = layer.getWeights(false);
    if (!weights.length) continue;
    const kernel = weights[0]!.shape;
    if (cls === "Conv2D") {
      const [, oh, ow] = dims(layer.outputShape);
      const [kh, kw, cin, cout] = kernel as [number, number, number, number];
      out.push({ name: layer.name, kind: "conv2d", flops: 2 * oh! * ow! * kh * kw * cin * cout });
    } else if (cls === "Conv2DTranspose") {
      const [, ih, iw] = dims((layer as unknown as { input: { shape: unknown } }).input.shape);
      // tfjs stores transposed-conv kernels as [kh, kw, cout, cin].
      const [kh, kw, cout, cin] = kernel as [number, number, number, number];
      out.push({ name: layer.name, kind: "conv2dTranspose", flops: 2 * ih! * iw! * kh * kw * cin * cout });
    } else if (cls === "Dense") {
      const [nin, nout] = kernel as [number, number];
      out.push({ name: layer.name, kind: "dense", flops: 2 * nin * nout });
    }
  }
  return out;
}

/** Total forward FLOPs per example. */
export function forwardFlops(model: tf.LayersModel): number {
  return layerFlops(model).reduce((s, l) => s + l.flops, 0);
}

/**
 * FLOPs of one DCGAN training step as `trainStep` in lib/gan/dcgan.ts runs it, batch b:
 * G forward for the fake batch (b * Fg); D step: D forward + backward on real and fake
 * (2 * 3 * b * Fd); G step: G and D forward + backward (3 * b * (Fg + Fd)).
 * Total b * (4 Fg + 9 Fd).
 */
export function trainStepFlops(gForward: number, dForward: number, batch: number): number {
  return batch * (4 * gForward + 9 * dForward);
}

/** FLOPs of one z-optimisation step (forward G, D; backward to z through D and G): 2 b (Fg + Fd). */
export function zStepFlops(gForward: number, dForward: number, batch: number): number {
  return 2 * batch * (gForward + dForward);
}
