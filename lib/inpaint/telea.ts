/**
 * Classic (non-learned) inpainting as OpenCV's `cv2.inpaint`: Telea's fast marching method
 * (Telea 2004, "An image inpainting technique based on the fast marching method", INPAINT_TELEA) and
 * the Navier-Stokes-inspired variant of Bertalmio et al. 2001 as OpenCV implements it (INPAINT_NS:
 * same fast-marching order, weights along the isophotes). These are the floor the GAN results must beat.
 *
 * The code follows OpenCV's photo/src/inpaint.cpp step for step, including its float32 arithmetic,
 * its tie order in the queue and its quirks (e.g. the x2 factor in the image-gradient term and the
 * +0.5 before rounding), so in the default `precision: "uint8"` the filled pixels equal cv2.inpaint's
 * on 8-bit images (checked against committed cv2 outputs in test/inpaint/telea.test.ts).
 * `precision: "float"` keeps the values continuous (no rounding, no +0.5 bias) for float pipelines.
 *
 * Only hole pixels change; known pixels are returned bit-identical. The hole's input values are
 * ignored (treated as black, as in a damaged picture; cv2 gives the same result on such an input),
 * so passing the ground truth with a mask cannot leak it into the baseline.
 */
import type { ImageArray, Mask } from "../data/image.js";
import { arrivalTime, BAND, INSIDE, KNOWN, setupFmm, type StableQueue } from "./classic-fmm.js";

export interface ClassicInpaintOptions {
  /** Neighbourhood radius in pixels considered around each filled pixel (OpenCV's inpaintRadius). Range 1-100, default 5. */
  radius?: number;
  /**
   * "uint8" (default): work on 0-255 integers and round every filled value as OpenCV does for 8-bit
   * images, so results match cv2.inpaint. "float": same algorithm on continuous values, no rounding.
   */
  precision?: "uint8" | "float";
  /** The value range of the input (mapped to 0-255 inside). Default [0, 1]; use [-1, 1] for GAN-range images. */
  valueRange?: readonly [number, number];
}

export type ClassicMethod = "telea" | "ns";

const f32 = Math.fround;
const EPS20 = f32(1.0e-20);
const TINY = f32(0.000001);

/** cvRound: nearest integer, ties to even (SSE default rounding). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

function sat8(x: number): number {
  const r = rint(x);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

function validate(img: ImageArray, mask: Mask, what: string): void {
  if (mask.width !== img.width || mask.height !== img.height) {
    throw new Error(`${what}: mask is ${mask.width}x${mask.height} but the image is ${img.width}x${img.height}`);
  }
  if (img.width < 2 || img.height < 2) throw new Error(`${what}: the image must be at least 2x2, got ${img.width}x${img.height}`);
  if (img.data.length !== img.width * img.height * img.channels) {
    throw new Error(`${what}: image data length does not match ${img.width}x${img.height}x${img.channels}`);
  }
}

interface Work {
  px: Float64Array; // 0-255 scale, HWC
  toUnit: (v: number) => number;
}

function toWork(img: ImageArray, mask: Mask, opts: ClassicInpaintOptions): Work {
  const [lo, hi] = opts.valueRange ?? [0, 1];
  if (!(hi > lo)) throw new Error(`inpaint: valueRange must be [lo, hi] with hi > lo, got [${lo}, ${hi}]`);
  const scale = 255 / (hi - lo);
  const quant = (opts.precision ?? "uint8") === "uint8";
  const px = new Float64Array(img.data.length);
  for (let i = 0; i < px.length; i++) {
    const v = (img.data[i]! - lo) * scale;
    px[i] = quant ? sat8(v) : Math.min(255, Math.max(0, v));
  }
  // black out the hole: OpenCV's index quirks at the top/left edge can read a not-yet-filled hole
  // pixel, so whatever the caller left there (even the ground truth) must not reach the result
  const c = img.channels;
  for (let p = 0; p < mask.data.length; p++) if (mask.data[p]) px.fill(0, p * c, p * c + c);
  return { px, toUnit: (v) => v / scale + lo };
}

function radiusOf(opts: ClassicInpaintOptions): number {
  const r = Math.round(opts.radius ?? 5);
  return Math.min(100, Math.max(1, r));
}

function finish(img: ImageArray, mask: Mask, work: Work): ImageArray {
  const data = new Float32Array(img.data);
  const c = img.channels;
  for (let p = 0; p < mask.data.length; p++) {
    if (!mask.data[p]) continue;
    for (let k = 0; k < c; k++) data[p * c + k] = work.toUnit(work.px[p * c + k]!);
  }
  return { width: img.width, height: img.height, channels: c, data };
}

/** State shared by the per-pixel fills (one object, so the hot functions stay small and monomorphic). */
interface FillContext {
  px: Float64Array;
  W: number;
  C: number;
  ew: number;
  eh: number;
  flags: Uint8Array;
  t: Float32Array;
  range: number;
  quant: boolean;
  Ia: Float64Array;
  Jx: Float64Array;
  Jy: Float64Array;
  S: Float64Array;
}

