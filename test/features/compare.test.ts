/**
 * Extractor comparison on a tiny synthetic labelled set: a feature that separates the classes
 * scores ARI = NMI = 1 on every k-means seed; unknown and unavailable extractors are reported,
 * not fatal; a fitted state (vocabulary) is cached and restored on the rerun; when every extractor
 * fails, allFailedMessage lists the reasons.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import sharp from "sharp";
import type { DatasetItem } from "../../lib/data/dataset.js";
import type { ImageArray } from "../../lib/data/image.js";
import { allFailedMessage, compareExtractors, compareTable, l2Normalize, scoreClustering } from "../../lib/features/compare.js";
import { registerExtractor } from "../../lib/features/registry.js";
import { createRng } from "../../lib/util/random.js";

let dir: string;
let items: DatasetItem[];
/** Fits done by "test-saved-fit" (a fit restored from the cache does not count). */
let savedFits = 0;
/** Fits of "test-supervised", and how many images it extracted that it had been fitted on. */
const supervisedFits: { n: number; labels: (string | null)[] }[] = [];
let supervisedOverlap = 0;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "heritage-compare-"));
  const rng = createRng(5);
  items = [];
  const classes: [string, [number, number, number]][] = [
    ["reds", [200, 30, 30]],
    ["blues", [30, 30, 200]],
    ["greens", [30, 200, 30]],
  ];
  for (const [label, rgb] of classes) {
    mkdirSync(path.join(dir, label));
    for (let i = 0; i < 5; i++) {
      const jitter = rgb.map((c) => Math.max(0, Math.min(255, Math.round(c + rng.uniform(-20, 20))))) as [number, number, number];
      const file = path.join(dir, label, `${i}.png`);
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: jitter[0], g: jitter[1], b: jitter[2] } } })
        .png()
        .toFile(file);
      items.push({ id: `${label}/${i}.png`, file, relPath: `${label}/${i}.png`, label, meta: {} });
    }
  }
  let fitted = 0;
  registerExtractor("test-mean-colour", {
    description: "mean colour (test)",
    unavailable: () => null,
    create: async () => ({
      id: "test-mean-colour",
      options: {},
      inputSize: 8,
      dim: () => 3,
      async extract(images: ImageArray[]) {
        return images.map((img) => {
          const m = new Float32Array(3);
          for (let i = 0; i < img.data.length; i++) m[i % 3]! += img.data[i]! / 64;
          return m;
        });
      },
      dispose() {},
    }),
  });
  registerExtractor("test-fitted", {
    description: "needs fit (test)",
    unavailable: () => null,
    create: async () => ({
      id: "test-fitted",
      get options() {
        return { fitted };
      },
      inputSize: 8,
      dim: () => 1,
      async fit(images: ImageArray[]) {
        fitted = images.length;
      },
      async extract(images: ImageArray[]) {
        if (fitted === 0) throw new Error("not fitted");
        return images.map((img) => Float32Array.of(img.data[0]!));
      },
      dispose() {},
    }),
  });
  // A fitted extractor that can save its fit (as the BoVW and style extractors do): the fit is the
  // mean of the first channel, restored through the `vocabulary` create option.
  registerExtractor("test-saved-fit", {
    description: "fit saved (test)",
    unavailable: () => null,
    create: async (opts) => {
      let centre: number | null = (opts.vocabulary as { centre?: number } | undefined)?.centre ?? null;
      return {
        id: "test-saved-fit",
        get options() {
          return { centre };
        },
        inputSize: 8,
        dim: () => 1,
        ...(centre === null
          ? {
              async fit(images: ImageArray[]) {
                savedFits++;
                centre = images.reduce((s, img) => s + img.data[0]!, 0) / images.length;
              },
            }
          : {}),
        async saveVocabulary(file: string) {
          writeFileSync(file, JSON.stringify({ centre }));
        },
        async extract(images: ImageArray[]) {
          return images.map((img) => Float32Array.of(img.data[0]! - centre!));
        },
        dispose() {},
      };
    },
  });
  // A supervised extractor (its fit learns from the labels): records what it was fitted on and
  // counts extractions of images it was fitted on.
  registerExtractor("test-supervised", {
    description: "supervised (test)",
    unavailable: () => null,
    create: async () => {
      let seen = new Set<string>();
      let fitId = 0;
      const key = (img: ImageArray) => Array.from(img.data.subarray(0, 3)).join(",");
      return {
        id: "test-supervised",
        supervised: true,
        get options() {
          return { fitId };
        },
        inputSize: 8,
        dim: () => 3,
        async fit(images: ImageArray[], labels?: readonly (string | null)[]) {
          supervisedFits.push({ n: images.length, labels: [...(labels ?? [])] });
          seen = new Set(images.map(key));
          fitId = supervisedFits.length;
        },
        async extract(images: ImageArray[]) {
          for (const img of images) if (seen.has(key(img))) supervisedOverlap++;
          return images.map((img) => Float32Array.from(img.data.subarray(0, 3)));
        },
        dispose() {},
      };
    },
  });
  registerExtractor("test-offline", { description: "never available (test)", unavailable: () => "needs a file", create: async () => assert.fail("must not be created") });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("a separating feature gets ARI = NMI = 1 and a high silhouette; problems become rows", async () => {
  const result = await compareExtractors(items, {
    k: 3,
    extractors: ["test-mean-colour", "test-fitted", "test-offline", "no-such"],
    cacheRoot: path.join(dir, ".cache"),
    nInit: 3,
  });
  assert.equal(result.n, 15);
  assert.deepEqual(result.labels, ["blues", "greens", "reds"]);
  const [mean, fitted, offline, unknown] = result.rows;
  assert.equal(mean!.ok, true);
  assert.equal(mean!.dim, 3);
  assert.ok(Math.abs(mean!.ari! - 1) < 1e-12);
  assert.ok(Math.abs(mean!.nmi! - 1) < 1e-12);
  assert.ok(mean!.silhouette! > 0.8);
  assert.equal(mean!.computed, 15);
  assert.equal(fitted!.ok, true, fitted!.error);
  assert.equal(offline!.ok, false);
  assert.equal(offline!.error, "needs a file");
  assert.equal(unknown!.ok, false);
  assert.match(unknown!.error!, /unknown extractor/);
  // Five k-means seeds by default, all of them perfect.
  assert.deepEqual(mean!.ariInterval, { mean: 1, sd: 0, min: 1, max: 1, n: 5 });
  assert.equal(mean!.nmiInterval!.n, 5);
  assert.equal(mean!.fit, "none");
  const table = compareTable(result);
  assert.match(table, /\| test-mean-colour \| 3 \| [\d.]+ \| 1\.000 ± 0\.000 \[1\.000, 1\.000\] \| 1\.000 ± 0\.000 \[1\.000, 1\.000\] \|/);
  assert.equal(allFailedMessage(result), null);

  // A rerun answers from the cache.
  const again = await compareExtractors(items, { k: 3, extractors: ["test-mean-colour"], cacheRoot: path.join(dir, ".cache"), nInit: 3 });
  assert.equal(again.rows[0]!.cached, 15);
  assert.equal(again.rows[0]!.computed, 0);
  assert.equal(again.rows[0]!.ari, mean!.ari);
});

