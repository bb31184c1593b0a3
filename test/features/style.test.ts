/**
 * The style statistics (lib/features/style/stats.ts) on a small map whose Gram matrix, means and
 * standard deviations were worked out by hand; the block join; the colour/texture descriptor
 * (lib/features/style/colour.ts) on images whose histograms are known; and the style extractor
 * on the offline MobileNetV2 (dimensions, PCA fit, the fitted PCA saved and restored).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { ImageArray } from "../../lib/data/image.js";
import { colourBlockDims, colourBlocks, colourDescriptor, rgbToHsv } from "../../lib/features/style/colour.js";
import { joinBlocks, joinRows, statDim, styleStat, upperTriangleIndices } from "../../lib/features/style/stats.js";
import { createStyleExtractor } from "../../lib/features/style/style-extractor.js";
import { createExtractor } from "../../lib/features/registry.js";
import { initBackend } from "../../lib/runtime/backend.js";

before(async () => {
  await initBackend({ announce: false });
});

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

// One 2 x 2 map with 3 channels; positions (row-major) p0..p3 hold these channel values.
const P = [
  [1, 2, 0],
  [3, 0, 1],
  [0, 1, 2],
  [2, 1, 1],
];
// By hand: G[i][j] = sum_p F[p][i] F[p][j] / 4.
//   G00 = (1 + 9 + 0 + 4) / 4 = 3.5    G01 = (2 + 0 + 0 + 2) / 4 = 1     G02 = (0 + 3 + 0 + 2) / 4 = 1.25
//   G11 = (4 + 0 + 1 + 1) / 4 = 1.5    G12 = (0 + 0 + 2 + 1) / 4 = 0.75  G22 = (0 + 1 + 4 + 1) / 4 = 1.5
const GRAM_UPPER = [3.5, 1, 1.25, 1.5, 0.75, 1.5];
// Means 6/4, 4/4, 4/4; population variances E[x^2] - m^2 = 3.5 - 2.25, 1.5 - 1, 1.5 - 1.
const MEANSTD = [1.5, 1, 1, Math.sqrt(1.25), Math.sqrt(0.5), Math.sqrt(0.5)];

describe("style statistics", () => {
  test("upper triangle indices run row by row, diagonal included", () => {
    assert.deepEqual(Array.from(upperTriangleIndices(3)), [0, 1, 2, 4, 5, 8]);
    assert.equal(statDim("gram", 3), 6);
    assert.equal(statDim("meanstd", 3), 6);
    assert.equal(statDim("gram", 384), 73920);
  });

  test("Gram upper triangle and mean+std of a known map (and of the map doubled, in the same batch)", async () => {
    const flat = P.flat();
    const map = tf.tensor4d([...flat, ...flat.map((v) => 2 * v)], [2, 2, 2, 3]);
    const gram = styleStat(map, "gram");
    const ms = styleStat(map, "meanstd");
    assert.deepEqual(gram.shape, [2, 6]);
    assert.deepEqual(ms.shape, [2, 6]);
    const g = (await gram.array()) as number[][];
    const m = (await ms.array()) as number[][];
    close(g[0]!, GRAM_UPPER, 1e-6, "gram");
    close(g[1]!, GRAM_UPPER.map((v) => 4 * v), 1e-5, "gram of 2F = 4 G");
    close(m[0]!, MEANSTD, 1e-6, "mean+std");
    close(m[1]!, MEANSTD.map((v) => 2 * v), 1e-5, "mean+std of 2F");
    tf.dispose([map, gram, ms]);
  });

  test("a constant channel has std 0 (not NaN)", async () => {
    const map = tf.fill([1, 3, 3, 2], 0.7) as tf.Tensor4D;
    const ms = styleStat(map, "meanstd");
    close((await ms.data()) as Float32Array, [0.7, 0.7, 0, 0], 1e-6, "constant");
    tf.dispose([map, ms]);
  });

  test("blocks joined at unit length each (l2) or as they are (none); tensors and rows agree", async () => {
    const a = tf.tensor2d([[3, 4]]);
    const b = tf.tensor2d([[0, 0, 2]]);
    const l2 = joinBlocks([a, b], "l2");
    const none = joinBlocks([a, b], "none");
    close((await l2.data()) as Float32Array, [0.6, 0.8, 0, 0, 1], 1e-6, "l2 join");
    close((await none.data()) as Float32Array, [3, 4, 0, 0, 2], 0, "plain join");
    close(joinRows([Float32Array.of(3, 4), Float32Array.of(0, 0, 2)], "l2"), [0.6, 0.8, 0, 0, 1], 1e-6, "joinRows l2");
    close(joinRows([Float32Array.of(0, 0)], "l2"), [0, 0], 0, "a zero block stays zero");
    tf.dispose([a, b, l2, none]);
  });
});

/** A w x h image of one RGB colour given in [0, 1] (stored in [-1, 1], as decoded). */
function solid(w: number, h: number, rgb: [number, number, number]): ImageArray {
  const data = new Float32Array(w * h * 3);
  for (let p = 0; p < w * h; p++) for (let c = 0; c < 3; c++) data[3 * p + c] = rgb[c]! * 2 - 1;
  return { width: w, height: h, channels: 3, data };
}

