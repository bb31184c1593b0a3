/**
 * SURF keypoints and 64-d descriptors (Bay, Tuytelaars, Van Gool 2006).
 *
 * Detector (as OpenCV's modules/xfeatures2d/src/surf.cpp, so responses are comparable):
 * box-filter approximations of the Gaussian second derivatives Dxx, Dyy, Dxy on an integral image,
 * each box normalised by its area; det(H) = Dxx Dyy - (0.9 Dxy)^2; filter sizes 9, 15, 21, 27 in the
 * first octave, doubling per octave with sampling step 1, 2, 4, 8; maxima above
 * `hessianThreshold` in 3x3x3 neighbourhoods of the inner layers; 3-D quadratic interpolation of
 * position and scale (rejected when the offset exceeds one sample).
 *
 * Orientation (paper section 4.1): Haar responses of size 4s at the samples within radius 6s
 * (step s), Gaussian weighted (2.5 samples, as OpenCV), summed in a 60-degree window slid in
 * 5-degree steps; the longest summed vector gives the angle. s = 1.2 * size / 9.
 *
 * Descriptor (section 4.2): a 20s x 20s window aligned with the orientation, split into 4x4
 * sub-regions of 5x5 samples; Haar responses of size 2s at each sample, Gaussian weighted
 * (sigma 3.3s), rotated into the keypoint frame; per sub-region (sum dx, sum dy, sum |dx|,
 * sum |dy|); unit length. Haar responses are evaluated at sub-pixel positions and scales on the
 * integral image (bilinear in the table, exact for piecewise-constant pixels) instead of rounding
 * to whole pixels, which keeps small keypoints stable under rotation. (OpenCV instead resamples a
 * rotated window; the paper's own implementation rounds.)
 */
import { boxSumF, integralImage, type IntegralImage } from "./integral-image.js";
import type { GrayImage, Keypoint, KeypointFeatures } from "./types.js";

export interface SurfOptions {
  /**
   * Keep at most this many keypoints, those with the largest Hessian response. 0 keeps all.
   * Default 0.
   */
  maxKeypoints?: number;
  /**
   * Minimum det(H) of a keypoint, in OpenCV's units (intensities 0..255), so OpenCV's advice
   * applies: 300..500 for a few strong keypoints, 100 (default) for many, lower for more.
   */
  hessianThreshold?: number;
  /** Octaves (each doubles the filter sizes). Sensible range 1..5. Default 4. */
  octaves?: number;
  /** Layers per octave where maxima are searched (each octave has octaveLayers + 2 filters). Default 2. */
  octaveLayers?: number;
}

export const SURF_DEFAULTS: Required<SurfOptions> = {
  maxKeypoints: 0,
  hessianThreshold: 100,
  octaves: 4,
  octaveLayers: 2,
};

export const SURF_DIM = 64;
const HAAR_SIZE0 = 9;
const HAAR_SIZE_INC = 6;
const ORI_RADIUS = 6;
const ORI_SIGMA = 2.5;
const ORI_WIN = 60;
const ORI_SEARCH_INC = 5;
const DESC_SIGMA = 3.3;

/** A box [x1, x2) x [y1, y2) relative to the filter's top-left, with its weight / area. */
interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  w: number;
}

/** OpenCV's `resizeHaarPattern`: scale a 9x9 pattern to `size`, rounding the box edges. */
function resizePattern(src: ReadonlyArray<readonly [number, number, number, number, number]>, size: number): Box[] {
  const ratio = size / HAAR_SIZE0;
  return src.map(([a, b, c, d, wt]) => {
    const x1 = Math.round(ratio * a);
    const y1 = Math.round(ratio * b);
    const x2 = Math.round(ratio * c);
    const y2 = Math.round(ratio * d);
    return { x1, y1, x2, y2, w: wt / ((x2 - x1) * (y2 - y1)) };
  });
}

const DXX = [
  [0, 2, 3, 7, 1],
  [3, 2, 6, 7, -2],
  [6, 2, 9, 7, 1],
] as const;
const DYY = [
  [2, 0, 7, 3, 1],
  [2, 3, 7, 6, -2],
  [2, 6, 7, 9, 1],
] as const;
const DXY = [
  [1, 1, 4, 4, 1],
  [5, 1, 8, 4, -1],
  [1, 5, 4, 8, -1],
  [5, 5, 8, 8, 1],
] as const;

