/**
 * The fast-marching machinery shared by OpenCV-style Telea and Navier-Stokes inpainting
 * (OpenCV modules/photo/src/inpaint.cpp, reproduced step for step so results agree with cv2.inpaint):
 * a 1-pixel-padded flag grid, the arrival-time grid T (float32), a stable priority queue (ties leave
 * in insertion order, like OpenCV's sorted list) and the eikonal update `FastMarching_solve`.
 *
 * Grids are "extended": (rows + 2) x (cols + 2), image pixel (y, x) at (y + 1, x + 1).
 */
import type { Mask } from "../data/image.js";

export const KNOWN = 0;
export const BAND = 1;
export const INSIDE = 2;
const CHANGE = 3;

const f32 = Math.fround;

/** Min-priority queue on (T, insertion order), float32 keys. */
export class StableQueue {
  private t: Float32Array;
  private seq: Float64Array;
  private pos: Int32Array;
  private n = 0;
  private counter = 0;

  constructor(capacity: number) {
    this.t = new Float32Array(capacity);
    this.seq = new Float64Array(capacity);
    this.pos = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  private less(a: number, b: number): boolean {
    return this.t[a]! < this.t[b]! || (this.t[a] === this.t[b] && this.seq[a]! < this.seq[b]!);
  }

  private swap(a: number, b: number): void {
    const t = this.t[a]!;
    this.t[a] = this.t[b]!;
    this.t[b] = t;
    const s = this.seq[a]!;
    this.seq[a] = this.seq[b]!;
    this.seq[b] = s;
    const p = this.pos[a]!;
    this.pos[a] = this.pos[b]!;
    this.pos[b] = p;
  }

  push(index: number, time: number): void {
    if (this.n === this.t.length) {
      const grow = (a: Float32Array | Float64Array | Int32Array): typeof a => {
        const b = new (a.constructor as new (n: number) => typeof a)(a.length * 2 + 16);
        b.set(a);
        return b;
      };
      this.t = grow(this.t) as Float32Array;
      this.seq = grow(this.seq) as Float64Array;
      this.pos = grow(this.pos) as Int32Array;
    }
    let i = this.n++;
    this.t[i] = time;
    this.seq[i] = this.counter++;
    this.pos[i] = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Remove and return the grid index with the smallest T (oldest first on ties), or -1 when empty. */
  pop(): number {
    if (this.n === 0) return -1;
    const top = this.pos[0]!;
    this.n--;
    if (this.n > 0) {
      this.swap(0, this.n);
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.n && this.less(l, m)) m = l;
        if (r < this.n && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/** OpenCV's FastMarching_solve: arrival time at a pixel from two of its neighbours (double math, float result). */
export function solveEikonal(a: number, fa: number, b: number, fb: number): number {
  let sol: number;
  const m = Math.min(a, b);
  if (fa !== INSIDE) {
    if (fb !== INSIDE) {
      sol = Math.abs(a - b) >= 1.0 ? 1 + m : (a + b + Math.sqrt(2 - (a - b) * (a - b))) * 0.5;
    } else sol = 1 + a;
  } else if (fb !== INSIDE) sol = 1 + b;
  else sol = 1 + m;
  return f32(sol);
}

/** Arrival time of grid cell p (extended index) from its four neighbours: min over the four quadrant pairs. */
export function arrivalTime(p: number, ew: number, flags: Uint8Array, t: Float32Array): number {
  const up = p - ew;
  const dn = p + ew;
  const a = solveEikonal(t[up]!, flags[up]!, t[p - 1]!, flags[p - 1]!);
  const b = solveEikonal(t[dn]!, flags[dn]!, t[p - 1]!, flags[p - 1]!);
  const c = solveEikonal(t[up]!, flags[up]!, t[p + 1]!, flags[p + 1]!);
  const d = solveEikonal(t[dn]!, flags[dn]!, t[p + 1]!, flags[p + 1]!);
  const ab = a < b ? a : b;
  const cd = c < d ? c : d;
  return ab < cd ? ab : cd;
}

export interface FmmSetup {
  /** Extended width (cols + 2). */
  ew: number;
  /** Extended height (rows + 2). */
  eh: number;
  /** Flags for the inpainting march: INSIDE in the hole, KNOWN elsewhere. */
  flags: Uint8Array;
  /** Arrival times: 0 on the band, negative outside distance in the Telea ring, 1e6 elsewhere and in the hole. */
  t: Float32Array;
  /** Queue holding the narrow band (known pixels 4-adjacent to the hole), in raster order at T = 0. */
  queue: StableQueue;
  /** Number of hole pixels. */
  holes: number;
}

/**
 * Build the grids as cvInpaint does. With `outsideRange` > 0 (Telea), also march outwards from the
 * band over the (2r+1)^2-dilated ring and store negated distances there, as icvCalcFMM(..., negate=true).
 */
export function setupFmm(mask: Mask, outsideRange: number): FmmSetup {
  const { width: w, height: h } = mask;
  const ew = w + 2;
  const eh = h + 2;
  const n = ew * eh;
  const flags = new Uint8Array(n);
  let holes = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask.data[y * w + x]) {
        flags[(y + 1) * ew + x + 1] = INSIDE;
        holes++;
      }
    }
  }
  const isBorder = (p: number): boolean => {
    const y = Math.floor(p / ew);
    const x = p - y * ew;
    return x === 0 || y === 0 || x === ew - 1 || y === eh - 1;
  };
  // band = cross-dilated hole minus hole, border cleared
  const band = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    if (flags[p] === INSIDE || isBorder(p)) continue;
    if (flags[p - 1] === INSIDE || flags[p + 1] === INSIDE || flags[p - ew] === INSIDE || flags[p + ew] === INSIDE) band[p] = 1;
  }
  const t = new Float32Array(n).fill(1.0e6);
  const queue = new StableQueue(n);
  for (let p = 0; p < n; p++) {
    if (band[p]) {
      queue.push(p, 0);
      t[p] = 0;
    }
  }
  if (outsideRange > 0) {
    // ring = square-dilated hole minus hole minus band, border cleared; march from the band
    const r = outsideRange;
    const out = new Uint8Array(n);
    // separable max filter of the hole indicator
    const rowMax = new Uint8Array(n);
    for (let y = 0; y < eh; y++) {
      for (let x = 0; x < ew; x++) {
        let v = 0;
        for (let dx = Math.max(0, x - r); dx <= Math.min(ew - 1, x + r) && !v; dx++) if (flags[y * ew + dx] === INSIDE) v = 1;
        rowMax[y * ew + x] = v;
      }
    }
    for (let y = 0; y < eh; y++) {
      for (let x = 0; x < ew; x++) {
        let v = 0;
        for (let dy = Math.max(0, y - r); dy <= Math.min(eh - 1, y + r) && !v; dy++) if (rowMax[dy * ew + x]) v = 1;
        const p = y * ew + x;
        if (v && flags[p] !== INSIDE && !band[p] && !isBorder(p)) out[p] = INSIDE;
      }
    }
    const ring = new StableQueue(n);
    for (let p = 0; p < n; p++) if (band[p]) ring.push(p, 0);
    for (let p = ring.pop(); p >= 0; p = ring.pop()) {
      out[p] = CHANGE;
      for (const q of [p - ew, p - 1, p + ew, p + 1]) {
        const qy = Math.floor(q / ew);
        const qx = q - qy * ew;
        if (qy <= 0 || qx <= 0 || qy > eh || qx > ew) continue;
        if (out[q] === INSIDE) {
          const dist = arrivalTime(q, ew, out, t);
          t[q] = dist;
          out[q] = BAND;
          ring.push(q, dist);
        }
      }
    }
    for (let p = 0; p < n; p++) if (out[p] === CHANGE) t[p] = -t[p]!;
  }
  return { ew, eh, flags, t, queue, holes };
}
