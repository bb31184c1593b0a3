/**
 * Cheap hand-made style descriptors of a whole painting, no CNN: the palette and the texture.
 * Three blocks, each scaled to unit L2 norm and then joined (so each weighs the same):
 *
 *  - "hist": a joint HSV histogram (hue x saturation x value bins, default 8 x 3 x 3 = 72), the
 *    share of pixels per bin, square-rooted (Hellinger), so dominant colours do not swamp the rest;
 *  - "moments": mean and standard deviation of R, G, B, saturation and value (10 numbers);
 *  - "gradient": the share of pixels per bin of grey-level gradient magnitude (central
 *    differences, 8 bins with edges 0, 1/64, 1/32, ... 1 on [0, 1] grey), square-rooted:
 *    flat colour fields (Suprematism) against line work (Ukiyo-e) against brush strokes.
 *
 * Pure functions on ImageArray ([-1, 1], HWC, 3 channels, as the data layer decodes), plus an
 * extractor ("colour-stats") so the cache, `features compare` and `cluster` can use it alone.
 */
import type { ImageArray } from "../../data/image.js";
import type { FeatureExtractor } from "../extractor.js";

export interface ColourOptions {
  /** Hue, saturation and value bins of the joint histogram. Default [8, 3, 3]. */
  bins?: readonly [number, number, number];
  /** Side the images are decoded to. Default 128 (the statistics barely change above it). */
  inputSize?: number;
}

export const COLOUR_DEFAULTS = { bins: [8, 3, 3] as const, inputSize: 128 };

/** Gradient-magnitude bin edges on [0, 1] grey (8 bins; the last is open). */
const GRAD_EDGES = [1 / 256, 1 / 128, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4];

export interface ColourBlocks {
  hist: Float32Array;
  moments: Float32Array;
  gradient: Float32Array;
}

/** HSV of an RGB triple in [0, 1]: hue in [0, 1), saturation and value in [0, 1]. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  const s = max > 0 ? d / max : 0;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d + 6) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h /= 6;
  }
  return [h >= 1 ? 0 : h, s, max];
}

function bin(v: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.floor(v * n)));
}

/** The three blocks of one image (not normalised: shares of pixels, and the raw moments). */
export function colourBlocks(img: ImageArray, bins: readonly [number, number, number] = COLOUR_DEFAULTS.bins): ColourBlocks {
  if (img.channels !== 3) throw new Error(`colour statistics need 3-channel images, got ${img.channels} channels`);
  const [nh, ns, nv] = bins;
  const { width: w, height: h, data } = img;
  const n = w * h;
  const hist = new Float32Array(nh * ns * nv);
  const sum = new Float64Array(5);
  const sq = new Float64Array(5);
  const grey = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const r = (data[3 * p]! + 1) / 2;
    const g = (data[3 * p + 1]! + 1) / 2;
    const b = (data[3 * p + 2]! + 1) / 2;
    const [hh, s, v] = rgbToHsv(r, g, b);
    hist[(bin(hh, nh) * ns + bin(s, ns)) * nv + bin(v, nv)]! += 1 / n;
    const vals = [r, g, b, s, v];
    for (let c = 0; c < 5; c++) {
      sum[c]! += vals[c]!;
      sq[c]! += vals[c]! * vals[c]!;
    }
    grey[p] = 0.299 * r + 0.587 * g + 0.114 * b;
  }
  const moments = new Float32Array(10);
  for (let c = 0; c < 5; c++) {
    const m = sum[c]! / n;
    moments[c] = m;
    moments[5 + c] = Math.sqrt(Math.max(0, sq[c]! / n - m * m));
  }
  const gradient = new Float32Array(GRAD_EDGES.length + 1);
  let count = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const gx = (grey[y * w + x + 1]! - grey[y * w + x - 1]!) / 2;
      const gy = (grey[(y + 1) * w + x]! - grey[(y - 1) * w + x]!) / 2;
      const m = Math.hypot(gx, gy);
      let k = 0;
      while (k < GRAD_EDGES.length && m >= GRAD_EDGES[k]!) k++;
      gradient[k]! += 1;
      count++;
    }
  }
  if (count > 0) for (let k = 0; k < gradient.length; k++) gradient[k]! /= count;
  return { hist, moments, gradient };
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return v.map((x) => x * inv);
}

/** The descriptor: sqrt(hist), moments, sqrt(gradient), each at unit L2 norm, joined. */
export function colourDescriptor(img: ImageArray, bins: readonly [number, number, number] = COLOUR_DEFAULTS.bins): Float32Array {
  const b = colourBlocks(img, bins);
  const parts = [unit(b.hist.map(Math.sqrt)), unit(b.moments), unit(b.gradient.map(Math.sqrt))];
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Lengths of the three blocks of `colourDescriptor`, in order. */
export function colourBlockDims(bins: readonly [number, number, number] = COLOUR_DEFAULTS.bins): number[] {
  return [bins[0] * bins[1] * bins[2], 10, GRAD_EDGES.length + 1];
}

/** The "colour-stats" extractor (see the module comment). */
export function createColourExtractor(opts: ColourOptions = {}): FeatureExtractor {
  const bins = opts.bins ?? COLOUR_DEFAULTS.bins;
  const inputSize = opts.inputSize ?? COLOUR_DEFAULTS.inputSize;
  if (bins.length !== 3 || bins.some((b) => !Number.isInteger(b) || b < 1 || b > 64)) throw new Error(`colour-stats: bins must be 3 integers in 1..64 (hue, saturation, value), got [${bins.join(", ")}]`);
  if (!Number.isInteger(inputSize) || inputSize < 16) throw new Error(`colour-stats: inputSize must be an integer >= 16, got ${inputSize}`);
  const dim = colourBlockDims(bins).reduce((s, d) => s + d, 0);
  return {
    id: "colour-stats",
    inputSize,
    options: { bins: [...bins], inputSize, version: 1 },
    dim: () => dim,
    extract: async (images) => images.map((img) => colourDescriptor(img, bins)),
    dispose: () => {},
  };
}