/**
 * The fast-marching sweep shared by both methods: pop the earliest band pixel, and for each of its
 * 4-neighbours still unknown (up, left, down, right, as OpenCV) compute its arrival time, fill it, and
 * push it onto the band.
 */
function march(ctx: FillContext, queue: StableQueue, fill: (ctx: FillContext, i: number, j: number, p: number) => void): void {
  const { ew, eh, flags, t } = ctx;
  for (let pp = queue.pop(); pp >= 0; pp = queue.pop()) {
    flags[pp] = KNOWN;
    const ii = Math.floor(pp / ew);
    const jj = pp - ii * ew;
    for (let q = 0; q < 4; q++) {
      const i = q === 0 ? ii - 1 : q === 2 ? ii + 1 : ii;
      const j = q === 1 ? jj - 1 : q === 3 ? jj + 1 : jj;
      if (i <= 0 || j <= 0 || i > eh - 1 || j > ew - 1) continue;
      const p = i * ew + j;
      if (flags[p] !== INSIDE) continue;
      const dist = arrivalTime(p, ew, flags, t);
      t[p] = dist;
      fill(ctx, i, j, p);
      flags[p] = BAND;
      queue.push(p, dist);
    }
  }
}

/** Telea's weighted first-order estimate for grid cell p = (i, j), written into ctx.px. */
function teleaPixel(ctx: FillContext, i: number, j: number, p: number): void {
  const { px, W, C, ew, eh, flags, t, range, Ia, Jx, Jy, S } = ctx;
  const oneChannel = C === 1;
  const r2 = range * range;
  const tij = t[p]!;
  // gradient of T (one-sided next to unknown pixels)
  let gx: number;
  let gy: number;
  if (flags[p + 1] !== INSIDE) gx = flags[p - 1] !== INSIDE ? f32(t[p + 1]! - t[p - 1]!) * 0.5 : f32(t[p + 1]! - tij);
  else gx = flags[p - 1] !== INSIDE ? f32(tij - t[p - 1]!) : 0;
  if (flags[p + ew] !== INSIDE) gy = flags[p - ew] !== INSIDE ? f32(t[p + ew]! - t[p - ew]!) * 0.5 : f32(t[p + ew]! - tij);
  else gy = flags[p - ew] !== INSIDE ? f32(tij - t[p - ew]!) : 0;
  Ia.fill(0);
  Jx.fill(0);
  Jy.fill(0);
  S.fill(EPS20);
  for (let k = i - range; k <= i + range; k++) {
    if (k <= 0 || k >= eh - 1) continue;
    // OpenCV's clamped image rows: km for the pixel and backward differences, kp for forward ones
    const km = k - 1 + (k === 1 ? 1 : 0);
    const kp = k - 1 - (k === eh - 2 ? 1 : 0);
    const ry = i - k;
    for (let l = j - range; l <= j + range; l++) {
      if (l <= 0 || l >= ew - 1) continue;
      const pk = k * ew + l;
      const rx = j - l;
      const vl = rx * rx + ry * ry;
      if (flags[pk] === INSIDE || vl > r2) continue;
      const lm = l - 1 + (l === 1 ? 1 : 0);
      const lp = l - 1 - (l === ew - 2 ? 1 : 0);
      const dst = oneChannel ? f32(1 / f32(vl * f32(Math.sqrt(vl)))) : f32(1 / (vl * Math.sqrt(vl)));
      const lev = f32(1 / f32(1 + Math.abs(f32(t[pk]! - tij))));
      let dir = f32(f32(rx * gx) + f32(ry * gy));
      if (Math.abs(dir) <= 0.01) dir = TINY;
      const w = f32(Math.abs(f32(f32(dst * lev) * dir)));
      const rightKnown = flags[pk + 1] !== INSIDE;
      const leftKnown = flags[pk - 1] !== INSIDE;
      const downKnown = flags[pk + ew] !== INSIDE;
      const upKnown = flags[pk - ew] !== INSIDE;
      const rowM = km * W;
      for (let ch = 0; ch < C; ch++) {
        const cur = px[(rowM + lm) * C + ch]!;
        let gix: number;
        let giy: number;
        // image gradient, with OpenCV's factor 2 on the central difference
        if (rightKnown) gix = leftKnown ? (px[(rowM + lp + 1) * C + ch]! - px[(rowM + lm - 1) * C + ch]!) * 2 : px[(rowM + lp + 1) * C + ch]! - cur;
        else gix = leftKnown ? px[(rowM + lp) * C + ch]! - px[(rowM + lm - 1) * C + ch]! : 0;
        if (downKnown) giy = upKnown ? (px[((kp + 1) * W + lm) * C + ch]! - px[((km - 1) * W + lm) * C + ch]!) * 2 : px[((kp + 1) * W + lm) * C + ch]! - cur;
        else giy = upKnown ? px[(kp * W + lm) * C + ch]! - px[((km - 1) * W + lm) * C + ch]! : 0;
        gix = f32(gix);
        giy = f32(giy);
        Ia[ch] = f32(Ia[ch]! + f32(w * f32(cur)));
        Jx[ch] = f32(Jx[ch]! - f32(w * f32(gix * rx)));
        Jy[ch] = f32(Jy[ch]! - f32(w * f32(giy * ry)));
        S[ch] = f32(S[ch]! + w);
      }
    }
  }
  const base = ((i - 1) * W + (j - 1)) * C;
  for (let ch = 0; ch < C; ch++) {
    const jx = Jx[ch]!;
    const jy = Jy[ch]!;
    const norm = f32(f32(Math.sqrt(f32(f32(jx * jx) + f32(jy * jy)))) + EPS20);
    const v = f32(f32(Ia[ch]! / S[ch]!) + f32(f32(jx + jy) / norm));
    px[base + ch] = ctx.quant ? sat8(f32(v + 0.5)) : Math.min(255, Math.max(0, v));
  }
}

