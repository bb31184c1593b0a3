/**
 * The shared "physical" finish applied after every style: canvas weave, uneven paint density,
 * yellowed varnish, vignette and an exposure/contrast change, each with a random strength, so that
 * pictures of one style differ in the ways photographs of real paintings do.
 */
import type { Rng } from "../../util/random.js";
import type { Canvas } from "./canvas.js";
import { fbm } from "./noise.js";

export interface FinishOptions {
  /** Largest varnish yellowing, 0..1 (0 = none). Default 0.25. */
  maxVarnish?: number;
  /** Largest vignette darkening at the corners, 0..1. Default 0.3. */
  maxVignette?: number;
  /** Largest canvas-weave amplitude (brightness units). Default 0.04. */
  maxWeave?: number;
}

/** Apply the finish to a finished drawing in place. */
export function applyFinish(c: Canvas, rng: Rng, opts: FinishOptions = {}): void {
  const varnish = rng.uniform(0, opts.maxVarnish ?? 0.25) ** 1.5;
  const vignette = rng.uniform(0, opts.maxVignette ?? 0.3);
  const weave = rng.uniform(0.005, opts.maxWeave ?? 0.04);
  const weaveFreq = rng.uniform(90, 160) * Math.PI;
  const mottle = rng.uniform(0, 0.08);
  const mottleNoise = fbm(rng, 3);
  const grainSeed = rng.int(0x7fffffff);
  const exposure = Math.exp(rng.normal() * 0.08);
  const contrast = Math.exp(rng.normal() * 0.1);
  const tint: [number, number, number] = [1, 0.93 - 0.02 * rng.next(), 0.72 - 0.08 * rng.next()];
  const vx = rng.uniform(0.4, 0.6);
  const vy = rng.uniform(0.4, 0.6);

  // separable and low-frequency parts precomputed: weave per column/row, mottle on a coarse grid
  const { w: W, h: H, data } = c;
  const sx = new Float32Array(W);
  const sy = new Float32Array(H);
  for (let px = 0; px < W; px++) sx[px] = Math.sin(((px + 0.5) / W) * weaveFreq);
  for (let py = 0; py < H; py++) sy[py] = Math.sin(((py + 0.5) / H) * weaveFreq * 1.03);
  const G = 24;
  const grid = new Float32Array((G + 1) * (G + 1));
  for (let j = 0; j <= G; j++) for (let i = 0; i <= G; i++) grid[j * (G + 1) + i] = (mottleNoise((i / G) * 4, (j / G) * 4) - 0.5) * 2 * mottle;
  const gain = [0, 1, 2].map((k) => (1 - varnish + varnish * tint[k]!) * contrast);
  const offset = 0.5 - 0.5 * contrast;
  let h = grainSeed | 1;
  for (let py = 0; py < H; py++) {
    const y = (py + 0.5) / H;
    const gy = y * G;
    const j = Math.min(G - 1, Math.floor(gy));
    const fy = gy - j;
    const dy = y - vy;
    for (let px = 0; px < W; px++) {
      const x = (px + 0.5) / W;
      const gx = x * G;
      const i = Math.min(G - 1, Math.floor(gx));
      const fx = gx - i;
      const a = grid[j * (G + 1) + i]!;
      const b = grid[j * (G + 1) + i + 1]!;
      const cc = grid[(j + 1) * (G + 1) + i]!;
      const d = grid[(j + 1) * (G + 1) + i + 1]!;
      const m = a + (b - a) * fx + (cc - a) * fy + (a - b - cc + d) * fx * fy;
      const dx = x - vx;
      const r2 = Math.min(1, (dx * dx + dy * dy) * 2.2);
      const v = 1 - vignette * r2 * Math.sqrt(Math.sqrt(r2)); // r2^1.25
      // xorshift grain, one value per supersampled pixel
      h ^= h << 13;
      h ^= h >>> 17;
      h ^= h << 5;
      const g = ((h >>> 0) / 4294967296 - 0.5) * 0.04;
      const add = weave * sx[px]! * sy[py]! + g;
      const mul = exposure * v * (1 + m);
      const o = (py * W + px) * 3;
      for (let k = 0; k < 3; k++) data[o + k] = (data[o + k]! * gain[k]! + offset) * mul + add;
    }
  }
}
