import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import type { Mask } from "../../lib/data/image.js";
import {
  applyMask,
  centerSquareMask,
  damageMask,
  generateMask,
  loadMask,
  makeMask,
  maskFraction,
  maskFromImage,
  MASK_TYPES,
  randomBlocksMask,
  saveMaskPng,
  strokeMask,
} from "../../lib/masks/index.js";
import { createRng } from "../../lib/util/random.js";

/** Share of hole pixels that touch a known pixel (4-neighbourhood): near 1 for thin shapes. */
function boundaryShare(m: Mask): number {
  let hole = 0;
  let edge = 0;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (!m.data[y * m.width + x]) continue;
      hole++;
      const nb = [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ];
      if (nb.some(([u, v]) => u! >= 0 && v! >= 0 && u! < m.width && v! < m.height && !m.data[v! * m.width + u!])) edge++;
    }
  }
  return edge / hole;
}

test("centerSquareMask: exact area fraction, centred, also non-square", () => {
  const m = centerSquareMask(64, 0.25);
  assert.equal(maskFraction(m), 0.25);
  assert.equal(m.data[0], 0);
  assert.equal(m.data[16 * 64 + 16], 1);
  assert.equal(m.data[15 * 64 + 16], 0);
  assert.equal(m.data[47 * 64 + 47], 1);
  assert.equal(m.data[48 * 64 + 47], 0);
  const r = centerSquareMask({ width: 100, height: 50 }, 0.16);
  assert.equal(maskFraction(r), (40 * 20) / 5000);
  assert.throws(() => centerSquareMask(64, 1.5), /fraction must be in \(0, 1\)/);
});

test("randomBlocksMask: hits the target fraction, is seeded", () => {
  for (const f of [0.1, 0.25, 0.4]) {
    const m = randomBlocksMask(128, { fraction: f, rng: createRng(3) });
    assert.ok(Math.abs(maskFraction(m) - f) < 0.01, `fraction ${maskFraction(m)} vs ${f}`);
  }
  const a = randomBlocksMask(64, { rng: createRng(9) });
  const b = randomBlocksMask(64, { rng: createRng(9) });
  const c = randomBlocksMask(64, { rng: createRng(10) });
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
});

test("strokeMask: NTIRE 2022 / LaMa families, area in (0, 0.5], documented means, thin is thinner", () => {
  const stats: Record<string, { mean: number; edge: number }> = {};
  for (const width of ["thick", "medium", "thin"] as const) {
    const rng = createRng(11);
    let sum = 0;
    let edge = 0;
    const n = 120;
    for (let i = 0; i < n; i++) {
      const m = strokeMask(128, { width, rng });
      const f = maskFraction(m);
      assert.ok(f > 0 && f <= 0.5, `${width} fraction ${f}`);
      sum += f;
      edge += boundaryShare(m);
    }
    stats[width] = { mean: sum / n, edge: edge / n };
  }
  // documented means 0.26 / 0.22 / 0.26 (300-mask estimates); 120 masks keep within +-0.05
  assert.ok(Math.abs(stats.thick!.mean - 0.26) < 0.05, JSON.stringify(stats));
  assert.ok(Math.abs(stats.medium!.mean - 0.22) < 0.05, JSON.stringify(stats));
  assert.ok(Math.abs(stats.thin!.mean - 0.26) < 0.05, JSON.stringify(stats));
  assert.ok(stats.thin!.edge > stats.medium!.edge && stats.medium!.edge > stats.thick!.edge, JSON.stringify(stats));
  const a = strokeMask(64, { width: "thin", rng: createRng(5) });
  const b = strokeMask(64, { width: "thin", rng: createRng(5) });
  assert.deepEqual(a.data, b.data);
});

test("stroke masks at a requested area: fractionRange / MaskSpec.fraction keep the family, hit the band", () => {
  const rng = createRng(8);
  for (const type of ["thick", "medium", "thin"] as const) {
    for (let i = 0; i < 10; i++) {
      const f = maskFraction(generateMask({ type, fraction: 0.2 }, 96, rng));
      assert.ok(Math.abs(f - 0.2) <= 0.025 + 1e-12, `${type}: ${f}`);
    }
  }
  const m = strokeMask(64, { width: "thin", rng, fractionRange: [0.1, 0.12] });
  assert.ok(maskFraction(m) >= 0.1 && maskFraction(m) <= 0.12);
  assert.throws(() => strokeMask(64, { width: "thin", rng, fractionRange: [0.9, 0.95] }), /after 2000 draws; widen the range/);
});

