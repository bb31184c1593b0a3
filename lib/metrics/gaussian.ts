/**
 * Separable Gaussian filtering of one image plane, matching scipy.ndimage.gaussian_filter with
 * mode="reflect" (half-sample symmetric: d c b a | a b c d | d c b a), which is what scikit-image's
 * SSIM uses. Pure functions on row-major Float64Array planes.
 */

/** Normalised 1-D Gaussian taps for `sigma`, radius `round(truncate * sigma)` as scipy does (`int(truncate*sigma + 0.5)`). */
export function gaussianKernel1d(sigma: number, truncate: number): Float64Array {
  if (!(sigma > 0)) throw new Error(`gaussianKernel1d: sigma must be > 0, got ${sigma}`);
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * x * x);
    k[x + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/** Index into [0, n) for scipy's "reflect" boundary (edge sample repeated), valid for any offset. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

/** Filter a `height` x `width` plane with `kernel` along rows (axis 0) then columns (axis 1), reflect borders. */
export function filterSeparable(plane: Float64Array, width: number, height: number, kernel: Float64Array): Float64Array {
  const r = (kernel.length - 1) >> 1;
  const taps = kernel.length;
  // axis 0 (vertical): whole rows at a time, rows reflected once per output row
  const tmp = new Float64Array(plane.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let t = 0; t < taps; t++) {
      const kv = kernel[t]!;
      const src = reflectIndex(y + t - r, height) * width;
      for (let x = 0; x < width; x++) tmp[o + x]! += kv * plane[src + x]!;
    }
  }
  // axis 1 (horizontal): each row copied into a reflected, padded buffer
  const out = new Float64Array(plane.length);
  const row = new Float64Array(width + 2 * r);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let i = 0; i < width + 2 * r; i++) row[i] = tmp[o + reflectIndex(i - r, width)]!;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let t = 0; t < taps; t++) acc += kernel[t]! * row[x + t]!;
      out[o + x] = acc;
    }
  }
  return out;
}