interface Layer {
  size: number;
  det: Float32Array;
  trace: Float32Array;
}

/** Detect SURF keypoints and compute their 64-d descriptors on a [0, 1] grayscale image. */
export function surf(gray: GrayImage, options: SurfOptions = {}): KeypointFeatures {
  const o = { ...SURF_DEFAULTS, ...options };
  const ii = integralImage(gray, 255);
  let keypoints = detectSurf(ii, o);
  if (o.maxKeypoints > 0 && keypoints.length > o.maxKeypoints) {
    keypoints = keypoints.sort((a, b) => b.response - a.response).slice(0, o.maxKeypoints);
  }
  const kept: Keypoint[] = [];
  const rows: Float32Array[] = [];
  for (const kp of keypoints) {
    const angle = surfOrientation(ii, kp);
    if (angle === null) continue;
    const k = { ...kp, angle };
    kept.push(k);
    rows.push(surfDescriptor(ii, k));
  }
  const descriptors = new Float32Array(kept.length * SURF_DIM);
  rows.forEach((r, i) => descriptors.set(r, i * SURF_DIM));
  return { keypoints: kept, descriptors, dim: SURF_DIM };
}

/** Fast-Hessian detector: keypoints with angle 0 (orientation is assigned afterwards). */
export function detectSurf(ii: IntegralImage, o: Required<SurfOptions>): Keypoint[] {
  const W = ii.width;
  const H = ii.height;
  const S = ii.sum;
  const stride = W + 1;
  const nLayers = o.octaveLayers + 2;
  const out: Keypoint[] = [];
  for (let oct = 0; oct < o.octaves; oct++) {
    const step = 1 << oct;
    const rows = Math.floor(H / step);
    const cols = Math.floor(W / step);
    const sizes: number[] = [];
    const layers: Layer[] = [];
    for (let l = 0; l < nLayers; l++) {
      const size = (HAAR_SIZE0 + HAAR_SIZE_INC * l) << oct;
      sizes.push(size);
      const det = new Float32Array(rows * cols);
      const trace = new Float32Array(rows * cols);
      layers.push({ size, det, trace });
      if (size > H || size > W) continue;
      const dx = resizePattern(DXX, size);
      const dy = resizePattern(DYY, size);
      const dxy = resizePattern(DXY, size);
      const samplesI = 1 + Math.floor((H - size) / step);
      const samplesJ = 1 + Math.floor((W - size) / step);
      const margin = Math.floor(size / 2 / step);
      const pattern = (boxes: Box[], base: number): number => {
        let s = 0;
        for (const b of boxes) {
          s += (S[base + b.y2 * stride + b.x2]! - S[base + b.y1 * stride + b.x2]! - S[base + b.y2 * stride + b.x1]! + S[base + b.y1 * stride + b.x1]!) * b.w;
        }
        return s;
      };
      for (let i = 0; i < samplesI; i++) {
        const rowBase = i * step * stride;
        const outRow = (i + margin) * cols + margin;
        for (let j = 0; j < samplesJ; j++) {
          const base = rowBase + j * step;
          const vx = pattern(dx, base);
          const vy = pattern(dy, base);
          const vxy = pattern(dxy, base);
          det[outRow + j] = vx * vy - 0.81 * vxy * vxy;
          trace[outRow + j] = vx + vy;
        }
      }
    }
    for (let l = 1; l <= o.octaveLayers; l++) {
      const size = sizes[l]!;
      if (sizes[l + 1]! > H || sizes[l + 1]! > W) continue;
      const margin = Math.floor(sizes[l + 1]! / 2 / step) + 1;
      const below = layers[l - 1]!.det;
      const cur = layers[l]!.det;
      const above = layers[l + 1]!.det;
      for (let i = margin; i < rows - margin; i++) {
        for (let j = margin; j < cols - margin; j++) {
          const p = i * cols + j;
          const v = cur[p]!;
          if (!(v > o.hessianThreshold)) continue;
          if (!isMax(v, p, cols, below, cur, above)) continue;
          const sumI = step * (i - Math.floor(size / 2 / step));
          const sumJ = step * (j - Math.floor(size / 2 / step));
          const cy = sumI + (size - 1) * 0.5;
          const cx = sumJ + (size - 1) * 0.5;
          const ds = size - sizes[l - 1]!;
          const x = interpolate(p, cols, below, cur, above);
          if (!x) continue;
          out.push({
            x: cx + x[0] * step,
            y: cy + x[1] * step,
            size: Math.round(size + x[2] * ds),
            angle: 0,
            response: v,
            octave: oct,
          });
        }
      }
    }
  }
  return out;
}

