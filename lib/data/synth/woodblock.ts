/**
 * Flat-colour woodblock print with waves (ukiyo-e, Hokusai/Hiroshige): cream paper, a flat sky
 * with a graded band of blue at the top (bokashi), sometimes a snow-capped mountain, a red sun or
 * a title cartouche, and layered stylised waves with dark outlines, lighter hatching and white foam.
 * Variation: palette (Prussian blue, teal, dusk), horizon height, number/amplitude/frequency of wave
 * layers, one dominant great wave or a calm sea, mountain size and place.
 */
import type { Rng } from "../../util/random.js";
import type { Canvas } from "./canvas.js";
import { hex, jitter, mix, pick, type RGB } from "./color.js";
import { fbm } from "./noise.js";

const PALETTES: readonly { sky: string; band: string; sea: string[]; line: string; foam: string; mount: string }[] = [
  { sky: "#ece2c6", band: "#2b4f86", sea: ["#1d3d73", "#3f6fa6", "#24497f", "#7fa6c8"], line: "#142340", foam: "#f4efe0", mount: "#3c5a86" },
  { sky: "#e9dcc0", band: "#3f7f86", sea: ["#245c5e", "#4f8f8a", "#1f4a52", "#8ab8ae"], line: "#15302f", foam: "#f1ecdc", mount: "#6b7f6a" },
  { sky: "#f1caa0", band: "#c0584a", sea: ["#2c3f63", "#53698f", "#1f2d4a", "#8a9bb8"], line: "#161c2c", foam: "#f6e9d6", mount: "#8e3b2f" },
  { sky: "#dfe0d2", band: "#6b7fa8", sea: ["#3a4f7a", "#6c86b0", "#2a3a5e", "#a7b9d2"], line: "#1b2236", foam: "#f7f4ea", mount: "#4a4a6a" },
];

