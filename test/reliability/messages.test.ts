/**
 * Issue 13, silent wrong numbers and unhelpful messages:
 * - a minimum cluster size that merges every cluster into one is refused (naming the setting and the
 *   largest value that works), instead of a run that reports "K = 2" with one cluster; one that
 *   merges some clusters says the effective K;
 * - a K above the image count names the setting (cluster.k / --k);
 * - `imageSize: Invalid input` lists 32, 64 and 128;
 * - `heritage metrics --json` tells "identical" (PSNR "Infinity") from "no hole" (null).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import sharp from "sharp";
import { checkClusterCounts, clusterDataset } from "../../lib/cluster/run.js";
import { parseExperiment } from "../../lib/config/experiment.js";
import { writeSynthDataset } from "../../lib/data/synth/index.js";
import { registerMeanColour } from "../features/mean-colour.js";
import { setQuiet } from "../../lib/util/log.js";
import { captureStderr } from "../harvest/helpers.js";
import { runCli } from "../cli.js";

let tmp = "";
let data = "";
before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "rel-msg-"));
  process.env.HERITAGE_CACHE = path.join(tmp, "cache");
  setQuiet(false);
  registerMeanColour("rel-mean-colour");
  data = path.join(tmp, "synth");
  await writeSynthDataset({ out: data, perStyle: 2, size: 16, seed: 2 }); // 12 images
});

test("cluster.minSize that leaves room for one cluster only is refused before any feature is computed", async () => {
  const out = path.join(tmp, "min");
  await assert.rejects(
    captureStderr(() => clusterDataset({ data, outDir: out, extractor: "rel-mean-colour", k: 2, minSize: 12, names: { k: "cluster.k", minSize: "cluster.minSize" } })),
    /cluster\.minSize = 12 leaves room for one cluster of 12 images only: k-means would merge all K = 2 clusters into one .*Use cluster\.minSize <= 6/,
  );
  // the CLI names its flag and exits non-zero
  const r = await runCli(["cluster", "--data", data, "--k", "2", "--min-size", "7", "--out", path.join(tmp, "min-cli")]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--min-size = 7 leaves room for one cluster of 12 images only.*Use --min-size <= 6/);
  // 2 * minSize <= n: allowed (k-means may still keep both)
  assert.doesNotThrow(() => checkClusterCounts(12, { k: 2, minSize: 6 }));
});

test("a minimum size that dissolves some clusters says the effective K; one that dissolves all but one is refused after the fit", async () => {
  // 12 images of 6 styles, K = 6: clusters of about 2, so a minimum of 3 must dissolve some
  const { value: s, stderr } = await captureStderr(() => clusterDataset({ data, outDir: path.join(tmp, "eff"), extractor: "rel-mean-colour", k: 6, minSize: 3, nInit: 2 }));
  assert.ok(s.k < 6 && s.k > 1, `k ${s.k}`);
  assert.match(stderr, new RegExp(`--min-size = 3 dissolved ${6 - s.k} of K = 6 clusters \\(sizes now ${s.sizes.join(" ")}\\): the effective K is ${s.k}, not 6`));
  assert.ok(s.sizes.every((x) => x >= 3));

  // 11 near-identical paintings and 1 outlier: K = 2 gives sizes 11 and 1; a minimum of 6 passes
  // the up-front check (2 x 6 <= 12) but merges everything into one cluster: refused, not reported as K = 2
  const lop = path.join(tmp, "lopsided");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(lop, { recursive: true });
  for (let i = 0; i < 12; i++) {
    const c = i === 11 ? { r: 250, g: 10, b: 10 } : { r: 20 + i, g: 90, b: 160 };
    await sharp({ create: { width: 16, height: 16, channels: 3, background: c } }).png().toFile(path.join(lop, `p${String(i).padStart(2, "0")}.png`));
  }
  await assert.rejects(
    captureStderr(() => clusterDataset({ data: lop, outDir: path.join(tmp, "eff2"), extractor: "rel-mean-colour", k: 2, minSize: 6, nInit: 2, names: { minSize: "cluster.minSize" } })),
    /cluster\.minSize = 6 dissolved 1 of K = 2 clusters \(sizes now 12\): one cluster is left, the general GAN again\. Use cluster\.minSize <= 6/,
  );
});

test("K above the image count names the setting", async () => {
  assert.throws(() => checkClusterCounts(12, { k: 50, names: { k: "cluster.k" } }), /^Error: cluster\.k = 50 is larger than the 12 images to cluster; use cluster\.k <= 12$/);
  assert.throws(() => checkClusterCounts(12, { sweep: [2, 20, 30], names: { sweep: "cluster.sweep" } }), /cluster\.sweep has K = 20, 30, larger than the 12 images/);
  await assert.rejects(
    captureStderr(() => clusterDataset({ data, outDir: path.join(tmp, "k50"), extractor: "rel-mean-colour", k: 50, names: { k: "cluster.k" } })),
    /cluster\.k = 50 is larger than the 12 images/,
  );
  const r = await runCli(["cluster", "--data", data, "--k", "50", "--out", path.join(tmp, "k50-cli")]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--k = 50 is larger than the 12 images to cluster; use --k <= 12/);
});

test("the study's cluster stage names the config fields: cluster.k, cluster.sweep, cluster.minSize", async () => {
  const { clusterStage } = await import("../../lib/pipeline/run.js");
  const { listDataset } = await import("../../lib/data/dataset.js");
  const { items } = await listDataset(data, { quiet: true });
  const run = (cluster: Record<string, unknown>, ks: number[]) =>
    clusterStage(parseExperiment({ name: "x", features: { extractor: "rel-mean-colour" }, cluster }), path.join(tmp, "stage"), data, items, ks);
  await assert.rejects(run({ k: 50 }, [50]), /^Error: cluster\.k = 50 is larger than the 12 images to cluster; use cluster\.k <= 12$/);
  // a sweep is refused before its first K is clustered
  await assert.rejects(run({ k: 2, sweep: [2, 30] }, [2, 30]), /cluster\.sweep has K = 30, larger than the 12 images/);
  assert.ok(!existsSync(path.join(tmp, "stage", "clusters", "k2")), "nothing clustered");
  await assert.rejects(run({ k: 3, minSize: 7 }, [3]), /cluster\.minSize = 7 leaves room for one cluster of 12 images only: .* Use cluster\.minSize <= 4/);
});

test("gan.arch.imageSize: the error lists 32, 64 and 128", () => {
  assert.throws(() => parseExperiment({ name: "x", gan: { arch: { imageSize: 48 } } }, "x.json"), /gan\.arch\.imageSize: must be 32, 64 or 128 \(got 48\)/);
  assert.throws(() => parseExperiment({ name: "x", gan: { arch: { imageSize: "64" } } }, "x.json"), /gan\.arch\.imageSize: must be 32, 64 or 128 \(got "64"\)/);
  assert.equal(parseExperiment({ name: "x", gan: { arch: { imageSize: 128 } } }).gan.arch.imageSize, 128);
});

test("heritage metrics --json: identical pixels give PSNR \"Infinity\", no hole gives null", async () => {
  const a = path.join(tmp, "a.png");
  const b = path.join(tmp, "b.png");
  const m = path.join(tmp, "m.png");
  const px = Buffer.from(Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 7) % 256));
  await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(a);
  const px2 = Buffer.from(px);
  px2[0] = (px2[0]! + 50) % 256; // one pixel differs, outside the hole
  await sharp(px2, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(b);
  const mk = Buffer.alloc(16 * 16);
  for (let y = 6; y < 10; y++) for (let x = 6; x < 10; x++) mk[y * 16 + x] = 255;
  await sharp(mk, { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(m);

  const same = await runCli(["metrics", a, a, "--json"]);
  assert.equal(same.code, 0, same.stderr);
  const js = JSON.parse(same.stdout);
  assert.equal(js.psnr, "Infinity");
  assert.equal(Number(js.psnr), Infinity);
  assert.equal(js.psnrHole, null, "no mask: no hole");
  assert.equal(js.ssimHole, null);

  const hole = JSON.parse((await runCli(["metrics", a, b, "--mask", m, "--json"])).stdout);
  assert.equal(typeof hole.psnr, "number", "one pixel differs: finite");
  assert.equal(hole.psnrHole, "Infinity", "the hole is identical");
  assert.equal(hole.l1Hole, 0);
});