/** OpenCV's Navier-Stokes-style estimate for grid cell (i, j): isophote-aligned weighted mean. */
function nsPixel(ctx: FillContext, i: number, j: number): void {
  const { px, W, C, ew, eh, flags, range, Ia, S } = ctx;
  const r2 = range * range;
  Ia.fill(0);
  S.fill(EPS20);
  for (let k = i - range; k <= i + range; k++) {
    if (k <= 0 || k >= eh - 1) continue;
    const km = k - 1 + (k === 1 ? 1 : 0);
    const kp = k - 1 - (k === eh - 2 ? 1 : 0);
    const ry = k - i;
    for (let l = j - range; l <= j + range; l++) {
      if (l <= 0 || l >= ew - 1) continue;
      const pk = k * ew + l;
      const rx = l - j;
      const vl = rx * rx + ry * ry;
      if (flags[pk] === INSIDE || vl > r2) continue;
      const lm = l - 1 + (l === 1 ? 1 : 0);
      const lp = l - 1 - (l === ew - 2 ? 1 : 0);
      const dst = f32(1 / f32(f32(vl * vl) + 1));
      const downKnown = flags[pk + ew] !== INSIDE;
      const upKnown = flags[pk - ew] !== INSIDE;
      const rightKnown = flags[pk + 1] !== INSIDE;
      const leftKnown = flags[pk - 1] !== INSIDE;
      const rowM = km * W;
      for (let ch = 0; ch < C; ch++) {
        const cur = px[(rowM + lm) * C + ch]!;
        const below = px[((kp + 1) * W + lm) * C + ch]!;
        const atKp = px[(kp * W + lm) * C + ch]!;
        const above = px[((km - 1) * W + lm) * C + ch]!;
        const right = px[(rowM + lp + 1) * C + ch]!;
        const left = px[(rowM + lm - 1) * C + ch]!;
        let gx: number;
        let gy: number;
        if (downKnown) gx = upKnown ? Math.abs(below - atKp) + Math.abs(atKp - above) : Math.abs(below - atKp) * 2;
        else gx = upKnown ? Math.abs(atKp - above) * 2 : 0;
        if (rightKnown) gy = leftKnown ? Math.abs(right - cur) + Math.abs(cur - left) : Math.abs(right - cur) * 2;
        else gy = leftKnown ? Math.abs(cur - left) * 2 : 0;
        gx = -f32(gx);
        gy = f32(gy);
        let dir = f32(f32(rx * gx) + f32(ry * gy));
        if (Math.abs(dir) <= 0.01) dir = TINY;
        else {
          const lg = f32(f32(gx * gx) + f32(gy * gy));
          dir = f32(Math.abs(f32(dir / f32(Math.sqrt(f32(vl * lg))))));
        }
        const w = f32(dst * dir);
        Ia[ch] = f32(Ia[ch]! + f32(w * f32(cur)));
        S[ch] = f32(S[ch]! + w);
      }
    }
  }
  const base = ((i - 1) * W + (j - 1)) * C;
  for (let ch = 0; ch < C; ch++) {
    const v = Ia[ch]! / S[ch]!;
    px[base + ch] = ctx.quant ? sat8(v) : Math.min(255, Math.max(0, v));
  }
}

