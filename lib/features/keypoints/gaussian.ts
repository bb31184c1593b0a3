/** Separable Gaussian blur with OpenCV's kernel size and border rule (BORDER_REFLECT_101). */
import type { GrayImage } from "./types.js";

/**
 * Normalised 1-D Gaussian kernel of odd length. Default length follows OpenCV's `GaussianBlur`
 * for float images: round(sigma * 8 + 1) | 1.
 */
export function gaussianKernel(sigma: number, size?: number): Float32Array {
  if (!(sigma > 0)) throw new Error(`gaussianKernel: sigma must be > 0, got ${sigma}`);
  const n = size ?? (Math.round(sigma * 8 + 1) | 1);
  const k = new Float32Array(n);
  const c = (n - 1) / 2;
  let s = 0;
  for (let i = 0; i < n; i++) {
    k[i] = Math.exp(-((i - c) * (i - c)) / (2 * sigma * sigma));
    s += k[i]!;
  }
  for (let i = 0; i < n; i++) k[i]! /= s;
  return k;
}

/** Index i reflected into [0, n) without repeating the edge pixel (…2 1 | 0 1 2 … n-1 | n-2 …). */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/** Blur with a Gaussian of standard deviation `sigma` (pixels). Returns a new image. */
export function gaussianBlur(img: GrayImage, sigma: number): GrayImage {
  const { width: w, height: h, data } = img;
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const k0 = k[r]!;
  const tmp = new Float32Array(w * h);
  const padded = new Float32Array(w + 2 * r);
  const xIdx = new Int32Array(w + 2 * r);
  for (let i = 0; i < xIdx.length; i++) xIdx[i] = reflect101(i - r, w);
  // Horizontal pass; the kernel is symmetric, so pair the taps at +t and -t.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let i = 0; i < padded.length; i++) padded[i] = data[row + xIdx[i]!]!;
    for (let x = 0; x < w; x++) {
      const c = x + r;
      let s = k0 * padded[c]!;
      for (let t = 1; t <= r; t++) s += k[r + t]! * (padded[c - t]! + padded[c + t]!);
      tmp[row + x] = s;
    }
  }
  // Vertical pass: accumulate whole rows (cache friendly), again pairing symmetric taps.
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    const c = y * w;
    for (let x = 0; x < w; x++) out[o + x] = k0 * tmp[c + x]!;
    for (let t = 1; t <= r; t++) {
      const a = reflect101(y - t, h) * w;
      const b = reflect101(y + t, h) * w;
      const kt = k[r + t]!;
      for (let x = 0; x < w; x++) out[o + x] += kt * (tmp[a + x]! + tmp[b + x]!);
    }
  }
  return { width: w, height: h, data: out };
}