function isMax(v: number, p: number, cols: number, below: Float32Array, cur: Float32Array, above: Float32Array): boolean {
  for (const img of [below, cur, above]) {
    for (let dy = -cols; dy <= cols; dy += cols) {
      for (let dx = -1; dx <= 1; dx++) {
        const q = p + dy + dx;
        if (img === cur && q === p) continue;
        if (!(v > img[q]!)) return false;
      }
    }
  }
  return true;
}

/** OpenCV's `interpolateKeypoint`: offset (x, y, scale) in sample units, or null if it exceeds 1. */
function interpolate(p: number, cols: number, b: Float32Array, c: Float32Array, a: Float32Array): [number, number, number] | null {
  const gx = -(c[p + 1]! - c[p - 1]!) / 2;
  const gy = -(c[p + cols]! - c[p - cols]!) / 2;
  const gs = -(a[p]! - b[p]!) / 2;
  const dxx = c[p - 1]! - 2 * c[p]! + c[p + 1]!;
  const dyy = c[p - cols]! - 2 * c[p]! + c[p + cols]!;
  const dss = b[p]! - 2 * c[p]! + a[p]!;
  const dxy = (c[p + cols + 1]! - c[p + cols - 1]! - c[p - cols + 1]! + c[p - cols - 1]!) / 4;
  const dxs = (a[p + 1]! - a[p - 1]! - b[p + 1]! + b[p - 1]!) / 4;
  const dys = (a[p + cols]! - a[p - cols]! - b[p + cols]! + b[p - cols]!) / 4;
  // Solve [dxx dxy dxs; dxy dyy dys; dxs dys dss] x = g by Cramer's rule.
  const A = dyy * dss - dys * dys;
  const B = dxs * dys - dxy * dss;
  const C = dxy * dys - dxs * dyy;
  const det = dxx * A + dxy * B + dxs * C;
  if (Math.abs(det) < 1e-30) return null;
  const D = dxx * dss - dxs * dxs;
  const E = dxy * dxs - dxx * dys;
  const F = dxx * dyy - dxy * dxy;
  const x0 = (A * gx + B * gy + C * gs) / det;
  const x1 = (B * gx + D * gy + E * gs) / det;
  const x2 = (C * gx + E * gy + F * gs) / det;
  const ok = (x0 !== 0 || x1 !== 0 || x2 !== 0) && Math.abs(x0) <= 1 && Math.abs(x1) <= 1 && Math.abs(x2) <= 1;
  return ok ? [x0, x1, x2] : null;
}

/** Haar responses (x: right minus left, y: bottom minus top) of side `L` centred at pixel-centre (x, y). */
function haar(ii: IntegralImage, x: number, y: number, L: number): [number, number] {
  const h = L / 2;
  const ex = x + 0.5; // edge coordinates
  const ey = y + 0.5;
  const right = boxSumF(ii, ex, ey - h, ex + h, ey + h);
  const left = boxSumF(ii, ex - h, ey - h, ex, ey + h);
  const bottom = boxSumF(ii, ex - h, ey, ex + h, ey + h);
  const top = boxSumF(ii, ex - h, ey - h, ex + h, ey);
  return [right - left, bottom - top];
}

/** Orientation samples: offsets (in units of s) within radius 6 and their Gaussian weights. */
const ORI_SAMPLES: ReadonlyArray<readonly [number, number, number]> = (() => {
  const g: number[] = [];
  let gs = 0;
  for (let i = -ORI_RADIUS; i <= ORI_RADIUS; i++) {
    g.push(Math.exp(-(i * i) / (2 * ORI_SIGMA * ORI_SIGMA)));
    gs += g[g.length - 1]!;
  }
  const out: Array<[number, number, number]> = [];
  for (let i = -ORI_RADIUS; i <= ORI_RADIUS; i++) {
    for (let j = -ORI_RADIUS; j <= ORI_RADIUS; j++) {
      if (i * i + j * j <= ORI_RADIUS * ORI_RADIUS) out.push([j, i, (g[i + ORI_RADIUS]! / gs) * (g[j + ORI_RADIUS]! / gs)]);
    }
  }
  return out;
})();

