/** Mean absolute error (L1) over all values, or over the hole pixels (all channels) when a mask is given. */
import type { ImageArray, Mask } from "../data/image.js";
import { assertMaskFits, assertSameShape } from "./check.js";

export interface L1Options {
  /** Restrict the error to pixels where mask = 1 (the hole). Default: the whole image. */
  mask?: Mask;
}

export function l1(a: ImageArray, b: ImageArray, opts: L1Options = {}): number {
  assertSameShape(a, b, "l1");
  const { mask } = opts;
  const c = a.channels;
  let sum = 0;
  let n = 0;
  if (mask) {
    if (assertMaskFits(a, mask, "l1") === 0) throw new Error("l1: the mask has no hole pixels (all zero)");
    for (let p = 0; p < mask.data.length; p++) {
      if (!mask.data[p]) continue;
      for (let k = p * c; k < p * c + c; k++) sum += Math.abs(a.data[k]! - b.data[k]!);
      n += c;
    }
  } else {
    for (let k = 0; k < a.data.length; k++) sum += Math.abs(a.data[k]! - b.data[k]!);
    n = a.data.length;
  }
  return sum / n;
}
