/**
 * DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"):
 * the same random, differentiable transformations applied to real and generated images before D,
 * in both the D step and the G step, so that D cannot memorise a small training set and G still
 * gets gradients through the transformation. Policies as in the authors' code:
 *   color        brightness + U(-0.5, 0.5); saturation x U(0, 2) around the pixel's channel mean;
 *                contrast x U(0.5, 1.5) around the image mean
 *   translation  shift by up to 1/8 of the side in each direction, zero-filled
 *   cutout       one zeroed square of half the side at a random position (clipped at the border)
 * Images are in [-1, 1] (as in the authors' code, which works on the generator's range).
 *
 * The random parameters are drawn in JavaScript from a seeded {@link Rng} (not tf.random), so a run
 * is reproducible and resumes bit-identically on every backend; every op has a gradient on wasm, cpu,
 * webgpu and tensorflow (translation is two batched matrix products with one-hot shift matrices).
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../util/random.js";

export const AUGMENT_POLICIES = ["color", "translation", "cutout"] as const;
export type AugmentPolicy = (typeof AUGMENT_POLICIES)[number];

/** The random parameters of one augmentation call: one entry per image. */
export interface AugmentParams {
  brightness?: number[];
  saturation?: number[];
  contrast?: number[];
  /** Shift [dy, dx] in pixels: output(y, x) = input(y - dy, x - dx), zero outside. */
  shift?: [number, number][];
  /** Top-left corner [y, x] of the zeroed square (may start outside the image) and its side. */
  cutout?: { at: [number, number][]; size: number };
}

/** Draw the parameters for `batch` images of side `size` (pure: only `rng` changes). */
export function drawAugmentParams(policies: readonly AugmentPolicy[], batch: number, size: number, rng: Rng): AugmentParams {
  const p: AugmentParams = {};
  const each = <T>(f: () => T): T[] => Array.from({ length: batch }, f);
  if (policies.includes("color")) {
    p.brightness = each(() => rng.next() - 0.5);
    p.saturation = each(() => rng.next() * 2);
    p.contrast = each(() => rng.next() + 0.5);
  }
  if (policies.includes("translation")) {
    const r = Math.floor(size * 0.125 + 0.5);
    p.shift = each(() => [rng.int(2 * r + 1) - r, rng.int(2 * r + 1) - r]);
  }
  if (policies.includes("cutout")) {
    const s = Math.floor(size * 0.5 + 0.5);
    // Centre uniform over the image, as in the authors' code: the square may hang over the border.
    p.cutout = { size: s, at: each(() => [rng.int(size + (1 - (s % 2))) - Math.floor(s / 2), rng.int(size + (1 - (s % 2))) - Math.floor(s / 2)]) };
  }
  return p;
}

/** Apply drawn parameters to `x` ([b, S, S, c]); differentiable in x. */
export function applyAugment(x: tf.Tensor4D, p: AugmentParams): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = x.shape;
    let y: tf.Tensor4D = x;
    const perImage = (v: number[]) => tf.tensor4d(v, [b, 1, 1, 1]);
    if (p.brightness) y = tf.add(y, perImage(p.brightness));
    if (p.saturation) {
      const mean = tf.mean(y, 3, true);
      y = tf.add(tf.mul(tf.sub(y, mean), perImage(p.saturation)), mean);
    }
    if (p.contrast) {
      const mean = tf.mean(y, [1, 2, 3], true);
      y = tf.add(tf.mul(tf.sub(y, mean), perImage(p.contrast)), mean);
    }
    if (p.shift) y = translate(y, p.shift);
    if (p.cutout) {
      const m = new Float32Array(b * h * w).fill(1);
      const s = p.cutout.size;
      p.cutout.at.forEach(([y0, x0], i) => {
        for (let yy = Math.max(0, y0); yy < Math.min(h, y0 + s); yy++) {
          for (let xx = Math.max(0, x0); xx < Math.min(w, x0 + s); xx++) m[(i * h + yy) * w + xx] = 0;
        }
      });
      y = tf.mul(y, tf.tensor4d(m, [b, h, w, 1]));
    }
    return y;
  });
}

/** Zero-filled integer shifts per image, as one-hot matrix products: rows then columns. */
function translate(x: tf.Tensor4D, shifts: readonly [number, number][]): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const shiftMatrix = (n: number, d: (i: number) => number) => {
    const m = new Float32Array(b * n * n);
    for (let i = 0; i < b; i++) {
      for (let r = 0; r < n; r++) {
        const src = r - d(i);
        if (src >= 0 && src < n) m[(i * n + r) * n + src] = 1;
      }
    }
    return tf.tensor3d(m, [b, n, n]);
  };
  const ty = shiftMatrix(h, (i) => shifts[i]![0]); // out rows = Ty x in rows
  const tx = shiftMatrix(w, (i) => shifts[i]![1]);
  const rows = tf.matMul(ty, tf.reshape(x, [b, h, w * c])); // [b, h, w*c]
  // columns: [b, h, w, c] -> [b, w, h*c] (w first), Tx, back
  const cols = tf.transpose(tf.reshape(rows, [b, h, w, c]), [0, 2, 1, 3]);
  const shifted = tf.matMul(tx, tf.reshape(cols, [b, w, h * c]));
  return tf.transpose(tf.reshape(shifted, [b, w, h, c]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/** Draw and apply in one call. */
export function diffAugment(x: tf.Tensor4D, policies: readonly AugmentPolicy[], rng: Rng): tf.Tensor4D {
  if (policies.length === 0) return x;
  return applyAugment(x, drawAugmentParams(policies, x.shape[0], x.shape[1], rng));
}
