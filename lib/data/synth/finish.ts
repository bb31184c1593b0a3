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
  const grainNoise = fbm(rng, 2);
  const exposure = Math.exp(rng.normal() * 0.08);
  const contrast = Math.exp(rng.normal() * 0.1);
  const tint: [number, number, number] = [1, 0.93 - 0.02 * rng.next(), 0.72 - 0.08 * rng.next()];
  const vx = rng.uniform(0.4, 0.6);
  const vy = rng.uniform(0.4, 0.6);
  c.shade((x, y, rgb) => {
    const w = Math.sin(x * weaveFreq) * Math.sin(y * weaveFreq * 1.03);
    const g = grainNoise(x * 180, y * 180) - 0.5;
    const m = (mottleNoise(x * 4, y * 4) - 0.5) * 2 * mottle;
    const dx = x - vx;
    const dy = y - vy;
    const v = 1 - vignette * Math.min(1, (dx * dx + dy * dy) * 2.2) ** 1.4;
    for (let k = 0; k < 3; k++) {
      let val = rgb[k]! * (1 - varnish + varnish * tint[k]!);
      val = (val - 0.5) * contrast + 0.5;
      val = val * exposure * v * (1 + m) + weave * w + 0.03 * g;
      rgb[k] = val;
    }
  });
}
