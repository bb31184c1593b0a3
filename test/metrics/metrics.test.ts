import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ImageArray, Mask } from "../../lib/data/image.js";
import { allMetrics, l1, psnr, ssim, ssimMap } from "../../lib/metrics/index.js";
import { filterSeparable, gaussianKernel1d, reflectIndex } from "../../lib/metrics/gaussian.js";

interface RefCase {
  name: string;
  width: number;
  height: number;
  channels: number;
  a: number[];
  b: number[];
  mask: number[];
  expected: { psnr: number; ssim: number; l1: number; psnrHole: number; ssimHole: number; l1Hole: number };
  ssimMap?: number[];
}

// The fixture lives in the source tree (test/metrics/fixtures), found from the compiled file's location.
function fixturePath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, "test", "metrics", "fixtures", "skimage_reference.json");
    try {
      readFileSync(p, { flag: "r" });
      return p;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error("cannot find test/metrics/fixtures/skimage_reference.json above " + fileURLToPath(import.meta.url));
}

const ref = JSON.parse(readFileSync(fixturePath(), "utf8")) as { cases: RefCase[] };

function img(c: RefCase, values: number[]): ImageArray {
  return { width: c.width, height: c.height, channels: c.channels, data: Float32Array.from(values, (v) => v / 255) };
}

function mask(c: RefCase): Mask {
  return { width: c.width, height: c.height, data: Uint8Array.from(c.mask) };
}

const TOL = 1e-4;

for (const c of ref.cases) {
  test(`metrics match scikit-image: ${c.name}`, () => {
    const a = img(c, c.a);
    const b = img(c, c.b);
    const m = mask(c);
    const got = allMetrics(a, b, m);
    for (const key of ["psnr", "ssim", "l1", "psnrHole", "ssimHole", "l1Hole"] as const) {
      const want = c.expected[key];
      const have = got[key]!;
      assert.ok(Math.abs(have - want) < TOL, `${c.name} ${key}: ours ${have} vs skimage ${want}`);
    }
    // the single functions agree with allMetrics
    assert.ok(Math.abs(psnr(a, b) - got.psnr) < 1e-12);
    assert.ok(Math.abs(ssim(a, b, { mask: m }) - got.ssimHole!) < 1e-12);
    assert.ok(Math.abs(l1(a, b, { mask: m }) - got.l1Hole!) < 1e-12);
    if (c.ssimMap) {
      const map = ssimMap(a, b);
      assert.equal(map.data.length, c.ssimMap.length);
      let worst = 0;
      for (let i = 0; i < map.data.length; i++) worst = Math.max(worst, Math.abs(map.data[i]! - c.ssimMap[i]!));
      assert.ok(worst < TOL, `${c.name}: SSIM map max abs diff ${worst}`);
    }
  });
}

test("identical images: PSNR infinite, SSIM 1, L1 0", () => {
  const c = ref.cases[0]!;
  const a = img(c, c.a);
  const got = allMetrics(a, a, mask(c));
  assert.equal(got.psnr, Infinity);
  assert.equal(got.psnrHole, Infinity);
  assert.ok(Math.abs(got.ssim - 1) < 1e-12 && Math.abs(got.ssimHole! - 1) < 1e-12);
  assert.equal(got.l1, 0);
});

test("dataRange: [-1, 1] images with dataRange 2 give the same PSNR (SSIM is not shift-invariant, so only close)", () => {
  const c = ref.cases[1]!;
  const a = img(c, c.a);
  const b = img(c, c.b);
  const signed = (x: ImageArray): ImageArray => ({ ...x, data: x.data.map((v) => 2 * v - 1) });
  const u = allMetrics(a, b, mask(c));
  const s = allMetrics(signed(a), signed(b), mask(c), { dataRange: 2 });
  assert.ok(Math.abs(u.psnr - s.psnr) < 1e-4);
  assert.ok(Math.abs(u.ssim - s.ssim) < 0.05);
  assert.ok(Math.abs(2 * u.l1 - s.l1) < 1e-6);
});

test("no mask: hole metrics are null; empty mask is rejected by the single metrics", () => {
  const c = ref.cases[0]!;
  const a = img(c, c.a);
  const b = img(c, c.b);
  const got = allMetrics(a, b);
  assert.equal(got.psnrHole, null);
  const empty: Mask = { width: c.width, height: c.height, data: new Uint8Array(c.width * c.height) };
  assert.throws(() => psnr(a, b, { mask: empty }), /no hole pixels/);
  assert.throws(() => ssim(a, b, { mask: { width: 3, height: 3, data: new Uint8Array(9) } }), /mask is 3x3/);
  assert.throws(() => l1(a, { ...b, width: 2 }), /differ in shape/);
});

test("Gaussian window: 11 taps at sigma 1.5, sums to 1; reflect indexing as scipy", () => {
  const k = gaussianKernel1d(1.5, 3.5);
  assert.equal(k.length, 11);
  assert.ok(Math.abs(k.reduce((s, v) => s + v, 0) - 1) < 1e-15);
  assert.deepEqual([-3, -2, -1, 0, 3, 4, 5, 6].map((i) => reflectIndex(i, 4)), [2, 1, 0, 0, 3, 3, 2, 1]);
  // a constant plane stays constant
  const plane = new Float64Array(20 * 15).fill(0.25);
  const f = filterSeparable(plane, 20, 15, k);
  assert.ok(f.every((v) => Math.abs(v - 0.25) < 1e-15));
});
