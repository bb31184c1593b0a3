/**
 * Completing a painting of any shape at its own size with a completer that only knows S x S crops
 * (a DCGAN's latent search): pick square windows that cover the hole, scale each window (image and
 * mask together, so they stay aligned) to S x S, complete it, scale the result back up, and paste it
 * into the hole pixels of the full-resolution painting. Known pixels are never changed.
 *
 * Windows: square, side `window` pixels of the painting (default: the painting's shorter side, which
 * is what the GAN saw in training, a centre square scaled to S), placed to centre the hole and kept
 * inside the painting. A hole longer than one window is tiled with overlapping windows, done one
 * after another; a later window sees the pixels an earlier one filled as known context.
 *
 * Scaling: a separable triangle filter whose support grows with the scale factor (box-like when
 * shrinking, bilinear when enlarging). A mask is shrunk conservatively: an S-pixel is a hole when any
 * painting pixel under it is, so every hole pixel of the painting is filled from generated pixels.
 *
 * Pure functions, no I/O: the CLI (`heritage complete`) and the study's completer call
 * {@link completeFullResolution} with their own crop completer.
 */
import type { ImageArray, Mask } from "../data/image.js";

/** A square window of the painting, in painting pixels. */
export interface Window {
  x: number;
  y: number;
  side: number;
}

/** The bounding box of the hole, `x1`/`y1` exclusive; null when the mask has no hole. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Completes one S x S crop: `image` with the hole's values unspecified, `mask` 1 = missing. Returns S x S. */
export type CropCompleter = (image: ImageArray, mask: Mask, window: Window, index: number) => ImageArray | Promise<ImageArray>;

export interface FullResolutionOptions {
  /** Side S of the completer's input and output (the GAN's image size). Required. */
  side: number;
  /**
   * Side of each square window in painting pixels. Default: the painting's shorter side (the
   * context the GAN was trained on). Smaller windows give sharper fills of small holes in large
   * paintings but less context. Clamped to [1, shorter side].
   */
  window?: number;
}

export interface FullResolutionResult {
  /** The completed painting, same size and channels as the input. */
  image: ImageArray;
  /** The windows completed, in order (empty when the mask has no hole). */
  windows: Window[];
}

/** Bounding box of the hole pixels of `mask`, or null when there are none. */
export function holeBox(mask: Mask): Box | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (!mask.data[y * mask.width + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** Start positions of windows of `side` covering [a, b) inside [0, n): one centred, or evenly spaced tiles. */
function positions(a: number, b: number, side: number, n: number): number[] {
  const clamp = (p: number) => Math.max(0, Math.min(n - side, p));
  const len = b - a;
  if (len <= side) return [clamp(Math.round((a + b) / 2 - side / 2))];
  const count = Math.ceil(len / side);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(clamp(Math.round(a + ((len - side) * i) / (count - 1))));
  return [...new Set(out)];
}

/** The square windows that cover the hole box of a `width` x `height` painting (see the module comment). */
export function planWindows(width: number, height: number, box: Box, window?: number): Window[] {
  const short = Math.min(width, height);
  const side = Math.max(1, Math.min(short, Math.round(window ?? short)));
  const out: Window[] = [];
  for (const y of positions(box.y0, box.y1, side, height)) for (const x of positions(box.x0, box.x1, side, width)) out.push({ x, y, side });
  return out;
}

/** Filter taps that resample `n` samples of one axis to `m`: first input index and normalised weights per output. */
function weights1d(n: number, m: number): { start: number[]; w: Float32Array[] } {
  const scale = n / m;
  const support = Math.max(1, scale);
  const start: number[] = [];
  const w: Float32Array[] = [];
  for (let i = 0; i < m; i++) {
    const centre = (i + 0.5) * scale - 0.5;
    const lo = Math.max(0, Math.ceil(centre - support));
    const hi = Math.min(n - 1, Math.floor(centre + support));
    const ws = new Float32Array(Math.max(1, hi - lo + 1));
    let sum = 0;
    for (let k = lo; k <= hi; k++) sum += ws[k - lo] = Math.max(0, 1 - Math.abs(k - centre) / support);
    if (sum <= 0) {
      // a sample exactly between supports: take the nearest input
      const k = Math.min(n - 1, Math.max(0, Math.round(centre)));
      start.push(k);
      w.push(Float32Array.of(1));
      continue;
    }
    for (let k = 0; k < ws.length; k++) ws[k]! /= sum;
    start.push(lo);
    w.push(ws);
  }
  return { start, w };
}

/** Resize an image to `width` x `height` (separable triangle filter; see the module comment). */
export function resizeImage(img: ImageArray, width: number, height: number): ImageArray {
  if (img.width === width && img.height === height) return { ...img, data: new Float32Array(img.data) };
  const c = img.channels;
  const wx = weights1d(img.width, width);
  const wy = weights1d(img.height, height);
  // horizontal pass: img.height x width
  const tmp = new Float32Array(img.height * width * c);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const s = wx.start[x]!;
      const ws = wx.w[x]!;
      for (let ch = 0; ch < c; ch++) {
        let v = 0;
        for (let k = 0; k < ws.length; k++) v += ws[k]! * img.data[(y * img.width + s + k) * c + ch]!;
        tmp[(y * width + x) * c + ch] = v;
      }
    }
  }
  const out = new Float32Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const s = wy.start[y]!;
    const ws = wy.w[y]!;
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < c; ch++) {
        let v = 0;
        for (let k = 0; k < ws.length; k++) v += ws[k]! * tmp[((s + k) * width + x) * c + ch]!;
        out[(y * width + x) * c + ch] = v;
      }
    }
  }
  return { width, height, channels: c, data: out };
}