describe("colour/texture descriptor", () => {
  test("rgbToHsv on primaries, grey and a mixed colour", () => {
    close(rgbToHsv(1, 0, 0), [0, 1, 1], 1e-12, "red");
    close(rgbToHsv(0, 1, 0), [1 / 3, 1, 1], 1e-12, "green");
    close(rgbToHsv(0, 0, 1), [2 / 3, 1, 1], 1e-12, "blue");
    close(rgbToHsv(0.5, 0.5, 0.5), [0, 0, 0.5], 1e-12, "grey");
    // (0.8, 0.4, 0.2): max 0.8 (red), d 0.6, h = ((0.4 - 0.2) / 0.6) / 6 = 1/18, s = 0.75.
    close(rgbToHsv(0.8, 0.4, 0.2), [1 / 18, 0.75, 0.8], 1e-12, "orange");
  });

  test("a solid colour: one histogram bin, its moments, no gradient", () => {
    const b = colourBlocks(solid(8, 6, [1, 0, 0]));
    assert.equal(b.hist.length, 72);
    // hue 0 -> bin 0, saturation 1 -> bin 2, value 1 -> bin 2: index (0 * 3 + 2) * 3 + 2 = 8.
    close(b.hist, Array.from({ length: 72 }, (_, i) => (i === 8 ? 1 : 0)), 1e-6, "hist");
    close(b.moments, [1, 0, 0, 1, 1, 0, 0, 0, 0, 0], 1e-6, "moments");
    close(b.gradient, [1, 0, 0, 0, 0, 0, 0, 0], 1e-6, "gradient");
  });

  test("half black, half white: two bins, std 0.5, the edge column in the top gradient bin", () => {
    const img = solid(4, 4, [0, 0, 0]);
    for (let y = 0; y < 4; y++) for (let x = 2; x < 4; x++) for (let c = 0; c < 3; c++) img.data[(y * 4 + x) * 3 + c] = 1;
    const b = colourBlocks(img);
    // black: h 0, s 0, v 0 -> bin 0; white: h 0, s 0, v 1 -> bin 2.
    assert.ok(Math.abs(b.hist[0]! - 0.5) < 1e-6 && Math.abs(b.hist[2]! - 0.5) < 1e-6);
    close(b.moments, [0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0.5, 0, 0.5], 1e-6, "moments");
    // Interior pixels (x, y in 1..2): x = 1 and x = 2 both straddle the edge, |g| = 0.5 >= 1/4.
    close(b.gradient, [0, 0, 0, 0, 0, 0, 0, 1], 1e-6, "gradient");
    const d = colourDescriptor(img);
    assert.equal(d.length, colourBlockDims().reduce((s, v) => s + v, 0));
    assert.equal(d.length, 90);
  });
});

function pattern(size: number, fx: number, fy: number): ImageArray {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = Math.sin(fx * x + fy * y + c);
  return { width: size, height: size, channels: 3, data };
}

