/**
 * Simulated physical damage to paintings, as holes to inpaint:
 *
 * - "cracks": craquelure, branching thin cracks that wander (random walk with small turns and
 *   side branches), 1-3 px wide at 256 x 256;
 * - "scratches": long, nearly straight thin gouges crossing much of the picture, 1-4 px wide;
 * - "lost-patches": flaked-off paint, irregular blobs (star-shaped outlines with smooth random radius)
 *   with a few small satellite flakes.
 *
 * Elements are added until the hole reaches the target `fraction` (overshoot at most one element), so
 * damage of different kinds can be compared at equal area. Defaults: cracks 0.05, scratches 0.03,
 * lost-patches 0.15. Sizes are given for 256 x 256 and scale with the smaller image side.
 */
import type { Mask } from "../data/image.js";
import type { Rng } from "../util/random.js";
import { drawThickLine, emptyMask, fillDisc, fillPolygon, maskFraction, resolveSize, type MaskSize } from "./raster.js";

export type DamageKind = "cracks" | "scratches" | "lost-patches";

export const DAMAGE_KINDS: readonly DamageKind[] = ["cracks", "scratches", "lost-patches"];

/** The hole fraction each kind aims for when no `fraction` is given. */
export const DEFAULT_DAMAGE_FRACTION: Record<DamageKind, number> = {
  cracks: 0.05,
  scratches: 0.03,
  "lost-patches": 0.15,
};

export interface DamageMaskOptions {
  /** Kind of damage. */
  kind: DamageKind;
  /** Seeded random source (lib/util/random.ts). */
  rng: Rng;
  /** Target hole fraction; elements are added until it is reached. Range 0.01-0.5; default per kind (see above). */
  fraction?: number;
}

function crack(m: Mask, x: number, y: number, dir: number, length: number, width: number, depth: number, s: number, rng: Rng): void {
  let travelled = 0;
  while (travelled < length) {
    const step = (4 + 4 * rng.next()) * s;
    dir += rng.normal() * 0.35;
    const nx = x + step * Math.cos(dir);
    const ny = y + step * Math.sin(dir);
    drawThickLine(m, x, y, nx, ny, width);
    x = nx;
    y = ny;
    travelled += step;
    if (x < -5 || y < -5 || x > m.width + 5 || y > m.height + 5) return;
    if (depth < 2 && rng.next() < 0.12) {
      const side = rng.next() < 0.5 ? -1 : 1;
      crack(m, x, y, dir + side * rng.uniform(0.5, 1.2), (length - travelled) * rng.uniform(0.3, 0.7), Math.max(1, width * 0.7), depth + 1, s, rng);
    }
  }
}

function addCrack(m: Mask, s: number, rng: Rng): void {
  const length = rng.uniform(60, 200) * s;
  const width = Math.max(1, rng.uniform(1, 3) * s);
  crack(m, rng.uniform(0, m.width), rng.uniform(0, m.height), rng.uniform(0, 2 * Math.PI), length, width, 0, s, rng);
}

function addScratch(m: Mask, s: number, rng: Rng): void {
  const size = Math.min(m.width, m.height);
  const length = rng.uniform(0.5, 1.2) * size;
  let dir = rng.uniform(0, 2 * Math.PI);
  // start so that the scratch runs across the picture
  let x = m.width / 2 - (Math.cos(dir) * length) / 2 + rng.uniform(-0.3, 0.3) * m.width;
  let y = m.height / 2 - (Math.sin(dir) * length) / 2 + rng.uniform(-0.3, 0.3) * m.height;
  const width = Math.max(1, rng.uniform(1, 4) * s);
  const curve = rng.normal() * 0.01;
  const step = 3 * s;
  for (let t = 0; t < length; t += step) {
    dir += curve + rng.normal() * 0.01;
    const nx = x + step * Math.cos(dir);
    const ny = y + step * Math.sin(dir);
    drawThickLine(m, x, y, nx, ny, width * (0.8 + 0.4 * rng.next()));
    x = nx;
    y = ny;
  }
}

function blob(m: Mask, cx: number, cy: number, radius: number, rng: Rng): void {
  const n = 24;
  const harmonics = [1, 2, 3, 5].map((k) => ({ k, amp: rng.uniform(0, 0.25) / Math.sqrt(k), phase: rng.uniform(0, 2 * Math.PI) }));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    let r = 1;
    for (const h of harmonics) r += h.amp * Math.sin(h.k * a + h.phase);
    r *= radius * (0.9 + 0.2 * rng.next());
    xs.push(cx + r * Math.cos(a));
    ys.push(cy + r * Math.sin(a));
  }
  fillPolygon(m, xs, ys);
}

function addPatch(m: Mask, s: number, rng: Rng): void {
  const radius = rng.uniform(8, 32) * s;
  const cx = rng.uniform(0, m.width);
  const cy = rng.uniform(0, m.height);
  blob(m, cx, cy, radius, rng);
  const flakes = rng.int(4);
  for (let i = 0; i < flakes; i++) {
    const a = rng.uniform(0, 2 * Math.PI);
    const d = radius * rng.uniform(1.1, 1.6);
    fillDisc(m, cx + d * Math.cos(a), cy + d * Math.sin(a), Math.max(1, radius * rng.uniform(0.08, 0.2)));
  }
}

const ADDERS: Record<DamageKind, (m: Mask, s: number, rng: Rng) => void> = {
  cracks: addCrack,
  scratches: addScratch,
  "lost-patches": addPatch,
};

/** A simulated damage mask of the given kind, grown until it covers the target fraction. */
export function damageMask(size: MaskSize, opts: DamageMaskOptions): Mask {
  const add = ADDERS[opts.kind];
  if (!add) throw new Error(`damageMask: kind must be one of ${DAMAGE_KINDS.join(", ")}, got ${String(opts.kind)}`);
  const fraction = opts.fraction ?? DEFAULT_DAMAGE_FRACTION[opts.kind];
  if (!(fraction > 0 && fraction < 1)) throw new Error(`damageMask: fraction must be in (0, 1), got ${fraction}`);
  const { width, height } = resolveSize(size);
  const s = Math.min(width, height) / 256;
  const m = emptyMask(size);
  for (let i = 0; i < 10000 && maskFraction(m) < fraction; i++) add(m, s, opts.rng);
  return m;
}
