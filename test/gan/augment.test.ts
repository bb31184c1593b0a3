import assert from "node:assert/strict";
import { before, test } from "node:test";
import { applyAugment, drawAugmentParams, type AugmentParams } from "../../lib/gan/augment.js";
import { initBackend, tf } from "../../lib/runtime/backend.js";
import { createRng } from "../../lib/util/random.js";

before(async () => {
  await initBackend({ announce: false });
});

const B = 3;
const S = 8;
const C = 3;

function batch(seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: B * S * S * C }, () => rng.uniform(-1, 1));
}

const at = (v: ArrayLike<number>, b: number, y: number, x: number, c: number) => v[((b * S + y) * S + x) * C + c]!;

async function run(x: Float32Array, p: AugmentParams): Promise<Float32Array> {
  const t = tf.tensor4d(x, [B, S, S, C]);
  const y = applyAugment(t, p);
  const out = (await y.data()) as Float32Array;
  tf.dispose([t, y]);
  return out;
}

test("translation shifts each image by its own offset and fills with zeros (checked pixel by pixel)", async () => {
  const x = batch(1);
  const shift: [number, number][] = [
    [1, -2],
    [0, 0],
    [-3, 2],
  ];
  const y = await run(x, { shift });
  for (let b = 0; b < B; b++) {
    const [dy, dx] = shift[b]!;
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) {
        for (let c = 0; c < C; c++) {
          const si = i - dy;
          const sj = j - dx;
          const want = si >= 0 && si < S && sj >= 0 && sj < S ? at(x, b, si, sj, c) : 0;
          assert.ok(Math.abs(at(y, b, i, j, c) - want) < 1e-6, `image ${b} (${i},${j},${c}): ${at(y, b, i, j, c)} vs ${want}`);
        }
      }
    }
  }
});

test("cutout zeroes one square per image, clipped at the border", async () => {
  const x = batch(2);
  const y = await run(x, { cutout: { size: 4, at: [[0, 0], [-2, 6], [3, 3]] } });
  const inside = (b: number, i: number, j: number) => {
    const [y0, x0] = ([[0, 0], [-2, 6], [3, 3]] as const)[b]!;
    return i >= y0 && i < y0 + 4 && j >= x0 && j < x0 + 4;
  };
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) for (let c = 0; c < C; c++) {
      assert.ok(Math.abs(at(y, b, i, j, c) - (inside(b, i, j) ? 0 : at(x, b, i, j, c))) === 0);
    }
  }
});

test("colour: brightness, saturation and contrast as in the DiffAugment code (checked by hand)", async () => {
  const x = batch(3);
  const p: AugmentParams = { brightness: [0.1, -0.2, 0.3], saturation: [0.5, 1.5, 0], contrast: [1.2, 0.7, 1] };
  const y = await run(x, p);
  for (let b = 0; b < B; b++) {
    const img = Array.from({ length: S * S * C }, (_, k) => x[b * S * S * C + k]! + p.brightness![b]!);
    for (let q = 0; q < S * S; q++) {
      const m = (img[q * 3]! + img[q * 3 + 1]! + img[q * 3 + 2]!) / 3;
      for (let c = 0; c < 3; c++) img[q * 3 + c] = (img[q * 3 + c]! - m) * p.saturation![b]! + m;
    }
    const mean = img.reduce((s, v) => s + v, 0) / img.length;
    for (let k = 0; k < img.length; k++) {
      const want = (img[k]! - mean) * p.contrast![b]! + mean;
      assert.ok(Math.abs(y[b * S * S * C + k]! - want) < 1e-5, `image ${b} value ${k}: ${y[b * S * S * C + k]} vs ${want}`);
    }
  }
});

test("parameters come from the seeded stream: same seed, same draws; ranges as in the paper", () => {
  const a = drawAugmentParams(["color", "translation", "cutout"], 64, 32, createRng(7));
  const b = drawAugmentParams(["color", "translation", "cutout"], 64, 32, createRng(7));
  assert.deepEqual(a, b);
  assert.ok(a.brightness!.every((v) => v >= -0.5 && v < 0.5));
  assert.ok(a.saturation!.every((v) => v >= 0 && v < 2));
  assert.ok(a.contrast!.every((v) => v >= 0.5 && v < 1.5));
  assert.ok(a.shift!.every(([dy, dx]) => Math.abs(dy) <= 4 && Math.abs(dx) <= 4), "1/8 of 32 px");
  assert.ok(new Set(a.shift!.map((s) => s.join())).size > 10, "shifts vary");
  assert.equal(a.cutout!.size, 16);
  assert.ok(a.cutout!.at.every(([y, x]) => y >= -8 && y < 32 && x >= -8 && x < 32));
  assert.deepEqual(drawAugmentParams([], 4, 32, createRng(1)), {});
});

test("gradients pass through every policy (translation moves them with the pixels)", () => {
  const x = tf.tensor4d(batch(4), [B, S, S, C]);
  const p: AugmentParams = { ...drawAugmentParams(["color", "translation", "cutout"], B, S, createRng(3)), shift: [[2, 0], [0, -1], [1, 1]] };
  const g = tf.grad((t: tf.Tensor) => tf.sum(applyAugment(t as tf.Tensor4D, { shift: p.shift })))(x);
  const gv = g.dataSync();
  // d sum / d x = 1 where the pixel lands inside the image, 0 where it is shifted out
  for (let b = 0; b < B; b++) {
    const [dy, dx] = p.shift![b]!;
    for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) {
      const lands = i + dy >= 0 && i + dy < S && j + dx >= 0 && j + dx < S;
      assert.equal(at(gv, b, i, j, 0), lands ? 1 : 0);
    }
  }
  const full = tf.grad((t: tf.Tensor) => tf.sum(tf.square(applyAugment(t as tf.Tensor4D, p))))(x);
  const fv = full.dataSync();
  assert.ok(fv.every(Number.isFinite) && fv.some((v) => v !== 0));
  tf.dispose([x, g, full]);
});