describe("style extractor on the offline MobileNetV2", () => {
  test("dimensions follow the layers and the statistic; PCA is fitted, saved and restored", async () => {
    const layers = ["block_1_expand_relu", "block_3_expand_relu"]; // 96 and 144 channels
    const ms = await createStyleExtractor("mobilenet_v2", { layers, stat: "meanstd" });
    const imgs = [pattern(224, 0.05, 0.01), pattern(224, 0.3, 0.2), pattern(224, 0.11, 0.7), pattern(224, 0.02, 0.4)];
    try {
      assert.deepEqual(ms.blockDims, [192, 288]);
      assert.equal(ms.dim(), 480);
      const [a] = await ms.extract(imgs.slice(0, 1));
      // Each block at unit length (blockNorm "l2", the default).
      const n0 = Math.hypot(...a!.subarray(0, 192));
      const n1 = Math.hypot(...a!.subarray(192));
      assert.ok(Math.abs(n0 - 1) < 1e-4 && Math.abs(n1 - 1) < 1e-4, `block norms ${n0}, ${n1}`);
    } finally {
      ms.dispose();
    }
    const gram = await createStyleExtractor("mobilenet_v2", { layers: ["block_1_expand_relu"], stat: "gram", pca: 2 });
    const dir = mkdtempSync(path.join(tmpdir(), "style-pca-"));
    try {
      assert.equal(gram.rawDim, (96 * 97) / 2);
      assert.equal(gram.dim(), 2);
      await assert.rejects(gram.extract(imgs), /not fitted; call fit/);
      await gram.fit!(imgs);
      const fitted = await gram.extract(imgs);
      assert.equal(fitted[0]!.length, 2);
      const file = path.join(dir, "pca.json");
      await gram.saveVocabulary(file);
      const again = await createStyleExtractor("mobilenet_v2", { layers: ["block_1_expand_relu"], stat: "gram", vocabulary: file });
      try {
        assert.equal(again.options.pcaFit, gram.options.pcaFit);
        const restored = await again.extract(imgs);
        for (let i = 0; i < imgs.length; i++) close(restored[i]!, fitted[i]!, 1e-3, `restored PCA, image ${i}`);
      } finally {
        again.dispose();
      }
    } finally {
      gram.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("lda: fitted on labelled images it separates their classes; saved with its PCA and restored; errors name the fix", async () => {
    const layers = ["block_1_expand_relu"];
    await assert.rejects(createStyleExtractor("mobilenet_v2", { layers, lda: true }), /lda needs a PCA first \(set the option pca/);
    // Two classes: slow and fast stripes, four of each at varied angles; one unlabelled image.
    const slow = [pattern(224, 0.03, 0.01), pattern(224, 0.01, 0.04), pattern(224, 0.05, 0.02), pattern(224, 0.02, 0.02)];
    const fast = [pattern(224, 0.9, 0.3), pattern(224, 0.4, 1.1), pattern(224, 1.3, 0.7), pattern(224, 0.8, 0.8)];
    const imgs = [...slow, ...fast, pattern(224, 0.3, 0.3)];
    const labels = [...slow.map(() => "slow"), ...fast.map(() => "fast"), null];
    const ex = await createStyleExtractor("mobilenet_v2", { layers, pca: 3, lda: true });
    const dir = mkdtempSync(path.join(tmpdir(), "style-lda-"));
    try {
      assert.equal(ex.supervised, true);
      await assert.rejects(ex.fit!(imgs), /lda learns from the training images' labels, and fit got none/);
      await assert.rejects(ex.fit!(imgs, imgs.map(() => "one")), /at least 2 labels, got 9 labelled of 9 \(1 label\)/);
      await ex.fit!(imgs, labels);
      assert.equal(ex.dim(), 1, "two classes: one discriminant direction");
      assert.deepEqual(ex.ldaModel()!.classes, ["fast", "slow"]);
      const z = (await ex.extract(imgs)).map((v) => v[0]!);
      const [s, f] = [z.slice(0, 4), z.slice(4, 8)];
      assert.ok(Math.max(...s) < Math.min(...f) || Math.max(...f) < Math.min(...s), `classes overlap: slow ${s}, fast ${f}`);
      const file = path.join(dir, "fit.json");
      await ex.saveVocabulary(file);
      const again = await createStyleExtractor("mobilenet_v2", { layers, vocabulary: file });
      try {
        assert.equal(again.supervised, true);
        assert.equal(again.options.ldaFit, ex.options.ldaFit);
        assert.equal(again.options.pcaFit, ex.options.pcaFit);
        close((await again.extract(imgs)).map((v) => v[0]!), z, 1e-3, "restored PCA + LDA");
      } finally {
        again.dispose();
      }
    } finally {
      ex.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("sqrt and the colour block: the CNN part at unit length, then the colour descriptor at the given weight", async () => {
    const img = pattern(224, 0.05, 0.01);
    const plain = await createStyleExtractor("mobilenet_v2", { layers: ["block_1_expand_relu"], stat: "meanstd" });
    const ex = await createStyleExtractor("mobilenet_v2", { layers: ["block_1_expand_relu"], stat: "meanstd", sqrt: true, colour: 0.5 });
    try {
      assert.equal(ex.dim(), 192 + 90);
      assert.equal(ex.options.sqrt, true);
      assert.equal(ex.options.colour, 0.5);
      const [p] = await plain.extract([img]);
      const [v] = await ex.extract([img]);
      // sqrt of the (non-negative) statistics, block at unit length: sqrt(p) / |sqrt(p)|.
      const sq = p!.map(Math.sqrt);
      const n = Math.hypot(...sq);
      close(v!.subarray(0, 192), sq.map((x) => x / n), 1e-4, "sqrt block");
      const c = colourDescriptor(img);
      const cn = Math.hypot(...c);
      close(v!.subarray(192), c.map((x) => (0.5 * x) / cn), 1e-6, "colour block");
    } finally {
      plain.dispose();
      ex.dispose();
    }
  });

  test("the registry's style-inception_v3-nsfwjs carries the selected defaults", async () => {
    const ex = await createExtractor("style-inception_v3-nsfwjs");
    try {
      assert.equal(ex.inputSize, 299);
      assert.equal(ex.dim(), 32 + 90);
      assert.ok(ex.fit, "PCA to fit");
      assert.deepEqual(ex.options.layers, ["mixed3"]);
      assert.equal(ex.options.stat, "meanstd");
      assert.equal(ex.options.sqrt, true);
      assert.equal(ex.options.colour, 1);
    } finally {
      ex.dispose();
    }
  });

  test("an unknown layer is named in the error with layers that exist", async () => {
    await assert.rejects(createStyleExtractor("mobilenet_v2", { layers: ["block_99"] }), /no layer "block_99".*include: /s);
  });
});
