import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { ImageArray } from "../../lib/data/image.js";
import {
  bovwHistogram,
  fitVocabulary,
  loadVocabulary,
  saveVocabulary,
  vocabularyFromJSON,
  vocabularyHash,
  vocabularyToJSON,
  type DescriptorSet,
} from "../../lib/features/bovw.js";
import { createSiftBovw, createSurfBovw, rotationScaling, warpAffine } from "../../lib/features/keypoints/index.js";
import type { GrayImage } from "../../lib/features/keypoints/types.js";
import { projectRoot } from "../../lib/util/paths.js";
import { createRng } from "../../lib/util/random.js";
import { texturedImage } from "./keypoints/synthetic-images.js";

const ref = JSON.parse(readFileSync(path.join(projectRoot(), "test/features/keypoints/fixtures/bovw-tfidf.json"), "utf8")) as {
  counts: number[][];
  idf: number[];
  tfidf_l2: number[][];
  tfidf_l1: number[][];
};

const DIM = 8;
const CENTRES = [0, 3, 6].map((j) => Float32Array.from({ length: DIM }, (_, i) => (i === j ? 1 : i === j + 1 ? 0.5 : 0)));

/** One descriptor set per image: counts[w] noisy copies of centre w. */
function clusteredSets(counts: number[][], seed: number): DescriptorSet[] {
  const rng = createRng(seed);
  return counts.map((row) => {
    const rows: number[] = [];
    row.forEach((n, w) => {
      for (let r = 0; r < n; r++) for (let i = 0; i < DIM; i++) rows.push(CENTRES[w]![i]! + 0.02 * rng.normal());
    });
    return { descriptors: Float32Array.from(rows), dim: DIM };
  });
}

/** Word index of the vocabulary nearest to each true centre. */
function wordOfCentre(words: Float32Array): number[] {
  return CENTRES.map((c) => {
    let best = 0;
    let bestD = Infinity;
    for (let w = 0; w < words.length / DIM; w++) {
      let d = 0;
      for (let i = 0; i < DIM; i++) d += (words[w * DIM + i]! - c[i]!) ** 2;
      if (d < bestD) [best, bestD] = [w, d];
    }
    return best;
  });
}

test("vocabulary recovers separated clusters; histograms and tf-idf equal scikit-learn's", () => {
  const sets = clusteredSets(ref.counts, 1);
  const vocab = fitVocabulary(sets, { vocabularySize: 3, tfidf: true, seed: 0 });
  const map = wordOfCentre(vocab.words);
  assert.deepEqual([...map].sort(), [0, 1, 2], "each true centre has its own word");
  for (let w = 0; w < 3; w++) {
    for (let i = 0; i < DIM; i++) assert.ok(Math.abs(vocab.words[map[w]! * DIM + i]! - CENTRES[w]![i]!) < 0.03);
  }
  ref.idf.forEach((v, w) => assert.ok(Math.abs(vocab.idf![map[w]!]! - v) < 1e-6, `idf of word ${w}`));
  sets.forEach((set, img) => {
    const l2 = bovwHistogram(set, vocab, { tfidf: true, norm: "l2" });
    const l1 = bovwHistogram(set, vocab, { tfidf: true, norm: "l1" });
    const raw = bovwHistogram(set, vocab, { tfidf: false, norm: "l1" });
    const total = ref.counts[img]!.reduce((a, b) => a + b, 0);
    for (let w = 0; w < 3; w++) {
      assert.ok(Math.abs(l2[map[w]!]! - ref.tfidf_l2[img]![w]!) < 1e-6, `image ${img} word ${w} l2`);
      assert.ok(Math.abs(l1[map[w]!]! - ref.tfidf_l1[img]![w]!) < 1e-6, `image ${img} word ${w} l1`);
      assert.ok(Math.abs(raw[map[w]!]! - ref.counts[img]![w]! / total) < 1e-6, `image ${img} word ${w} frequency`);
    }
  });
  assert.throws(() => bovwHistogram(sets[0]!, fitVocabulary(sets, { vocabularySize: 3 }), { tfidf: true }), /fitted without/);
  // No descriptors: all zeros, not NaN.
  assert.deepEqual([...bovwHistogram({ descriptors: new Float32Array(0), dim: DIM }, vocab)], [0, 0, 0]);
});

