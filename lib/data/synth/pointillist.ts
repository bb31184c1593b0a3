/**
 * Pointillist / divisionist scene (Seurat, Signac): a bright sky, a band of water with a shore,
 * sails or trees, built from many small round dots of nearly pure colour; each dot takes the
 * scene's hue shifted a little, and some dots use the complementary or a neighbouring hue, so
 * colours mix optically. Variation: palette (noon, sunset, harbour), horizon and shore, dot size and
 * density, sails or trees, ground showing between dots.
 */
import type { Rng } from "../../util/random.js";
import type { Canvas } from "./canvas.js";
import { hex, hsl, jitter, mix, pick, toHsl, type RGB } from "./color.js";
import { fbm } from "./noise.js";

const PALETTES: readonly { sky: [string, string]; water: [string, string]; land: [string, string] }[] = [
  { sky: ["#8fc1e6", "#f2ecc2"], water: ["#3f7fc0", "#7fb4d8"], land: ["#6aa84f", "#e8c85a"] },
  { sky: ["#f0a868", "#f7e0a0"], water: ["#7a5fa8", "#e8a070"], land: ["#8a6a9a", "#c8704a"] },
  { sky: ["#b8d4e8", "#f0f0e0"], water: ["#4f8fa8", "#a8d0c8"], land: ["#e0b070", "#9ab070"] },
  { sky: ["#d0c0e8", "#f8e8d0"], water: ["#5878b8", "#b0a8d8"], land: ["#70a070", "#d8b8a0"] },
];

interface Shape {
  kind: "sail" | "tree";
  x: number;
  y: number;
  w: number;
  h: number;
  col: RGB;
}

export function renderPointillist(c: Canvas, rng: Rng): void {
  const pal = pick(rng, PALETTES);
  const j = (s: string): RGB => jitter(hex(s), rng, 0.03, 0.1, 0.05);
  const sky0 = j(pal.sky[0]);
  const sky1 = j(pal.sky[1]);
  const w0 = j(pal.water[0]);
  const w1 = j(pal.water[1]);
  const l0 = j(pal.land[0]);
  const l1 = j(pal.land[1]);
  const horizon = rng.uniform(0.3, 0.55);
  const shoreSide = rng.next() < 0.5 ? -1 : 1;
  const shoreStart = rng.next() < 0.25 ? 1.2 : rng.uniform(0.6, 0.95);
  const shoreSlope = rng.uniform(0.1, 0.6);
  const landNoise = fbm(rng, 3);
  const shapes: Shape[] = [];
  const nShapes = rng.int(5);
  for (let i = 0; i < nShapes; i++) {
    const sail = rng.next() < 0.6;
    shapes.push({
      kind: sail ? "sail" : "tree",
      x: rng.uniform(0.1, 0.9),
      y: sail ? horizon + rng.uniform(0.02, 0.25) : horizon + rng.uniform(-0.02, 0.08),
      w: sail ? rng.uniform(0.03, 0.07) : rng.uniform(0.05, 0.1),
      h: sail ? rng.uniform(0.08, 0.18) : rng.uniform(0.15, 0.35),
      col: sail ? hsl(rng.uniform(0, 0.15), rng.uniform(0.3, 0.9), rng.uniform(0.6, 0.9)) : j("#2f6a4a"),
    });
  }
  /** Colour of the (unpainted) scene at (x, y); no randomness. */
  const scene = (x: number, y: number): RGB => {
    for (const s of shapes) {
      if (s.kind === "sail") {
        const u = (x - s.x) / s.w;
        const v = (s.y - y) / s.h;
        if (v >= 0 && v <= 1 && u >= 0 && u <= 1 - v) return s.col;
      } else {
        const u = (x - s.x) / s.w;
        const v = (y - (s.y - s.h * 0.6)) / (s.h * 0.6);
        if (u * u + v * v < 1) return s.col;
        if (Math.abs(u) < 0.12 && y > s.y - s.h * 0.2 && y < s.y + 0.02) return hex("#5a3a2a");
      }
    }
    // shore: land from one side, sloping down toward the bottom
    const sx = shoreSide < 0 ? 1 - x : x;
    const depth = (y - horizon) / (1 - horizon);
    const coast = shoreStart - depth * shoreSlope + (landNoise(y * 9, 3.7) - 0.5) * 0.06;
    if (y > horizon && sx > coast) {
      const t = landNoise(x * 6, y * 6);
      return mix(l0, l1, t);
    }
    if (y < horizon) return mix(sky0, sky1, Math.pow(y / horizon, 1.5));
    const t = (y - horizon) / (1 - horizon);
    return mix(w1, w0, Math.pow(t, 0.6));
  };

  // ground: pale primed canvas with a light wash of the scene
  const ground = hsl(rng.uniform(0.08, 0.14), 0.3, rng.uniform(0.82, 0.92));
  const wash = rng.uniform(0.3, 0.7);
  c.shade((x, y, rgb) => {
    const s = mix(ground, scene(x, y), wash);
    rgb[0] = s[0];
    rgb[1] = s[1];
    rgb[2] = s[2];
  });
  const r = rng.uniform(0.0045, 0.009);
  const density = rng.uniform(0.9, 1.6);
  const n = Math.round(density / (Math.PI * r * r));
  const compP = rng.uniform(0.05, 0.18);
  const sat = rng.uniform(0.05, 0.25);
  for (let i = 0; i < n; i++) {
    const x = rng.next();
    const y = rng.next();
    const base = scene(x, y);
    const [h, s, l] = toHsl(base);
    let col: RGB;
    const roll = rng.next();
    if (roll < compP) col = hsl(h + 0.5, Math.min(1, s + 0.2), l + rng.uniform(-0.05, 0.1));
    else if (roll < compP + 0.25) col = hsl(h + rng.uniform(-0.12, 0.12), Math.min(1, s + sat), l + rng.uniform(-0.1, 0.1));
    else col = hsl(h + rng.uniform(-0.03, 0.03), Math.min(1, s + sat), l + rng.uniform(-0.08, 0.08));
    const rr = r * rng.uniform(0.75, 1.25);
    c.fillEllipse(x, y, rr, rr * rng.uniform(0.8, 1), rng.uniform(0, Math.PI), col, 0.95);
  }
}
