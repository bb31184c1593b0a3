/**
 * Broken-stroke impressionist landscape (Monet, Sisley, Pissarro): a sky with clouds, a distant
 * tree line or hills, and a field, meadow or river in front, with a few trees; painted entirely in
 * short visible strokes of varied, jittered colour over a thin underpainting, the stroke direction
 * following the region (horizontal on water, crossing in grass, dabs in foliage).
 * Variation: time of day (palette), horizon height, water or field, tree count, stroke size.
 */
import type { Rng } from "../../util/random.js";
import type { Canvas } from "./canvas.js";
import { hex, hsl, jitter, mix, pick, type RGB } from "./color.js";
import { fbm } from "./noise.js";

const SKIES: readonly [string, string, string][] = [
  // [zenith, horizon, cloud]
  ["#5f88c4", "#dfe6ea", "#f5f1e8"],
  ["#8a9cc9", "#f2d6b3", "#fbe9d6"],
  ["#7b6fa8", "#f1b38a", "#f7d8c2"],
  ["#9fb7c9", "#e6e2d0", "#cfd3d6"],
  ["#3f6fa6", "#bcd7e8", "#ffffff"],
];
const GROUNDS: readonly [string, string][] = [
  // [near, far]
  ["#5d8a3a", "#9bb56a"],
  ["#c9a640", "#a9b56a"],
  ["#7b9a4a", "#c7c27a"],
  ["#8a7a45", "#7f9a70"],
  ["#6e8f5c", "#b9a6c9"],
];

/** Random spread (radians) of stroke direction per region kind: sky, water, foliage, field. */
const DIR_SPREAD = [0.25, 0.05, 0, 0.6];

interface Tree {
  x: number;
  y: number;
  rx: number;
  ry: number;
  col: RGB;
}