export function renderWoodblock(c: Canvas, rng: Rng): void {
  const pal = pick(rng, PALETTES);
  const sky = jitter(hex(pal.sky), rng, 0.02, 0.08, 0.04);
  const band = jitter(hex(pal.band), rng, 0.03, 0.1, 0.05);
  const line = hex(pal.line);
  const foam = hex(pal.foam);
  const sea = pal.sea.map((s) => jitter(hex(s), rng, 0.02, 0.08, 0.05));
  const horizon = rng.uniform(0.35, 0.65);
  const bandH = rng.uniform(0.08, 0.3);
  const fibre = fbm(rng, 3);
  // sky with graded band
  c.shade((x, y, rgb) => {
    const t = Math.max(0, 1 - y / bandH);
    const col = mix(sky, band, t * t * (3 - 2 * t) * 0.95);
    const f = (fibre(x * 30, y * 90) - 0.5) * 0.05;
    rgb[0] = col[0] + f;
    rgb[1] = col[1] + f;
    rgb[2] = col[2] + f;
  });
  // sun
  if (rng.next() < 0.3) {
    const r = rng.uniform(0.04, 0.09);
    c.fillEllipse(rng.uniform(0.15, 0.85), rng.uniform(bandH, horizon - r), r, r, 0, hex("#c8372d"));
  }
  // mountain
  if (rng.next() < 0.6) {
    const mx = rng.uniform(0.2, 0.8);
    const mh = rng.uniform(0.12, 0.3) * horizon;
    const mw = mh * rng.uniform(1.6, 2.8);
    const pts: number[] = [];
    const top = horizon - mh;
    const N = 24;
    for (let i = 0; i <= N; i++) {
      const u = (i / N) * 2 - 1; // -1..1
      const yy = top + mh * Math.pow(Math.abs(u), 0.75);
      pts.push(mx + u * mw, u === 0 ? top : Math.min(horizon + 0.02, yy));
    }
    pts.push(mx + mw, horizon + 0.05, mx - mw, horizon + 0.05);
    const mcol = jitter(hex(pal.mount), rng, 0.03, 0.1, 0.06);
    c.fillPolygon(pts, mcol);
    // snow cap with a jagged lower edge
    const capH = mh * rng.uniform(0.25, 0.45);
    const cap: number[] = [];
    for (let i = 0; i <= N; i++) {
      const u = (i / N) * 2 - 1;
      cap.push(mx + u * mw * Math.pow(capH / mh, 1 / 0.75), top + mh * Math.pow(Math.abs(u * Math.pow(capH / mh, 1 / 0.75)), 0.75));
    }
    for (let i = N; i >= 0; i--) {
      const u = (i / N) * 2 - 1;
      const xx = mx + u * mw * Math.pow(capH / mh, 1 / 0.75);
      cap.push(xx, top + capH * (1 - 0.35 * Math.abs(Math.sin(i * 1.7 + 0.3))));
    }
    c.fillPolygon(cap, foam);
    c.polyline(pts.slice(0, 2 * (N + 1)), 0.004, line, 0.9);
  }
  // waves, back to front
  const great = rng.next() < 0.35;
  const layers = 3 + rng.int(4);
  const freq = rng.uniform(2, 6);
  const stripes = 1 + rng.int(3);
  for (let L = 0; L < layers; L++) {
    const front = L / Math.max(1, layers - 1);
    const base = horizon + (1 - horizon) * (0.02 + 0.85 * Math.pow(L / layers, 0.9));
    let amp = (1 - horizon) * rng.uniform(0.05, 0.12) * (0.5 + front);
    let f = freq * rng.uniform(0.8, 1.25) * (1.4 - 0.6 * front);
    if (great && L === layers - 1) {
      amp = rng.uniform(0.25, 0.45);
      f = rng.uniform(0.8, 1.4);
    }
    const phase = rng.next();
    const skew = rng.uniform(0.55, 0.85);
    const col = sea[L % sea.length]!;
    const top: number[] = [];
    const N = 120;
    const crests: [number, number][] = [];
    for (let i = 0; i <= N; i++) {
      const x = -0.05 + (1.1 * i) / N;
      const u = (((x * f + phase) % 1) + 1) % 1;
      const shape = u < skew ? Math.pow(u / skew, 2) : Math.pow((1 - u) / (1 - skew), 0.6);
      const y = base - amp * shape;
      top.push(x, y);
      if (i > 0 && u >= skew && u - f * (1.1 / N) < skew) crests.push([x, y]);
    }
    const poly = top.concat([1.05, 1.05, -0.05, 1.05]);
    c.fillPolygon(poly, col);
    // hatching that follows the wave top, lighter
    const hatch = mix(col, foam, 0.35);
    for (let s = 1; s <= stripes; s++) {
      const off = s * rng.uniform(0.012, 0.025);
      const pts = top.map((v, k) => (k % 2 ? v + off : v));
      c.polyline(pts, 0.003, hatch, 0.8);
    }
    c.polyline(top, 0.005, line, 0.95);
    // foam: claw-like clusters of small white blobs at each crest, and spray dots
    const foamR = amp * rng.uniform(0.08, 0.16) + 0.006;
    for (const [cx, cy] of crests) {
      const n = 4 + rng.int(6);
      for (let k = 0; k < n; k++) {
        const a = -Math.PI * 0.1 - (k / n) * Math.PI * 0.9;
        const rr = foamR * (1.2 + k * 0.25);
        const fx = cx + Math.cos(a) * rr * 0.8;
        const fy = cy + Math.sin(a) * rr * 0.6 + foamR;
        c.fillEllipse(fx, fy, foamR * 0.75, foamR * 0.55, a, line);
        c.fillEllipse(fx, fy, foamR * 0.55, foamR * 0.38, a, foam);
      }
      const spray = great && L === layers - 1 ? 30 : 4;
      for (let k = 0; k < spray; k++) {
        const r = foamR * rng.uniform(0.2, 0.45);
        c.fillEllipse(cx + rng.normal() * foamR * 3, cy - Math.abs(rng.normal()) * foamR * 4, r, r, 0, foam);
      }
    }
  }
  // title cartouche
  if (rng.next() < 0.5) {
    const w = rng.uniform(0.06, 0.1);
    const h = rng.uniform(0.2, 0.32);
    const x = rng.next() < 0.5 ? rng.uniform(0.04, 0.1) : 1 - rng.uniform(0.04, 0.1) - w;
    const y = rng.uniform(0.04, 0.08);
    const paper: RGB = rng.next() < 0.5 ? hex("#efe6cc") : hex("#d9b45a");
    c.fillRect(x, y, x + w, y + h, line);
    c.fillRect(x + 0.004, y + 0.004, x + w - 0.004, y + h - 0.004, paper);
    for (let k = 0; k < 7; k++) {
      const yy = y + 0.02 + (k * (h - 0.04)) / 7;
      c.stroke(x + w * 0.5 + rng.uniform(-0.01, 0.01), yy, x + w * 0.5 + rng.uniform(-0.015, 0.015), yy + (h - 0.04) / 10, 0.006, line, 0.9, { taper: 0.4 });
    }
  }
}
