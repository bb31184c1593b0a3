/**
 * Peak signal-to-noise ratio, as scikit-image's `peak_signal_noise_ratio`:
 * `10 * log10(dataRange^2 / MSE)`, MSE over every pixel and channel (float64 accumulation).
 * With a mask, the MSE is taken over the hole pixels only (all channels).
 */
import type { ImageArray, Mask } from "../data/image.js";
import { assertMaskFits, assertSameShape } from "./check.js";

export interface PsnrOptions {
  /** Restrict the error to pixels where mask = 1 (the hole). Default: the whole image. */
  mask?: Mask;
  /** The span of possible values (max - min): 1 for [0, 1] images, 2 for [-1, 1], 255 for bytes. Default 1. */
  dataRange?: number;
}

/** Mean squared error over all values, or over the hole pixels when `mask` is given. */
export function mse(a: ImageArray, b: ImageArray, mask?: Mask): number {
  assertSameShape(a, b, "mse");
  const c = a.channels;
  let sum = 0;
  let n = 0;
  if (mask) {
    if (assertMaskFits(a, mask, "mse") === 0) throw new Error("mse: the mask has no hole pixels (all zero)");
    for (let p = 0; p < mask.data.length; p++) {
      if (!mask.data[p]) continue;
      for (let k = p * c; k < p * c + c; k++) {
        const d = a.data[k]! - b.data[k]!;
        sum += d * d;
      }
      n += c;
    }
  } else {
    for (let k = 0; k < a.data.length; k++) {
      const d = a.data[k]! - b.data[k]!;
      sum += d * d;
    }
    n = a.data.length;
  }
  return sum / n;
}

/** PSNR in dB; Infinity when the images are identical (on the region measured). */
export function psnr(a: ImageArray, b: ImageArray, opts: PsnrOptions = {}): number {
  const range = opts.dataRange ?? 1;
  if (!(range > 0)) throw new Error(`psnr: dataRange must be > 0, got ${range}`);
  const e = mse(a, b, opts.mask);
  return e === 0 ? Infinity : 10 * Math.log10((range * range) / e);
}
