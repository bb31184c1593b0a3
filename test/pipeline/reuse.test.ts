/**
 * One reuse check (lib/util/reuse.ts, via lib/pipeline/record.ts) for every stage: the split, the
 * clusterings and the GANs each record what they were made from, and a rerun with another setting
 * or other images is refused with the field named. Real files in a temp dir, a fast extractor.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import { parseExperiment } from "../../lib/config/experiment.js";
import type { ImageArray } from "../../lib/data/image.js";
import { writeSynthDataset } from "../../lib/data/synth/index.js";
import { registerMeanColour } from "../features/mean-colour.js";
import { clusterStage } from "../../lib/pipeline/cluster-stage.js";
import { dataStage } from "../../lib/pipeline/data-stage.js";
import { clusterJobName, runLayout, runLayoutAt, resolveRunLayout } from "../../lib/pipeline/layout.js";
import { recordDifferences, reuseOrRefuse, StageMismatchError } from "../../lib/pipeline/record.js";
import { setQuiet } from "../../lib/util/log.js";
import { captureStderr } from "../harvest/helpers.js";

let tmp = "";
let data = "";
before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "reuse-"));
  process.env.HERITAGE_CACHE = path.join(tmp, "cache");
  setQuiet(true);
  registerMeanColour("reuse-mean-colour");
  data = path.join(tmp, "synth");
  await writeSynthDataset({ out: data, perStyle: 3, size: 16, seed: 2 }); // 18 images
});

const cfgWith = (over: Record<string, unknown> = {}) =>
  parseExperiment({ name: "reuse", seed: 7, data: { source: "folder", dir: data, testFraction: 0.25 }, features: { extractor: "reuse-mean-colour" }, cluster: { k: 2, nInit: 2 }, ...over });

test("recordDifferences names nested fields and lists; legacy fields absent from old records are not compared", () => {
  assert.deepEqual(recordDifferences({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } }), [{ field: "b.c", recorded: 2, wanted: 3 }]);
  assert.deepEqual(recordDifferences({ a: 1 }, { a: 1, seed: 4 }), [{ field: "seed", recorded: undefined, wanted: 4 }]);
  assert.deepEqual(recordDifferences({ a: 1 }, { a: 1, seed: 4 }, { legacy: ["seed"] }), []);
  assert.deepEqual(recordDifferences({ a: 1, seed: 3 }, { a: 1, seed: 4 }, { legacy: ["seed"] }).map((d) => d.field), ["seed"]);
  assert.throws(
    () => reuseOrRefuse("clustering", "/r/c.json", { ids: ["a", "b", "c"], nInit: 10 }, { ids: ["a", "b", "d"], nInit: 3 }),
    (e: Error) =>
      e instanceof StageMismatchError &&
      /^\/r\/c\.json: the clustering on disk was made from other settings or inputs: ids: 3 recorded, 3 now; 1 no longer wanted \(c\), 1 new \(d\); nInit: 10 recorded, 3 now\. Use another run/.test(e.message) &&
      /delete \/r\/c\.json/.test(e.message),
  );
  reuseOrRefuse("x", "f", { a: [1, 2] }, { a: [1, 2] });
});

test("RunLayout: one place for a run's paths and job names", () => {
  const l = runLayoutAt("/r/run");
  assert.equal(l.clusters(4), path.join("/r/run", "clusters", "k4", "clusters.json"));
  assert.equal(l.ganDir("general"), path.join("/r/run", "gans", "general"));
  assert.equal(l.ganDir(clusterJobName(4, 2)), path.join("/r/run", "gans", "k4", "cluster-2"));
  assert.equal(l.ganDir(clusterJobName(4, 2, "scratch")), path.join("/r/run", "gans", "k4", "scratch", "cluster-2"));
  assert.equal(clusterJobName(3, 1, "general"), "k3/transfer/cluster-1");
  assert.equal(l.split, path.join("/r/run", "split.json"));
  assert.equal(l.study, path.join("/r/run", "study"));
  assert.equal(runLayout("ci", "/res").dir, path.join("/res", "ci"));
  assert.equal(resolveRunLayout({ dir: "x", name: "ci", base: "/b" }).dir, path.join("/b", "x"));
  assert.equal(resolveRunLayout({ run: "mine", name: "ci", resultsRoot: "/res" }).dir, path.join("/res", "mine"));
  assert.throws(() => l.ganDir("../x"), /not a GAN job name/);
  assert.throws(() => runLayout("a/b"), /plain folder name/);
});

test("the split records seed, testFraction, validationFraction and limit; a rerun with another one is refused, naming it", async () => {
  const run = runLayoutAt(path.join(tmp, "split-run"));
  const first = await captureStderr(() => dataStage(cfgWith(), run));
  const saved = JSON.parse(readFileSync(run.split, "utf8")) as { made: unknown };
  assert.deepEqual(saved.made, { seed: 7, testFraction: 0.25, limit: 0, validationFraction: 0 });
  const again = await captureStderr(() => dataStage(cfgWith(), run));
  assert.deepEqual(again.value.test.map((i) => i.id), first.value.test.map((i) => i.id));
  await assert.rejects(captureStderr(() => dataStage(cfgWith({ seed: 8 }), run)), /split\.json: the split on disk was made from other settings or inputs: seed: 7 recorded, 8 now/);
  await assert.rejects(
    captureStderr(() => dataStage(cfgWith({ data: { source: "folder", dir: data, testFraction: 0.3 } }), run)),
    /testFraction: 0\.25 recorded, 0\.3 now/,
  );
  // a split written before the settings were recorded is still reused (folder and images checked)
  const legacy = JSON.parse(readFileSync(run.split, "utf8")) as Record<string, unknown>;
  delete legacy.made;
  writeFileSync(run.split, JSON.stringify(legacy));
  const old = await captureStderr(() => dataStage(cfgWith(), run));
  assert.deepEqual(old.value.train.map((i) => i.id), first.value.train.map((i) => i.id));
});

test("the clustering is reused only with the same ids and settings: minSize, balanced, nInit and seed are checked", async () => {
  const run = runLayoutAt(path.join(tmp, "cluster-run"));
  const { value: d } = await captureStderr(() => dataStage(cfgWith(), run));
  const stage = (cfg: ReturnType<typeof cfgWith>, train = d.train) => captureStderr(() => clusterStage(cfg, run, d.dir, train, [2]));
  const first = await stage(cfgWith());
  const again = await stage(cfgWith());
  assert.deepEqual(again.value.get(2)!.labels, first.value.get(2)!.labels, "reused");
  await assert.rejects(stage(cfgWith({ cluster: { k: 2, nInit: 3 } })), /clusters\.json: the clustering \(K = 2\) on disk was made from other settings or inputs: nInit: 2 recorded, 3 now/);
  await assert.rejects(stage(cfgWith({ cluster: { k: 2, nInit: 2, minSize: 2 } })), /minSize: 0 recorded, 2 now/);
  await assert.rejects(stage(cfgWith({ cluster: { k: 2, nInit: 2, balanced: true } })), /balanced: false recorded, true now/);
  await assert.rejects(stage(cfgWith({ seed: 9 })), /seed: 7 recorded, 9 now/);
  await assert.rejects(stage(cfgWith(), d.train.slice(1)), new RegExp(`ids: ${d.train.length} recorded, ${d.train.length - 1} now; 1 no longer wanted`));
});

test("a trained GAN records its images' ids: the same count of other images is refused, naming the ids", async () => {
  const { trainGan } = await import("../../lib/gan/train.js");
  const { initBackend } = await import("../../lib/runtime/backend.js");
  await initBackend();
  const img = (v: number): ImageArray => ({ width: 32, height: 32, channels: 3, data: new Float32Array(32 * 32 * 3).fill(v) });
  const images = [img(-0.5), img(0), img(0.5), img(0.2)];
  const opts = {
    arch: { imageSize: 32 as const, nz: 8, ngf: 4, ndf: 4, channels: 3 as const, upsample: "resize" as const },
    epochs: 1, batchSize: 4, lr: 2e-4, beta1: 0.5, latentPrior: "uniform" as const, flip: false, checkpointEvery: 1, seed: 1, imageIds: ["a.png", "b.png", "c.png", "d.png"],
  };
  const dir = path.join(tmp, "gan");
  await captureStderr(() => trainGan(images, dir, opts));
  const card = JSON.parse(readFileSync(path.join(dir, "card.json"), "utf8")) as { settings: { imageIds: string[] } };
  assert.deepEqual(card.settings.imageIds, opts.imageIds);
  await captureStderr(() => trainGan(images, dir, opts)); // same images: reused
  await assert.rejects(
    captureStderr(() => trainGan(images, dir, { ...opts, imageIds: ["a.png", "b.png", "c.png", "e.png"] })),
    /card\.json was trained with other settings: imageIds: 4 recorded, 4 now; 1 no longer wanted \(d\.png\), 1 new \(e\.png\)/,
  );
});
