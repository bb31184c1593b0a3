/** Colour helpers for the painting generator. Colours are [r, g, b] in [0, 1]. */
import type { Rng } from "../../util/random.js";

export type RGB = [number, number, number];

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** HSL to RGB; h in turns (any real, wrapped), s and l in [0, 1]. */
export function hsl(h: number, s: number, l: number): RGB {
  h = ((h % 1) + 1) % 1;
  s = clamp01(s);
  l = clamp01(l);
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const f = (t: number): number => {
    t = ((t % 1) + 1) % 1;
    if (t < 1 / 6) return p + (q - p) * 6 * t;
    if (t < 1 / 2) return q;
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
    return p;
  };
  return [f(h + 1 / 3), f(h), f(h - 1 / 3)];
}

/** RGB to HSL (h in turns). */
export function toHsl(c: RGB): [number, number, number] {
  const [r, g, b] = c;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  let h: number;
  if (max === r) h = (g - b) / d + (g < b ? 6 : 0);
  else if (max === g) h = (b - r) / d + 2;
  else h = (r - g) / d + 4;
  return [h / 6, s, l];
}

/** Parse "#rrggbb". */
export function hex(s: string): RGB {
  const v = parseInt(s.replace("#", ""), 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

/** Linear mix of two colours (t = 0 gives a, 1 gives b). */
export function mix(a: RGB, b: RGB, t: number): RGB {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Multiply brightness by `k` (clamped). */
export function scale(c: RGB, k: number): RGB {
  return [clamp01(c[0] * k), clamp01(c[1] * k), clamp01(c[2] * k)];
}

/** Randomly shift hue (turns), saturation and lightness by up to the given amounts (uniform). */
export function jitter(c: RGB, rng: Rng, dh: number, ds: number, dl: number): RGB {
  const [h, s, l] = toHsl(c);
  return hsl(h + rng.uniform(-dh, dh), s + rng.uniform(-ds, ds), l + rng.uniform(-dl, dl));
}

/** Pick one element uniformly. */
export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]!;
}