/** Resize a mask; an output pixel is a hole when any input pixel it covers is (conservative). */
export function resizeMaskConservative(mask: Mask, width: number, height: number): Mask {
  const sx = mask.width / width;
  const sy = mask.height / height;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const ya = Math.floor(y * sy);
    const yb = Math.max(ya + 1, Math.min(mask.height, Math.ceil((y + 1) * sy)));
    for (let x = 0; x < width; x++) {
      const xa = Math.floor(x * sx);
      const xb = Math.max(xa + 1, Math.min(mask.width, Math.ceil((x + 1) * sx)));
      let hole = 0;
      for (let yy = ya; yy < yb && !hole; yy++) for (let xx = xa; xx < xb; xx++) if (mask.data[yy * mask.width + xx]) {
        hole = 1;
        break;
      }
      out[y * width + x] = hole;
    }
  }
  return { width, height, data: out };
}

/** The `side` x `side` crop of an image at (x, y). */
export function cropImage(img: ImageArray, w: Window): ImageArray {
  const c = img.channels;
  const out = new Float32Array(w.side * w.side * c);
  for (let y = 0; y < w.side; y++) {
    const src = ((w.y + y) * img.width + w.x) * c;
    out.set(img.data.subarray(src, src + w.side * c), y * w.side * c);
  }
  return { width: w.side, height: w.side, channels: c, data: out };
}

/** The `side` x `side` crop of a mask at (x, y). */
export function cropMask(mask: Mask, w: Window): Mask {
  const out = new Uint8Array(w.side * w.side);
  for (let y = 0; y < w.side; y++) {
    const src = (w.y + y) * mask.width + w.x;
    out.set(mask.data.subarray(src, src + w.side), y * w.side);
  }
  return { width: w.side, height: w.side, data: out };
}

/**
 * Complete `image` (any width x height) where `mask` (same size, 1 = missing) has holes, with a
 * completer of S x S crops, and return the painting at its own size (see the module comment).
 * Throws when the sizes differ or the mask is all hole (nothing to complete from).
 */
export async function completeFullResolution(image: ImageArray, mask: Mask, complete: CropCompleter, opts: FullResolutionOptions): Promise<FullResolutionResult> {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new Error(`the mask is ${mask.width}x${mask.height} but the image is ${image.width}x${image.height}; they must have the same size`);
  }
  const S = opts.side;
  if (!Number.isInteger(S) || S < 1) throw new Error(`completeFullResolution: side must be a positive integer, got ${S}`);
  const holes = mask.data.reduce((s, v) => s + (v ? 1 : 0), 0);
  if (holes === mask.data.length) throw new Error("the mask is all white (every pixel missing): there is nothing to complete from");
  const current: ImageArray = { ...image, data: new Float32Array(image.data) };
  const box = holeBox(mask);
  if (!box) return { image: current, windows: [] };
  const remaining: Mask = { ...mask, data: new Uint8Array(mask.data) };
  const windows = planWindows(image.width, image.height, box, opts.window);
  const done: Window[] = [];
  const c = image.channels;
  for (const w of windows) {
    const m = cropMask(remaining, w);
    if (!m.data.some((v) => v)) continue; // an earlier window filled this part
    const small = resizeImage(cropImage(current, w), S, S);
    const smallMask = resizeMaskConservative(m, S, S);
    const filled = await complete(small, smallMask, w, done.length);
    if (filled.width !== S || filled.height !== S || filled.channels !== c) {
      throw new Error(`the crop completer returned ${filled.width}x${filled.height}x${filled.channels}, expected ${S}x${S}x${c}`);
    }
    const big = w.side === S ? filled : resizeImage(filled, w.side, w.side);
    for (let y = 0; y < w.side; y++) {
      for (let x = 0; x < w.side; x++) {
        const p = (w.y + y) * image.width + (w.x + x);
        if (!remaining.data[p]) continue;
        for (let ch = 0; ch < c; ch++) current.data[p * c + ch] = big.data[(y * w.side + x) * c + ch]!;
        remaining.data[p] = 0;
      }
    }
    done.push(w);
  }
  return { image: current, windows: done };
}