test("a fitted state is cached on content + settings and restored on the rerun", async () => {
  const cacheRoot = path.join(dir, ".cache-fit");
  const first = await compareExtractors(items, { k: 3, extractors: ["test-saved-fit"], cacheRoot, nInit: 2, seeds: 3 });
  assert.equal(first.rows[0]!.ok, true, first.rows[0]!.error);
  assert.equal(first.rows[0]!.fit, "fitted");
  assert.equal(savedFits, 1);
  assert.equal(first.rows[0]!.ariInterval!.n, 3);
  assert.equal(readdirSync(path.join(cacheRoot, "_vocabularies", "test-saved-fit")).length, 1);
  const again = await compareExtractors(items, { k: 3, extractors: ["test-saved-fit"], cacheRoot, nInit: 2, seeds: 3 });
  assert.equal(again.rows[0]!.fit, "cached");
  assert.equal(savedFits, 1, "not fitted again");
  assert.equal(again.rows[0]!.computed, 0, "same options after the restore, so the features come from the cache");
  assert.deepEqual(again.rows[0]!.ariInterval, first.rows[0]!.ariInterval);
  // Another fitting set (fitLimit) is another key: fitted again.
  const fewer = await compareExtractors(items, { k: 3, extractors: ["test-saved-fit"], cacheRoot, nInit: 2, seeds: 3, fitLimit: 6 });
  assert.equal(fewer.rows[0]!.fit, "fitted");
  assert.equal(savedFits, 2);
});

test("a supervised extractor is fitted on one half (with its labels) and scored on the other, both ways", async () => {
  const got = await compareExtractors(items, { k: 3, extractors: ["test-supervised"], cacheRoot: path.join(dir, ".cache-sup"), nInit: 2, seeds: 3 });
  const row = got.rows[0]!;
  assert.equal(row.ok, true, row.error);
  assert.equal(row.heldOut, true);
  assert.equal(supervisedFits.length, 2, "one fit per half");
  assert.equal(supervisedFits[0]!.n + supervisedFits[1]!.n, items.length);
  for (const f of supervisedFits) {
    assert.ok(f.n >= 6 && f.n <= 9, `a half of 15: ${f.n}`);
    assert.equal(f.labels.length, f.n);
    assert.deepEqual([...new Set(f.labels)].sort(), ["blues", "greens", "reds"], "stratified: every label in each half");
  }
  assert.equal(supervisedOverlap, 0, "never scored on an image it was fitted on");
  assert.equal(row.ariInterval!.n, 6, "3 seeds on each of the 2 held-out halves");
  assert.equal(row.ari, 1);
  assert.match(compareTable(got), /test-supervised \(held out\)/);
});

test("allFailedMessage lists each extractor's reason", async () => {
  const result = await compareExtractors(items, { k: 3, extractors: ["test-offline", "no-such"], cacheRoot: path.join(dir, ".cache"), nInit: 1 });
  assert.equal(allFailedMessage(result), "every extractor failed:\n  test-offline: needs a file\n  no-such: " + result.rows[1]!.error);
});

test("unlabelled items are refused with the file named", async () => {
  await assert.rejects(compareExtractors([{ ...items[0]!, label: null }], { k: 2 }), /needs labels; 1 images have none \(e\.g\. .*0\.png\)/);
});

test("scoreClustering and l2Normalize", () => {
  const X = [Float32Array.of(3, 4), Float32Array.of(0, 0), Float32Array.of(6, 8), Float32Array.of(-3, -4)];
  const n = l2Normalize(X);
  assert.deepEqual(Array.from(n[0]!).map((v) => +v.toFixed(6)), [0.6, 0.8]);
  assert.deepEqual(Array.from(n[1]!), [0, 0]);
  const s = scoreClustering([Float32Array.of(0), Float32Array.of(0.1), Float32Array.of(10), Float32Array.of(10.1)], ["a", "a", "b", "b"], { k: 2 });
  assert.equal(s.ari, 1);
  assert.equal(s.nmi, 1);
  assert.ok(s.silhouette > 0.9);
});
