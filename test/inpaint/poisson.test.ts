import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageArray, Mask } from "../../lib/data/image.js";
import { poissonBlend, poissonBlendWithStats } from "../../lib/inpaint/poisson.js";
import { centerSquareMask, strokeMask } from "../../lib/masks/index.js";
import { createRng } from "../../lib/util/random.js";

function image(w: number, h: number, c: number, f: (x: number, y: number, k: number) => number): ImageArray {
  const data = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = f(x, y, k);
  return { width: w, height: h, channels: c, data };
}

function maxDiff(a: ImageArray, b: ImageArray): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

const rough = (x: number, y: number, k: number): number => 0.5 + 0.3 * Math.sin(0.7 * x + k) * Math.cos(0.45 * y) + 0.05 * ((x * 7 + y * 13 + k) % 5);

test("source = target + constant gives back the target exactly (also with a hole on the picture edge)", () => {
  const target = image(40, 32, 3, rough);
  const source = image(40, 32, 3, (x, y, k) => rough(x, y, k) + 0.3 - 0.1 * k);
  const mask = strokeMask({ width: 40, height: 32 }, { width: "thick", rng: createRng(1) });
  const out = poissonBlend(source, target, mask);
  assert.ok(maxDiff(out, target) < 1e-5, `max diff ${maxDiff(out, target)}`);
});

test("a discrete harmonic target (x^2 - y^2 and a ramp) is reproduced from a flat source", () => {
  const w = 30;
  const h = 26;
  const target = image(w, h, 2, (x, y, k) => (k === 0 ? ((x - 15) ** 2 - (y - 13) ** 2) / 400 : 0.01 * x - 0.02 * y));
  const source = image(w, h, 2, () => 0.7);
  const mask = centerSquareMask({ width: w, height: h }, 0.4); // interior: every hole pixel has 4 neighbours
  const { image: out, stats } = poissonBlendWithStats(source, target, mask, { tolerance: 1e-10 });
  assert.ok(maxDiff(out, target) < 1e-5, `max diff ${maxDiff(out, target)}`);
  assert.ok(stats.relativeResidual.every((r) => r < 1e-10));
  assert.equal(stats.unknowns, mask.data.reduce((s, v) => s + v, 0));
});

/** Dense reference: assemble the same linear system and solve it by Gaussian elimination. */
function denseSolve(source: ImageArray, target: ImageArray, mask: Mask, ch: number): Map<number, number> {
  const { width: w, height: h, channels: c } = target;
  const holes: number[] = [];
  for (let p = 0; p < w * h; p++) if (mask.data[p]) holes.push(p);
  const n = holes.length;
  const pos = new Map(holes.map((p, i) => [p, i]));
  const A = Array.from({ length: n }, () => new Float64Array(n + 1));
  holes.forEach((p, i) => {
    const x = p % w;
    const y = Math.floor(p / w);
    const nbs = [
      [x - 1, y],
      [x + 1, y],
      [x, y - 1],
      [x, y + 1],
    ].filter(([u, v]) => u! >= 0 && v! >= 0 && u! < w && v! < h);
    for (const [u, v] of nbs) {
      const q = v! * w + u!;
      A[i]![i]! += 1;
      A[i]![n]! += source.data[p * c + ch]! - source.data[q * c + ch]!;
      if (pos.has(q)) A[i]![pos.get(q)!]! -= 1;
      else A[i]![n]! += target.data[q * c + ch]!;
    }
  });
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(A[r]![col]!) > Math.abs(A[piv]![col]!)) piv = r;
    [A[col], A[piv]] = [A[piv]!, A[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = A[r]![col]! / A[col]![col]!;
      if (f !== 0) for (let k = col; k <= n; k++) A[r]![k]! -= f * A[col]![k]!;
    }
  }
  return new Map(holes.map((p, i) => [p, A[i]![n]! / A[i]![i]!]));
}

test("agrees with a dense direct solve on a small irregular hole touching the picture edge", () => {
  const rng = createRng(7);
  const w = 12;
  const h = 9;
  const source = image(w, h, 2, () => rng.next());
  const target = image(w, h, 2, () => rng.next());
  const mask: Mask = { width: w, height: h, data: new Uint8Array(w * h) };
  for (let p = 0; p < w * h; p++) mask.data[p] = rng.next() < 0.45 ? 1 : 0;
  mask.data[0] = 1;
  mask.data[1] = 1;
  mask.data[w] = 1;
  const out = poissonBlend(source, target, mask, { tolerance: 1e-12 });
  for (let ch = 0; ch < 2; ch++) {
    for (const [p, v] of denseSolve(source, target, mask, ch)) {
      assert.ok(Math.abs(out.data[p * 2 + ch]! - v) < 1e-5, `pixel ${p} ch ${ch}: ${out.data[p * 2 + ch]} vs ${v}`);
    }
  }
  // outside the hole the target is untouched
  for (let p = 0; p < w * h; p++) if (!mask.data[p]) assert.equal(out.data[p * 2], target.data[p * 2]);
});

test("mixed guidance keeps the stronger target edge; clamp and argument errors", () => {
  const w = 24;
  const target = image(w, w, 1, (x) => (x < 12 ? 0.2 : 0.8)); // a vertical edge through the hole
  const source = image(w, w, 1, () => 0.5); // flat source: no gradient
  const mask = centerSquareMask(w, 0.25);
  const plain = poissonBlend(source, target, mask);
  const mixed = poissonBlend(source, target, mask, { guidance: "mixed" });
  const row = 12 * w;
  const jumpPlain = plain.data[row + 12]! - plain.data[row + 11]!;
  const jumpMixed = mixed.data[row + 12]! - mixed.data[row + 11]!;
  assert.ok(jumpMixed > 0.5 && jumpPlain < 0.2, `edge jump plain ${jumpPlain}, mixed ${jumpMixed}`);
  const big = image(w, w, 1, () => 5);
  const clamped = poissonBlend(image(w, w, 1, (x) => x), big, mask, { clamp: [0, 1] });
  assert.ok(clamped.data.every((v, i) => (mask.data[i] ? v >= 0 && v <= 1 : v === 5)));
  assert.throws(() => poissonBlend(source, image(w, 10, 1, () => 0), mask), /source is 24x24x1 but target is 24x10x1/);
  assert.throws(() => poissonBlend(source, target, { width: w, height: w, data: new Uint8Array(w * w).fill(1) }), /whole image/);
});
