/**
 * Geometric grid abstraction (Mondrian, De Stijl): the picture is split recursively into
 * rectangles separated by dark bars; some cells are filled with strong colours, most with off-whites
 * and greys. Variation: palette (primaries, muted earth, pastel, dark ground), number of splits,
 * bar thickness and colour, cells painted slightly unevenly, occasionally a tilted "lozenge" frame.
 */
import type { Rng } from "../../util/random.js";
import type { Canvas } from "./canvas.js";
import { hex, hsl, jitter, pick, type RGB } from "./color.js";
import { fbm } from "./noise.js";

const PALETTES: readonly { accents: string[]; light: string[]; bar: string }[] = [
  { accents: ["#c8201e", "#f2c70f", "#1c3f94"], light: ["#f3f0e6", "#ebe8de", "#e4e2dc", "#d9d9d4"], bar: "#111111" },
  { accents: ["#b5532d", "#c9a227", "#3f6b5c", "#6b4b3a"], light: ["#e9dfc8", "#dcd2bc", "#cfc7b5"], bar: "#2a241f" },
  { accents: ["#e07a8a", "#7fb7d6", "#f1d36b", "#9ccf9a"], light: ["#faf6ee", "#f0ece4"], bar: "#3a3a48" },
  { accents: ["#d1342f", "#e8b923", "#f4f1e8", "#3b6fb6"], light: ["#1d1d22", "#2a2a30", "#34343a"], bar: "#c9c6bd" },
  { accents: ["#1f1f1f", "#8a8a8a", "#c8201e"], light: ["#f5f3ee", "#e6e4de"], bar: "#141414" },
];

interface Cell {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function renderGeometric(c: Canvas, rng: Rng): void {
  const pal = pick(rng, PALETTES);
  const accents = pal.accents.map(hex);
  const lights = pal.light.map(hex);
  const bar = jitter(hex(pal.bar), rng, 0.02, 0.05, 0.03);
  const splits = 3 + rng.int(10);
  const cells: Cell[] = [{ x0: 0, y0: 0, x1: 1, y1: 1 }];
  for (let s = 0; s < splits; s++) {
    // split a large cell (bigger cells more likely)
    const areas = cells.map((q) => (q.x1 - q.x0) * (q.y1 - q.y0));
    let r = rng.next() * areas.reduce((a, b) => a + b, 0);
    let k = 0;
    while (k < cells.length - 1 && r > areas[k]!) r -= areas[k++]!;
    const q = cells[k]!;
    const w = q.x1 - q.x0;
    const h = q.y1 - q.y0;
    const vertical = rng.next() < w / (w + h);
    const t = rng.uniform(0.25, 0.75);
    if ((vertical ? w : h) < 0.12) continue;
    cells.splice(k, 1);
    if (vertical) {
      const xm = q.x0 + w * t;
      cells.push({ ...q, x1: xm }, { ...q, x0: xm });
    } else {
      const ym = q.y0 + h * t;
      cells.push({ ...q, y1: ym }, { ...q, y0: ym });
    }
  }
  const barW = rng.uniform(0.012, 0.035);
  const accentP = rng.uniform(0.15, 0.45);
  const unevenNoise = fbm(rng, 3);
  const uneven = rng.uniform(0.01, 0.06);
  // cell fills (unevenly painted)
  for (const q of cells) {
    const col = rng.next() < accentP ? pick(rng, accents) : pick(rng, lights);
    const cj = jitter(col, rng, 0.01, 0.05, 0.03);
    c.fillRect(q.x0, q.y0, q.x1, q.y1, cj);
  }
  c.shade((x, y, rgb) => {
    const n = (unevenNoise(x * 14, y * 14) - 0.5) * 2 * uneven;
    rgb[0] += n;
    rgb[1] += n;
    rgb[2] += n;
  });
  // bars along every internal cell edge (some bars stop short of the border, as in late Mondrian)
  for (const q of cells) {
    const wv = barW * rng.uniform(0.7, 1.3);
    if (q.x0 > 0) c.fillRect(q.x0 - wv / 2, q.y0 - wv / 2, q.x0 + wv / 2, q.y1 + wv / 2, bar);
    const wh = barW * rng.uniform(0.7, 1.3);
    if (q.y0 > 0) c.fillRect(q.x0 - wh / 2, q.y0 - wh / 2, q.x1 + wh / 2, q.y0 + wh / 2, bar);
  }
  // a few rectangular accents floating over a bar junction (Broadway-like blocks), sometimes
  if (rng.next() < 0.25) {
    const n = 3 + rng.int(8);
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      const y = rng.next();
      const s = barW * rng.uniform(1, 2.5);
      c.fillRect(x, y, x + s, y + s, pick(rng, accents));
    }
  }
  // lozenge: rotate the whole composition 45 degrees inside a diamond on a light ground
  if (rng.next() < 0.15) {
    const src = Float32Array.from(c.data);
    const ground = hsl(0.12, 0.1, rng.uniform(0.85, 0.95));
    const W = c.w;
    const H = c.h;
    c.shade((x, y, rgb) => {
      const u = x - 0.5;
      const v = y - 0.5;
      if (Math.abs(u) + Math.abs(v) > 0.5) {
        rgb[0] = ground[0];
        rgb[1] = ground[1];
        rgb[2] = ground[2];
        return;
      }
      const sx = (u + v) * 0.99 + 0.5;
      const sy = (v - u) * 0.99 + 0.5;
      const px = Math.min(W - 1, Math.max(0, Math.floor(sx * W)));
      const py = Math.min(H - 1, Math.max(0, Math.floor(sy * H)));
      const i = (py * W + px) * 3;
      rgb[0] = src[i]!;
      rgb[1] = src[i + 1]!;
      rgb[2] = src[i + 2]!;
    });
  }
}