/** Dominant orientation in degrees (y-down), or null when the keypoint is too large for the image. */
export function surfOrientation(ii: IntegralImage, kp: Keypoint): number | null {
  const s = (kp.size * 1.2) / 9;
  const L = 4 * s;
  if (L > ii.width || L > ii.height) return null;
  const n = ORI_SAMPLES.length;
  const X = new Float64Array(n);
  const Y = new Float64Array(n);
  const A = new Int32Array(n);
  let m = 0;
  for (const [j, i, wt] of ORI_SAMPLES) {
    const x = kp.x + j * s;
    const y = kp.y + i * s;
    if (x - L / 2 < -0.5 || y - L / 2 < -0.5 || x + L / 2 > ii.width - 0.5 || y + L / 2 > ii.height - 0.5) continue;
    const [hx, hy] = haar(ii, x, y, L);
    X[m] = hx * wt;
    Y[m] = hy * wt;
    let a = Math.round((Math.atan2(Y[m]!, X[m]!) * 180) / Math.PI);
    if (a < 0) a += 360;
    A[m] = a;
    m++;
  }
  if (m === 0) return null;
  let best = 0;
  let bx = 0;
  let by = 0;
  for (let c = 0; c < 360; c += ORI_SEARCH_INC) {
    let sx = 0;
    let sy = 0;
    for (let k = 0; k < m; k++) {
      const d = Math.abs(A[k]! - c);
      if (d < ORI_WIN / 2 || d > 360 - ORI_WIN / 2) {
        sx += X[k]!;
        sy += Y[k]!;
      }
    }
    const mod = sx * sx + sy * sy;
    if (mod > best) {
      best = mod;
      bx = sx;
      by = sy;
    }
  }
  let angle = (Math.atan2(by, bx) * 180) / Math.PI;
  if (angle < 0) angle += 360;
  if (angle >= 360) angle -= 360;
  return angle;
}

/** The 64-d descriptor (4x4 sub-regions x [sum dx, sum dy, sum |dx|, sum |dy|]), unit length. */
export function surfDescriptor(ii: IntegralImage, kp: Keypoint): Float32Array {
  const s = (kp.size * 1.2) / 9;
  const t = (kp.angle * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const L = 2 * s;
  const inv2sig2 = 1 / (2 * DESC_SIGMA * DESC_SIGMA);
  const v = new Float32Array(SURF_DIM);
  for (let si = 0; si < 4; si++) {
    for (let sj = 0; sj < 4; sj++) {
      let sdx = 0;
      let sdy = 0;
      let adx = 0;
      let ady = 0;
      for (let u = 0; u < 5; u++) {
        const ky = -10 + 5 * si + u + 0.5; // keypoint frame, units of s
        for (let w = 0; w < 5; w++) {
          const kx = -10 + 5 * sj + w + 0.5;
          const x = kp.x + (kx * cos - ky * sin) * s;
          const y = kp.y + (kx * sin + ky * cos) * s;
          const [hx, hy] = haar(ii, x, y, L);
          const g = Math.exp(-(kx * kx + ky * ky) * inv2sig2);
          const rx = (hx * cos + hy * sin) * g;
          const ry = (-hx * sin + hy * cos) * g;
          sdx += rx;
          sdy += ry;
          adx += Math.abs(rx);
          ady += Math.abs(ry);
        }
      }
      const o = (si * 4 + sj) * 4;
      v[o] = sdx;
      v[o + 1] = sdy;
      v[o + 2] = adx;
      v[o + 3] = ady;
    }
  }
  let n2 = 0;
  for (let k = 0; k < SURF_DIM; k++) n2 += v[k]! * v[k]!;
  const inv = 1 / Math.max(Math.sqrt(n2), 1e-12);
  for (let k = 0; k < SURF_DIM; k++) v[k]! *= inv;
  return v;
}