test("vocabulary fitting is seeded, serialisable, and says when there are too few descriptors", async () => {
  const sets = clusteredSets([[30, 10, 5], [4, 40, 12], [9, 9, 30]], 2);
  const a = fitVocabulary(sets, { vocabularySize: 6, seed: 3, sampleDescriptors: 100 });
  const b = fitVocabulary(sets, { vocabularySize: 6, seed: 3, sampleDescriptors: 100 });
  assert.equal(vocabularyHash(a), vocabularyHash(b));
  assert.equal(a.stats.sampled, 100);
  assert.equal(a.stats.descriptors, 149);
  const back = vocabularyFromJSON(JSON.parse(JSON.stringify(vocabularyToJSON(a))));
  assert.equal(vocabularyHash(back), vocabularyHash(a));
  const file = path.join(os.tmpdir(), `heritage-vocab-${process.pid}.json`);
  await saveVocabulary(file, a);
  const loaded = await loadVocabulary(file);
  assert.deepEqual([...bovwHistogram(sets[1]!, loaded)], [...bovwHistogram(sets[1]!, a)]);
  assert.throws(() => fitVocabulary(sets, { vocabularySize: 500 }), /only 149 descriptors in 3 images for 500 visual words/);
  assert.throws(() => vocabularyFromJSON({ ...vocabularyToJSON(a), words: [1, 2] }, "v.json"), /v\.json: 2 word values/);
});

function toImageArray(g: GrayImage): ImageArray {
  const data = new Float32Array(g.width * g.height * 3);
  for (let i = 0; i < g.data.length; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = g.data[i]! * 2 - 1;
  return { width: g.width, height: g.height, channels: 3, data };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i]! * b[i]!, aa + a[i]! * a[i]!, bb + b[i]! * b[i]!];
  return ab / Math.sqrt(aa * bb);
}

for (const create of [createSiftBovw, createSurfBovw]) {
  test(`${create.name}: fit, extract, reload; a rotated image stays closer to itself than to others`, async () => {
    const grays = [11, 12, 13, 14].map((s) => texturedImage(128, 128, s));
    const r = rotationScaling(128, 128, 90, 1);
    const rotated = warpAffine(grays[0]!, r.transform, r.width, r.height);
    const images = grays.map(toImageArray);
    const ex = create({ vocabularySize: 24, tfidf: true, inputSize: 128, maxKeypoints: 300, seed: 1 });
    assert.equal(ex.dim(), 24);
    await assert.rejects(ex.extract(images), /no visual vocabulary yet/);
    assert.equal(ex.options.vocabulary, null);
    await ex.fit!(images);
    assert.match(String(ex.options.vocabulary), /^[0-9a-f]{16}$/);
    const feats = await ex.extract([...images, toImageArray(rotated)]);
    assert.equal(feats.length, 5);
    for (const f of feats) {
      assert.equal(f.length, 24);
      assert.ok(Math.abs(Math.hypot(...f) - 1) < 1e-5);
    }
    const self = cosine(feats[0]!, feats[4]!);
    for (const other of [1, 2, 3]) {
      assert.ok(self > cosine(feats[other]!, feats[4]!), `rotated copy: cos ${self.toFixed(3)} to itself vs ${cosine(feats[other]!, feats[4]!).toFixed(3)} to image ${other}`);
    }
    const again = create({ vocabularySize: 24, tfidf: true, inputSize: 128, maxKeypoints: 300, vocabulary: ex.toJSON().vocabulary! });
    assert.deepEqual(again.options, ex.options);
    assert.deepEqual(await again.extract(images.slice(0, 1)), feats.slice(0, 1));
    ex.dispose();
  });
}

test("extractor options are checked", () => {
  // Unknown keys (e.g. a CNN's pooling passed to every extractor) are ignored with a warning.
  const ex = createSiftBovw({ pooling: "avg", vocabularySize: 7 } as never);
  assert.equal(ex.dim(), 7);
  assert.equal("pooling" in ex.options, false);
  assert.throws(() => createSurfBovw({ vocabularySize: 1 }), /vocabularySize must be an integer >= 2/);
  assert.throws(() => createSurfBovw({ norm: "max" as never }), /norm must be "l1" or "l2"/);
});

test("reusing fit() descriptors in extract() gives the same features", async () => {
  const images = [21, 22, 23].map((s) => toImageArray(texturedImage(96, 96, s)));
  const opts = { vocabularySize: 10, inputSize: 96, maxKeypoints: 200, seed: 4 };
  const plain = createSurfBovw(opts);
  await plain.fit!(images);
  const reusing = createSurfBovw({ ...opts, reuseFitDescriptors: true });
  await reusing.fit!(images);
  assert.deepEqual(reusing.options, plain.options);
  assert.deepEqual(await reusing.extract(images), await plain.extract(images));
});
