/** Seeded 2-D value noise and fractal (fBm) noise, for textures, clouds and edge wobble. */
import type { Rng } from "../../util/random.js";

function hash2(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** A noise field: call it with (x, y) in any units; one unit is one noise cell. */
export type Noise2D = (x: number, y: number) => number;

/** Smooth value noise in [0, 1] with a seed drawn from `rng`. */
export function valueNoise(rng: Rng): Noise2D {
  const seed = rng.int(0x7fffffff);
  return (x, y) => {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = x - ix;
    const fy = y - iy;
    const sx = fx * fx * (3 - 2 * fx);
    const sy = fy * fy * (3 - 2 * fy);
    const a = hash2(ix, iy, seed);
    const b = hash2(ix + 1, iy, seed);
    const c = hash2(ix, iy + 1, seed);
    const d = hash2(ix + 1, iy + 1, seed);
    return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
  };
}

/**
 * Fractal noise in about [0, 1]: `octaves` layers of value noise, each twice the frequency
 * and `gain` times the amplitude of the previous one (gain 0.5 = classic fBm).
 */
export function fbm(rng: Rng, octaves = 4, gain = 0.5): Noise2D {
  const layers = Array.from({ length: octaves }, () => valueNoise(rng));
  let norm = 0;
  for (let o = 0, a = 1; o < octaves; o++, a *= gain) norm += a;
  return (x, y) => {
    let s = 0;
    let a = 1;
    let f = 1;
    for (let o = 0; o < octaves; o++) {
      s += a * layers[o]!(x * f + o * 17.3, y * f - o * 9.1);
      a *= gain;
      f *= 2;
    }
    return s / norm;
  };
}
