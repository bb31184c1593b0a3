/** Random rectangular blocks (possibly overlapping) until a target hole fraction is reached. */
import type { Mask } from "../data/image.js";
import type { Rng } from "../util/random.js";
import { emptyMask, resolveSize, type MaskSize } from "./raster.js";

export interface RandomBlocksOptions {
  /** Target hole fraction of the area; blocks are added until it is reached (overshoot at most one block,
   *  and the last block is trimmed row by row to land within ~1 % of the target). Range 0.02-0.6, default 0.25. */
  fraction?: number;
  /** Seeded random source (lib/util/random.ts). */
  rng: Rng;
  /** Smallest block side as a fraction of the image side. Default 0.08. */
  minSide?: number;
  /** Largest block side as a fraction of the image side. Default 0.3. */
  maxSide?: number;
}

export function randomBlocksMask(size: MaskSize, opts: RandomBlocksOptions): Mask {
  const fraction = opts.fraction ?? 0.25;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`randomBlocksMask: fraction must be in (0, 1), got ${fraction}`);
  const minSide = opts.minSide ?? 0.08;
  const maxSide = opts.maxSide ?? 0.3;
  if (!(minSide > 0 && maxSide >= minSide && maxSide <= 1)) {
    throw new Error(`randomBlocksMask: need 0 < minSide <= maxSide <= 1, got ${minSide}, ${maxSide}`);
  }
  const { width, height } = resolveSize(size);
  const rng = opts.rng;
  const m = emptyMask(size);
  const target = fraction * width * height;
  let holes = 0;
  for (let iter = 0; iter < 10000 && holes < target; iter++) {
    const w = Math.max(1, Math.round(rng.uniform(minSide, maxSide) * width));
    const h = Math.max(1, Math.round(rng.uniform(minSide, maxSide) * height));
    const x0 = rng.int(width - w + 1);
    const y0 = rng.int(height - h + 1);
    // add the block row by row so the last one stops at the target
    for (let y = y0; y < y0 + h && holes < target; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const i = y * width + x;
        if (!m.data[i]) {
          m.data[i] = 1;
          holes++;
        }
      }
    }
  }
  return m;
}
