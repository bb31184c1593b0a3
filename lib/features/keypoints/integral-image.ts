/** Summed-area table (integral image) and O(1) box sums, the basis of SURF's box filters. */
import type { GrayImage } from "./types.js";

/** `sum[(y) * (w + 1) + x]` = sum of pixels in rows < y and columns < x. Float64 so large sums stay exact enough. */
export interface IntegralImage {
  /** Width of the source image (the table is (width + 1) x (height + 1)). */
  width: number;
  height: number;
  sum: Float64Array;
}

export function integralImage(img: GrayImage, scale = 1): IntegralImage {
  const { width: w, height: h, data } = img;
  const W = w + 1;
  const sum = new Float64Array(W * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    const src = y * w;
    const dst = (y + 1) * W;
    for (let x = 0; x < w; x++) {
      row += data[src + x]! * scale;
      sum[dst + x + 1] = sum[dst - W + x + 1]! + row;
    }
  }
  return { width: w, height: h, sum };
}

/**
 * Sum of pixels in columns [x0, x1) and rows [y0, y1), with the rectangle clipped to the image
 * (pixels outside count as 0).
 */
export function boxSum(ii: IntegralImage, x0: number, y0: number, x1: number, y1: number): number {
  const W = ii.width + 1;
  const ax = x0 < 0 ? 0 : x0 > ii.width ? ii.width : x0;
  const bx = x1 < 0 ? 0 : x1 > ii.width ? ii.width : x1;
  const ay = y0 < 0 ? 0 : y0 > ii.height ? ii.height : y0;
  const by = y1 < 0 ? 0 : y1 > ii.height ? ii.height : y1;
  if (bx <= ax || by <= ay) return 0;
  const s = ii.sum;
  return s[by * W + bx]! - s[ay * W + bx]! - s[by * W + ax]! + s[ay * W + ax]!;
}

/**
 * The integral image at a real-valued corner position (edge coordinates: pixel (px, py) covers
 * [px, px+1) x [py, py+1)), by bilinear interpolation of the table, which is exact for a
 * piecewise-constant image. Positions outside the image are clamped (pixels outside count as 0).
 */
export function integralAt(ii: IntegralImage, x: number, y: number): number {
  const W = ii.width + 1;
  const cx = x <= 0 ? 0 : x >= ii.width ? ii.width : x;
  const cy = y <= 0 ? 0 : y >= ii.height ? ii.height : y;
  let x0 = Math.floor(cx);
  let y0 = Math.floor(cy);
  if (x0 === ii.width) x0--;
  if (y0 === ii.height) y0--;
  const fx = cx - x0;
  const fy = cy - y0;
  const s = ii.sum;
  const p = y0 * W + x0;
  const a = s[p]! + (s[p + 1]! - s[p]!) * fx;
  const b = s[p + W]! + (s[p + W + 1]! - s[p + W]!) * fx;
  return a + (b - a) * fy;
}

/** Sum over the real-valued box [x0, x1) x [y0, y1) in edge coordinates (fractional pixels weighted by area). */
export function boxSumF(ii: IntegralImage, x0: number, y0: number, x1: number, y1: number): number {
  return integralAt(ii, x1, y1) - integralAt(ii, x0, y1) - integralAt(ii, x1, y0) + integralAt(ii, x0, y0);
}