function run(img: ImageArray, mask: Mask, opts: ClassicInpaintOptions, method: ClassicMethod): ImageArray {
  const range = radiusOf(opts);
  const work = toWork(img, mask, opts);
  const { ew, eh, flags, t, queue, holes } = setupFmm(mask, method === "telea" ? range : 0);
  if (holes === 0) return finish(img, mask, work);
  const C = img.channels;
  const ctx: FillContext = {
    px: work.px,
    W: img.width,
    C,
    ew,
    eh,
    flags,
    t,
    range,
    quant: (opts.precision ?? "uint8") === "uint8",
    Ia: new Float64Array(C),
    Jx: new Float64Array(C),
    Jy: new Float64Array(C),
    S: new Float64Array(C),
  };
  march(ctx, queue, method === "telea" ? teleaPixel : nsPixel);
  return finish(img, mask, work);
}

/** Telea's fast-marching inpainting, as cv2.inpaint(..., INPAINT_TELEA). */
export function teleaInpaint(img: ImageArray, mask: Mask, opts: ClassicInpaintOptions = {}): ImageArray {
  validate(img, mask, "teleaInpaint");
  return run(img, mask, opts, "telea");
}

/** The Navier-Stokes-style variant, as cv2.inpaint(..., INPAINT_NS): isophote-weighted average in fast-marching order. */
export function navierStokesInpaint(img: ImageArray, mask: Mask, opts: ClassicInpaintOptions = {}): ImageArray {
  validate(img, mask, "navierStokesInpaint");
  return run(img, mask, opts, "ns");
}

/** The classic baseline for the study: "telea" (default) or "ns". */
export function classicInpaint(img: ImageArray, mask: Mask, method: ClassicMethod = "telea", opts: ClassicInpaintOptions = {}): ImageArray {
  if (method === "telea") return teleaInpaint(img, mask, opts);
  if (method === "ns") return navierStokesInpaint(img, mask, opts);
  throw new Error(`classicInpaint: method must be "telea" or "ns", got "${String(method)}"`);
}