test("damageMask: reaches the target fraction; cracks and scratches are thin, patches are solid", () => {
  for (const kind of ["cracks", "scratches", "lost-patches"] as const) {
    for (const fraction of [0.03, 0.1]) {
      const m = damageMask(128, { kind, rng: createRng(2), fraction });
      const f = maskFraction(m);
      assert.ok(f >= fraction && f < fraction + 0.06, `${kind} ${fraction}: got ${f}`);
    }
  }
  const cracks = damageMask(256, { kind: "cracks", rng: createRng(4) });
  const scratches = damageMask(256, { kind: "scratches", rng: createRng(4) });
  const patches = damageMask(256, { kind: "lost-patches", rng: createRng(4) });
  assert.ok(boundaryShare(cracks) > 0.6, `cracks boundary share ${boundaryShare(cracks)}`);
  assert.ok(boundaryShare(scratches) > 0.6, `scratches boundary share ${boundaryShare(scratches)}`);
  assert.ok(boundaryShare(patches) < 0.25, `patches boundary share ${boundaryShare(patches)}`);
  assert.throws(() => damageMask(64, { kind: "mould" as never, rng: createRng(1) }), /kind must be one of/);
});

test("generateMask / makeMask cover every type; file masks round-trip through PNG (white = missing)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "masks-"));
  const file = path.join(dir, "m.png");
  const src = centerSquareMask({ width: 40, height: 30 }, 0.25);
  await saveMaskPng(src, file);
  assert.deepEqual(readdirSync(dir), ["m.png"]);
  const back = await loadMask(file);
  assert.equal(back.width, 40);
  assert.equal(back.height, 30);
  assert.deepEqual(back.data, src.data);
  for (const type of MASK_TYPES) {
    const spec = type === "file" ? { type, file } : { type };
    const m = await makeMask(spec, 64, createRng(1));
    assert.equal(m.width, 64);
    assert.ok(maskFraction(m) > 0 && maskFraction(m) < 0.6, `${type}: ${maskFraction(m)}`);
    if (type !== "file") assert.deepEqual(generateMask(spec, 64, createRng(1)).data, m.data);
  }
  await assert.rejects(makeMask({ type: "file" }, 64, createRng(1)), /needs a "file" path/);
  await assert.rejects(maskFromImage(path.join(dir, "nope.png"), 8), /cannot read mask image .*nope\.png/);
});

test("maskFromImage: threshold 0.5 on grey, nearest resize, transparent = known", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "masks-"));
  const file = path.join(dir, "rgba.png");
  // 4x2 RGBA: left half white-ish (200), right half dark grey (100)
  const px = Buffer.alloc(4 * 2 * 4);
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 4; x++) {
      const v = x < 2 ? 200 : 100;
      px.set([v, v, v, x === 0 ? 0 : 255], (y * 4 + x) * 4);
    }
  await sharp(px, { raw: { width: 4, height: 2, channels: 4 } }).png().toFile(file);
  const m = await maskFromImage(file, { width: 8, height: 4 });
  assert.equal(m.width, 8);
  for (let y = 0; y < 4; y++) assert.deepEqual(Array.from(m.data.slice(y * 8, y * 8 + 8)), [0, 0, 1, 1, 0, 0, 0, 0]);
});

test("applyMask fills the hole with a colour and leaves the rest", () => {
  const img = { width: 2, height: 1, channels: 3, data: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) };
  const m: Mask = { width: 2, height: 1, data: Uint8Array.from([0, 1]) };
  const out = applyMask(img, m, [1, 0, 1]);
  assert.deepEqual(Array.from(out.data), Array.from(Float32Array.from([0.1, 0.2, 0.3, 1, 0, 1])));
  assert.equal(img.data[3], Math.fround(0.4));
  assert.throws(() => applyMask(img, m, [1, 0]), /fill has 2 values/);
});