export function renderImpressionist(c: Canvas, rng: Rng): void {
  const [zen, hor, cloud] = pick(rng, SKIES).map((s) => jitter(hex(s), rng, 0.03, 0.1, 0.05)) as [RGB, RGB, RGB];
  const [near, far] = pick(rng, GROUNDS).map((s) => jitter(hex(s), rng, 0.04, 0.12, 0.06)) as [RGB, RGB];
  const horizon = rng.uniform(0.3, 0.62);
  const water = rng.next() < 0.45;
  const clouds = fbm(rng, 4);
  const cloudAmt = rng.uniform(0.2, 0.9);
  const ridge = fbm(rng, 3);
  const ridgeH = rng.uniform(0.03, 0.12);
  const ridgeCol = mix(jitter(hex("#5f7a6a"), rng, 0.05, 0.1, 0.08), hor, rng.uniform(0.1, 0.45));
  const ground = fbm(rng, 3);
  const flowers = rng.next() < 0.4 ? hsl(pick(rng, [0.0, 0.02, 0.8, 0.13]), 0.8, 0.55) : null;
  const trees: Tree[] = [];
  const nTrees = rng.int(5);
  for (let i = 0; i < nTrees; i++) {
    const poplar = rng.next() < 0.4;
    const rx = poplar ? rng.uniform(0.025, 0.05) : rng.uniform(0.05, 0.14);
    const ry = poplar ? rng.uniform(0.12, 0.25) : rx * rng.uniform(0.8, 1.4);
    trees.push({ x: rng.next(), y: horizon - ry * rng.uniform(0.3, 0.8), rx, ry, col: jitter(hex("#3f6a3a"), rng, 0.05, 0.15, 0.1) });
  }
  const treeNoise = fbm(rng, 2);
  // sometimes a house or two on the horizon, or haystacks in the field
  const houses: { x: number; w: number; h: number; wall: RGB; roof: RGB }[] = [];
  if (rng.next() < 0.35) {
    const nh = 1 + rng.int(3);
    for (let i = 0; i < nh; i++) {
      const w = rng.uniform(0.04, 0.09);
      houses.push({ x: rng.uniform(0.05, 0.9), w, h: w * rng.uniform(0.5, 0.9), wall: jitter(hex("#e8dcc0"), rng, 0.03, 0.1, 0.06), roof: jitter(hex("#b5523a"), rng, 0.04, 0.15, 0.08) });
    }
  }
  const stacks: { x: number; y: number; r: number }[] = [];
  if (!water && rng.next() < 0.3) {
    const ns = 1 + rng.int(3);
    for (let i = 0; i < ns; i++) {
      const y = horizon + rng.uniform(0.08, 0.35) * (1 - horizon);
      stacks.push({ x: rng.uniform(0.1, 0.9), y, r: 0.03 + 0.12 * (y - horizon) });
    }
  }
  const stackCol = jitter(hex("#c8953f"), rng, 0.03, 0.1, 0.06);

  /** The scene's colour, base stroke direction and region kind at (x, y) (no randomness: called per pixel). */
  const scene = (x: number, y: number): { col: RGB; dir: number; kind: number } => {
    for (const t of trees) {
      if (Math.abs(x - t.x) < t.rx * 0.12 && y > t.y && y < horizon + 0.01) return { col: [0.25, 0.2, 0.15], dir: Math.PI / 2, kind: 1 };
      const u = (x - t.x) / t.rx;
      const v = (y - t.y) / t.ry;
      const r = u * u + v * v + (treeNoise(x * 20, y * 20) - 0.5) * 0.6;
      if (r < 1) {
        const light = 0.75 + 0.5 * (-u * 0.5 - v * 0.5) * 0.5;
        return { col: mix(t.col, [0.05, 0.1, 0.05], Math.max(0, 1 - light) * 0.8), dir: 0, kind: 2 };
      }
    }
    for (const h of houses) {
      const dx = Math.abs(x - h.x);
      if (dx < h.w / 2 && y < horizon + 0.005 && y > horizon - h.h) return { col: dx < h.w * 0.08 && y > horizon - h.h * 0.4 ? [0.25, 0.2, 0.18] : h.wall, dir: 0, kind: 2 };
      if (dx < h.w * 0.6 && y <= horizon - h.h && y > horizon - h.h - h.w * 0.45 * (1 - dx / (h.w * 0.6))) return { col: h.roof, dir: 0, kind: 2 };
    }
    for (const st of stacks) {
      const u = (x - st.x) / st.r;
      const v = (y - st.y) / st.r;
      if (v < 0.15 && u * u + v * v * 0.7 < 1) return { col: mix(stackCol, [0.3, 0.2, 0.1], Math.max(0, u) * 0.6), dir: 0, kind: 2 };
    }
    const ridgeY = horizon - ridgeH * ridge(x * 5, 0.5);
    if (y < ridgeY) {
      const t = Math.pow(y / ridgeY, 0.8);
      const sky = mix(zen, hor, t);
      const cl = Math.max(0, clouds(x * 4, y * 8) - 0.55) * 2.2 * cloudAmt;
      return { col: mix(sky, cloud, Math.min(1, cl)), dir: 0, kind: 0 };
    }
    if (y < horizon) return { col: ridgeCol, dir: 0, kind: 2 };
    if (water) {
      // water reflects the sky, darker and bluer, with ripples
      const ry = horizon - (y - horizon) * 0.8;
      const refl = mix(zen, hor, Math.min(1, Math.max(0, ry / horizon)));
      const rip = ground(x * 3, y * 40);
      return { col: mix(refl, [0.1, 0.2, 0.35], 0.25 + 0.3 * rip), dir: 0, kind: 1 };
    }
    const t = (y - horizon) / (1 - horizon);
    let col = mix(far, near, Math.pow(t, 0.7));
    col = mix(col, [0.95, 0.9, 0.55], (ground(x * 6, y * 6) - 0.5) * 0.6);
    if (flowers && ground(x * 25 + 3, y * 25) > 0.68) col = flowers;
    return { col, dir: -0.6, kind: 3 };
  };

  // underpainting: the scene, toned toward a warm ground
  // (evaluated once per 2x2 block of canvas pixels: it is mostly covered by strokes)
  const toning = hsl(rng.uniform(0.05, 0.12), 0.4, 0.6);
  for (let py = 0; py < c.h; py += 2) {
    for (let px = 0; px < c.w; px += 2) {
      const m = mix(scene((px + 1) / c.w, (py + 1) / c.h).col, toning, 0.35);
      for (let q = 0; q < 4; q++) {
        const x = px + (q & 1);
        const y = py + (q >> 1);
        if (x < c.w && y < c.h) {
          const o = (y * c.w + x) * 3;
          c.data[o] = m[0];
          c.data[o + 1] = m[1];
          c.data[o + 2] = m[2];
        }
      }
    }
  }

  const strokeLen = rng.uniform(0.022, 0.055);
  const coverage = rng.uniform(1.8, 3.2);
  const n = Math.round((coverage / (strokeLen * strokeLen * 0.4)) * 0.9);
  const vivid = rng.uniform(0.05, 0.2);
  for (let i = 0; i < n; i++) {
    const x = rng.next();
    const y = rng.next();
    const s = scene(x, y);
    const len = strokeLen * rng.uniform(0.6, 1.4) * (s.kind === 2 ? 0.6 : 1) * (0.6 + 0.6 * y);
    const wid = len * rng.uniform(0.3, 0.55);
    const col = jitter(s.col, rng, 0.04, vivid, 0.08);
    const dir = s.kind === 2 ? rng.uniform(0, Math.PI) : s.dir + rng.normal() * DIR_SPREAD[s.kind]!;
    const dx = (Math.cos(dir) * len) / 2;
    const dy = (Math.sin(dir) * len) / 2;
    c.stroke(x - dx, y - dy, x + dx, y + dy, wid, col, rng.uniform(0.65, 0.95), {
      taper: 0.5,
      bristle: 0.35,
      bristleCount: 3,
      bristlePhase: rng.next(),
      dry: 0.4,
    });
  }
}
