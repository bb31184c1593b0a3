/**
 * Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004), computed exactly as scikit-image's
 * `structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
 * data_range=R, channel_axis=2)`:
 *
 * - local statistics from a Gaussian window (sigma 1.5, truncate 3.5, so 11 x 11 taps), borders
 *   reflected (scipy "reflect"), population (not sample) covariance;
 * - `S = ((2 ux uy + C1)(2 vxy + C2)) / ((ux^2 + uy^2 + C1)(vx + vy + C2))`, `C1 = (K1 R)^2`, `C2 = (K2 R)^2`;
 * - the image score is the mean of the map after cropping a 5-pixel border, averaged over channels.
 *
 * With a mask, the score is the mean of the (uncropped) SSIM map over the hole pixels, averaged over
 * channels: it measures the structure of the filled region and its seam with the known part.
 */
import type { ImageArray, Mask } from "../data/image.js";
import { assertSameShape } from "./check.js";
import { filterSeparable, gaussianKernel1d } from "./gaussian.js";

export interface SsimOptions {
  /** Score only the hole (mask = 1): mean of the SSIM map there. Default: whole image (skimage's cropped mean). */
  mask?: Mask;
  /** The span of possible values: 1 for [0, 1] images, 2 for [-1, 1], 255 for bytes. Default 1. */
  dataRange?: number;
  /** Gaussian window sigma in pixels. Default 1.5 (Wang et al.); the window radius is round(3.5 * sigma). */
  sigma?: number;
  /** Luminance stabiliser K1 (C1 = (K1 * dataRange)^2). Default 0.01. */
  k1?: number;
  /** Contrast stabiliser K2 (C2 = (K2 * dataRange)^2). Default 0.03. */
  k2?: number;
}

/** Per-pixel, per-channel SSIM values, row-major HWC like ImageArray (float64). */
export interface SsimMap {
  width: number;
  height: number;
  channels: number;
  data: Float64Array;
}

const TRUNCATE = 3.5;

/** The full (uncropped) SSIM map, one value per pixel and channel. */
export function ssimMap(a: ImageArray, b: ImageArray, opts: SsimOptions = {}): SsimMap {
  assertSameShape(a, b, "ssim");
  const sigma = opts.sigma ?? 1.5;
  const range = opts.dataRange ?? 1;
  if (!(range > 0)) throw new Error(`ssim: dataRange must be > 0, got ${range}`);
  const kernel = gaussianKernel1d(sigma, TRUNCATE);
  const win = kernel.length;
  const { width: w, height: h, channels: c } = a;
  if (w < win || h < win) {
    throw new Error(`ssim: images are ${w}x${h}, smaller than the ${win}x${win} Gaussian window (sigma ${sigma})`);
  }
  const C1 = ((opts.k1 ?? 0.01) * range) ** 2;
  const C2 = ((opts.k2 ?? 0.03) * range) ** 2;
  const n = w * h;
  const out = new Float64Array(n * c);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < n; p++) {
      const u = a.data[p * c + ch]!;
      const v = b.data[p * c + ch]!;
      x[p] = u;
      y[p] = v;
      xx[p] = u * u;
      yy[p] = v * v;
      xy[p] = u * v;
    }
    const ux = filterSeparable(x, w, h, kernel);
    const uy = filterSeparable(y, w, h, kernel);
    const uxx = filterSeparable(xx, w, h, kernel);
    const uyy = filterSeparable(yy, w, h, kernel);
    const uxy = filterSeparable(xy, w, h, kernel);
    for (let p = 0; p < n; p++) {
      const mx = ux[p]!;
      const my = uy[p]!;
      const vx = uxx[p]! - mx * mx;
      const vy = uyy[p]! - my * my;
      const vxy = uxy[p]! - mx * my;
      const num = (2 * mx * my + C1) * (2 * vxy + C2);
      const den = (mx * mx + my * my + C1) * (vx + vy + C2);
      out[p * c + ch] = num / den;
    }
  }
  return { width: w, height: h, channels: c, data: out };
}

/** Mean SSIM: skimage's cropped mean over the image, or the mean over the hole when `mask` is given. */
export function ssim(a: ImageArray, b: ImageArray, opts: SsimOptions = {}): number {
  const map = ssimMap(a, b, opts);
  return meanSsim(map, opts.mask, Math.floor(TRUNCATE * (opts.sigma ?? 1.5) + 0.5));
}

/** Reduce an SSIM map: channel-averaged mean over the hole (mask given) or over the image minus a `pad` border. */
export function meanSsim(map: SsimMap, mask: Mask | undefined, pad: number): number {
  const { width: w, height: h, channels: c, data } = map;
  if (mask) {
    if (mask.width !== w || mask.height !== h || mask.data.length !== w * h) {
      throw new Error(`ssim: mask is ${mask.width}x${mask.height} but the image is ${w}x${h}`);
    }
    if (!mask.data.some((v) => v !== 0)) throw new Error("ssim: the mask has no hole pixels (all zero)");
  }
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    let cnt = 0;
    if (mask) {
      for (let p = 0; p < w * h; p++) {
        if (mask.data[p]) {
          s += data[p * c + ch]!;
          cnt++;
        }
      }
    } else {
      for (let yy = pad; yy < h - pad; yy++) {
        for (let xx = pad; xx < w - pad; xx++) {
          s += data[(yy * w + xx) * c + ch]!;
          cnt++;
        }
      }
    }
    total += s / cnt;
  }
  return total / c;
}
