/**
 * Colour-field painting (Rothko, Newman): a ground colour with two or three stacked, soft-edged
 * rectangles of related colours, brushed unevenly; sometimes instead a Newman-like field split by
 * thin vertical "zips". Variation: palette (dark, warm, cool, bright), number and proportions of
 * the blocks, margins, edge softness, brush texture.
 */
import type { Rng } from "../../util/random.js";
import type { Canvas } from "./canvas.js";
import { hsl, mix, type RGB } from "./color.js";
import { fbm } from "./noise.js";

export function renderColorField(c: Canvas, rng: Rng): void {
  const baseHue = rng.next();
  const mood = rng.int(4); // 0 dark, 1 warm, 2 cool/pale, 3 bright contrasting
  const ground: RGB =
    mood === 0 ? hsl(baseHue, rng.uniform(0.3, 0.7), rng.uniform(0.08, 0.22))
    : mood === 1 ? hsl(rng.uniform(-0.05, 0.1), rng.uniform(0.5, 0.9), rng.uniform(0.3, 0.5))
    : mood === 2 ? hsl(baseHue, rng.uniform(0.1, 0.4), rng.uniform(0.55, 0.8))
    : hsl(baseHue, rng.uniform(0.6, 0.95), rng.uniform(0.35, 0.55));
  const texture = fbm(rng, 4);
  const streak = fbm(rng, 3);
  const tex = rng.uniform(0.04, 0.14);
  c.shade((x, y, rgb) => {
    const n = (texture(x * 6, y * 6) - 0.5) * tex * 2 + (streak(x * 40, y * 3) - 0.5) * tex;
    rgb[0] = ground[0] * (1 + n);
    rgb[1] = ground[1] * (1 + n);
    rgb[2] = ground[2] * (1 + n);
  });

  if (rng.next() < 0.2) {
    // Newman: one or two thin vertical zips
    const zips = 1 + rng.int(2);
    for (let z = 0; z < zips; z++) {
      const x = rng.uniform(0.2, 0.8);
      const w = rng.uniform(0.008, 0.03);
      const zc = rng.next() < 0.5 ? hsl(baseHue + 0.5, 0.7, rng.uniform(0.5, 0.9)) : hsl(0, 0, rng.uniform(0.85, 0.95));
      const wob = fbm(rng, 2);
      for (let i = 0; i < 60; i++) {
        const y0 = i / 60;
        const dx = (wob(y0 * 8, 0) - 0.5) * w * 0.6;
        c.fillRect(x - w / 2 + dx, y0, x + w / 2 + dx, y0 + 1 / 60 + 0.002, zc, 0.92);
      }
    }
    return;
  }

  const nBlocks = 2 + rng.int(2);
  const margin = rng.uniform(0.05, 0.12);
  const gap = rng.uniform(0.03, 0.08);
  const weights = Array.from({ length: nBlocks }, () => rng.uniform(0.5, 1.6));
  const total = weights.reduce((a, b) => a + b, 0);
  const avail = 1 - 2 * margin - gap * (nBlocks - 1);
  const soft = rng.uniform(0.01, 0.035);
  let y = margin + rng.uniform(-0.02, 0.02);
  for (let b = 0; b < nBlocks; b++) {
    const h = (weights[b]! / total) * avail;
    const relation = rng.int(3);
    const hue = relation === 0 ? baseHue + rng.uniform(-0.06, 0.06) : relation === 1 ? baseHue + 0.5 + rng.uniform(-0.08, 0.08) : rng.next();
    const col: RGB = hsl(hue, rng.uniform(0.4, 0.95), mood === 0 ? rng.uniform(0.15, 0.5) : rng.uniform(0.3, 0.75));
    const x0 = margin + rng.uniform(-0.02, 0.02);
    const x1 = 1 - margin + rng.uniform(-0.02, 0.02);
    const y0 = y;
    const y1 = y + h;
    const edge = fbm(rng, 3);
    const inner = fbm(rng, 4);
    const innerAmt = rng.uniform(0.05, 0.2);
    const lighter = mix(col, [1, 1, 1], 0.25);
    c.shadeRect(x0 - 2 * soft, y0 - 2 * soft, x1 + 2 * soft, y1 + 2 * soft, (x, yy, rgb) => {
      const e = (edge(x * 10, yy * 10) - 0.5) * soft * 2;
      const dx = Math.min(x - x0, x1 - x) + e;
      const dy = Math.min(yy - y0, y1 - yy) + e;
      const d = Math.min(dx, dy);
      if (d < -soft) return;
      const t = d > soft ? 1 : (d + soft) / (2 * soft);
      const a = t * t * (3 - 2 * t) * 0.95;
      const n = inner(x * 5, yy * 12);
      const cc = mix(col, lighter, n * innerAmt * 4 - innerAmt);
      rgb[0] += (cc[0] - rgb[0]) * a;
      rgb[1] += (cc[1] - rgb[1]) * a;
      rgb[2] += (cc[2] - rgb[2]) * a;
    });
    y = y1 + gap;
  }
  // visible horizontal brushwork on top
  const strokes = 80 + rng.int(120);
  for (let i = 0; i < strokes; i++) {
    const sx = rng.next();
    const sy = rng.next();
    const base = c.sample(sx, sy);
    const col = mix(base, rng.next() < 0.5 ? [0, 0, 0] : [1, 1, 1], rng.uniform(0.03, 0.1));
    const len = rng.uniform(0.08, 0.3);
    const ang = rng.normal() * 0.08;
    c.stroke(sx, sy, sx + Math.cos(ang) * len, sy + Math.sin(ang) * len, rng.uniform(0.02, 0.06), col, 0.35, {
      bristle: 0.8,
      bristleCount: 6,
      bristlePhase: rng.next(),
      dry: 0.8,
      taper: 0.6,
    });
  }
}
