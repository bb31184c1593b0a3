/**
 * SIFT's scale space (Lowe 2004, section 3; OpenCV's `buildGaussianPyramid` / `buildDoGPyramid`):
 * per octave `layers + 3` Gaussian images whose blur grows by k = 2^(1/layers) from `sigma`,
 * and their `layers + 2` differences (DoG). Each octave starts from the previous octave's image at
 * blur 2*sigma, subsampled by 2 (every other pixel).
 */
import { gaussianBlur } from "./gaussian.js";
import { resizeBilinear } from "./gray.js";
import type { GrayImage } from "./types.js";

export interface ScaleSpace {
  /** gaussians[o][i]: octave o, blur level i (0 .. layers+2). */
  gaussians: GrayImage[][];
  /** dogs[o][i] = gaussians[o][i+1] - gaussians[o][i] (i = 0 .. layers+1). */
  dogs: GrayImage[][];
  /** Octave index of gaussians[0] relative to the input image: -1 when the input was upsampled 2x. */
  firstOctave: number;
  layers: number;
  sigma: number;
}

export interface ScaleSpaceOptions {
  /** Scales sampled per octave (Lowe's s). Default 3. */
  layers: number;
  /** Blur of the first level of each octave. Default 1.6. */
  sigma: number;
  /** Upsample the input 2x first (Lowe's octave -1), finding ~4x more small keypoints. */
  upsample: boolean;
  /** Blur assumed already present in the input (Lowe: 0.5). */
  inputSigma: number;
  /** Stop adding octaves once the smaller side would drop below this. */
  minSide: number;
}

export function buildScaleSpace(gray: GrayImage, o: ScaleSpaceOptions): ScaleSpace {
  const { layers, sigma, upsample, inputSigma } = o;
  let base: GrayImage;
  if (upsample) {
    const up = resizeBilinear(gray, gray.width * 2, gray.height * 2);
    base = gaussianBlur(up, Math.sqrt(Math.max(sigma * sigma - 4 * inputSigma * inputSigma, 0.01)));
  } else {
    base = gaussianBlur(gray, Math.sqrt(Math.max(sigma * sigma - inputSigma * inputSigma, 0.01)));
  }
  // OpenCV: round(log2(min side of base)) - 2 octaves (counting from the base).
  let nOctaves = Math.max(1, Math.round(Math.log2(Math.min(base.width, base.height)) - 2));
  // Incremental blurs: level i has total blur sigma * k^i.
  const k = Math.pow(2, 1 / layers);
  const inc: number[] = [sigma];
  for (let i = 1; i < layers + 3; i++) {
    const prev = Math.pow(k, i - 1) * sigma;
    const total = prev * k;
    inc.push(Math.sqrt(total * total - prev * prev));
  }
  const gaussians: GrayImage[][] = [];
  for (let oct = 0; oct < nOctaves; oct++) {
    const levels: GrayImage[] = [];
    if (oct === 0) levels.push(base);
    else {
      const src = gaussians[oct - 1]![layers]!;
      const w = Math.floor(src.width / 2);
      const h = Math.floor(src.height / 2);
      if (Math.min(w, h) < o.minSide) {
        nOctaves = oct;
        break;
      }
      levels.push(subsample2(src, w, h));
    }
    for (let i = 1; i < layers + 3; i++) levels.push(gaussianBlur(levels[i - 1]!, inc[i]!));
    gaussians.push(levels);
  }
  const dogs = gaussians.map((levels) => {
    const out: GrayImage[] = [];
    for (let i = 0; i + 1 < levels.length; i++) {
      const a = levels[i]!.data;
      const b = levels[i + 1]!.data;
      const d = new Float32Array(a.length);
      for (let p = 0; p < a.length; p++) d[p] = b[p]! - a[p]!;
      out.push({ width: levels[i]!.width, height: levels[i]!.height, data: d });
    }
    return out;
  });
  return { gaussians, dogs, firstOctave: upsample ? -1 : 0, layers, sigma };
}

/** Pixel (2x, 2y) of the source (OpenCV's INTER_NEAREST halving). */
function subsample2(src: GrayImage, w: number, h: number): GrayImage {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const r = 2 * y * src.width;
    for (let x = 0; x < w; x++) out[y * w + x] = src.data[r + 2 * x]!;
  }
  return { width: w, height: h, data: out };
}
