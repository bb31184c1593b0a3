/** The classic centre hole: one axis-aligned rectangle in the middle covering a given fraction of the area. */
import type { Mask } from "../data/image.js";
import { emptyMask, fillRect, resolveSize, type MaskSize } from "./raster.js";

/**
 * A centred hole covering `fraction` of the AREA (each side is sqrt(fraction) of the image side,
 * rounded to whole pixels, so the produced fraction is within a pixel row of the target).
 * Sensible range 0.05-0.5; default 0.25 (a 32 x 32 hole in 64 x 64, as in Yeh et al.).
 */
export function centerSquareMask(size: MaskSize, fraction = 0.25): Mask {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`centerSquareMask: fraction must be in (0, 1), got ${fraction}`);
  const { width, height } = resolveSize(size);
  const m = emptyMask(size);
  const s = Math.sqrt(fraction);
  const w = Math.max(1, Math.round(s * width));
  const h = Math.max(1, Math.round(s * height));
  const x0 = Math.floor((width - w) / 2);
  const y0 = Math.floor((height - h) / 2);
  fillRect(m, x0, y0, x0 + w, y0 + h);
  return m;
}
