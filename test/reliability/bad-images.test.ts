/**
 * Issue 13, one bad image must not stop a run, and images that cannot be studied are said:
 * - the feature cache (which decodes on its own path) skips undecodable files by name with `skipBad`;
 * - `heritage cluster` leaves them out, names and counts them, and clusters the rest;
 * - `heritage data info` names the 1x1 and flat images beside the undecodable ones;
 * - the study's data stage screens undecodable, 1x1 and flat (one-colour) images out before the
 *   split, naming each; split.json holds usable images only, so deleting a bad file afterwards is
 *   not refused;
 * - `heritage study` runs to the end on such a folder, and resumes after the bad files are deleted;
 * - `heritage train` with fewer than 2 usable images exits non-zero with the reason.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import sharp from "sharp";
import { clusterDataset } from "../../lib/cluster/run.js";
import { parseExperiment } from "../../lib/config/experiment.js";
import { listDataset } from "../../lib/data/dataset.js";
import type { ImageArray } from "../../lib/data/image.js";
import { isFlat, screenImages } from "../../lib/data/screen.js";
import { writeSynthDataset } from "../../lib/data/synth/index.js";
import { extractFeaturesDetailed } from "../../lib/features/cache.js";
import type { FeatureExtractor } from "../../lib/features/extractor.js";
import { registerExtractor } from "../../lib/features/registry.js";
import { dataStage } from "../../lib/pipeline/data-stage.js";
import { readJson } from "../../lib/util/fs.js";
import { setQuiet } from "../../lib/util/log.js";
import { captureStderr } from "../harvest/helpers.js";
import { runCli } from "../cli.js";

/** Per-channel means and spreads: fast, and enough to cluster the synthetic styles. */
function colourStats(): FeatureExtractor {
  return {
    id: "rel-colour-stats",
    options: { v: 1 },
    inputSize: 32,
    dim: () => 6,
    async extract(images: ImageArray[]) {
      return images.map((img) => {
        const n = img.width * img.height;
        const f = new Float32Array(6);
        for (let c = 0; c < 3; c++) {
          let s = 0;
          let s2 = 0;
          for (let p = 0; p < n; p++) {
            const v = img.data[p * 3 + c]!;
            s += v;
            s2 += v * v;
          }
          f[c] = s / n;
          f[3 + c] = Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
        }
        return f;
      });
    },
    dispose() {},
  };
}

let tmp = "";
let base = "";
const BAD = ["portrait/truncated.jpg", "portrait/not-an-image.png"];
const TINY = "colorfield/one-pixel.png";
const FLAT = "colorfield/flat-grey.png";

/** A synthetic dataset (12 paintings, 6 styles) plus two undecodable files, a 1x1 and a flat image, all in manifest.csv. */
async function datasetWithBadFiles(dir: string): Promise<void> {
  await writeSynthDataset({ out: dir, perStyle: 2, size: 32, seed: 3 });
  const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 30, b: 90 } } }).jpeg().toBuffer();
  writeFileSync(path.join(dir, BAD[0]!), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  writeFileSync(path.join(dir, BAD[1]!), "this is not a PNG at all");
  await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toFile(path.join(dir, TINY));
  await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(path.join(dir, FLAT));
  appendFileSync(path.join(dir, "manifest.csv"), `\n${[...BAD, TINY, FLAT].map((f) => `${f},${f.split("/")[0]},,,,,`).join("\n")}\n`);
}

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "rel-bad-"));
  process.env.HERITAGE_CACHE = path.join(tmp, "cache"); // this process and the CLI children
  setQuiet(false);
  registerExtractor("rel-colour-stats", { description: "test only", unavailable: () => null, create: async () => colourStats() });
  base = path.join(tmp, "data");
  await datasetWithBadFiles(base);
  assert.equal((await listDataset(base, { quiet: true })).items.length, 16);
});

test("isFlat: one colour (with a level of noise) is flat; a gradient is not", () => {
  const img = (f: (i: number) => number): ImageArray => ({ width: 4, height: 4, channels: 3, data: Float32Array.from({ length: 48 }, (_, i) => f(i)) });
  assert.equal(isFlat(img(() => 0.2)), true);
  assert.equal(isFlat(img((i) => 0.2 + (i % 2) * (1 / 255))), true);
  assert.equal(isFlat(img((i) => -1 + (2 * i) / 47)), false);
  assert.equal(isFlat(img((i) => (Math.floor(i / 3) === 7 ? 0.5 : 0.2))), false, "one different pixel is not flat");
});

test("the feature cache skips undecodable files by name with skipBad, and throws naming the file without it", async () => {
  const { items } = await listDataset(base, { quiet: true });
  const ex = colourStats();
  const root = path.join(tmp, "fcache");
  const { value: got, stderr } = await captureStderr(() => extractFeaturesDetailed(ex, items, { cacheRoot: root, skipBad: true }));
  assert.deepEqual(got.skipped.map((s) => path.relative(base, s.file).split(path.sep).join("/")).sort(), [...BAD].sort());
  assert.equal(got.items.length, 14);
  assert.equal(got.features.length, 14);
  assert.ok(!got.items.some((i) => BAD.includes(i.relPath)));
  for (const b of BAD) assert.ok(stderr.includes(path.join(base, b)), `stderr names ${b}:\n${stderr}`);
  // cached the second time, the same answer
  const again = await captureStderr(() => extractFeaturesDetailed(ex, items, { cacheRoot: root, skipBad: true }));
  assert.equal(again.value.cached, 14);
  assert.deepEqual(again.value.items.map((i) => i.id), got.items.map((i) => i.id));
  await assert.rejects(captureStderr(() => extractFeaturesDetailed(ex, items, { cacheRoot: root })), (err: Error) => err.message.includes(path.join(base, "portrait")));
});

test("clusterDataset leaves undecodable files out, names and counts them, and clusters the rest", async () => {
  const { value: s, stderr } = await captureStderr(() => clusterDataset({ data: base, outDir: path.join(tmp, "cl"), extractor: "rel-colour-stats", k: 3, nInit: 2 }));
  assert.equal(s.n, 14);
  assert.equal(s.skipped.length, 2);
  assert.equal(s.sizes.reduce((a, b) => a + b, 0), 14);
  assert.match(stderr, /cluster: 2 file\(s\) cannot be read or decoded and are left out: .*truncated\.jpg/);
  const model = await readJson<{ ids: string[] }>(path.join(tmp, "cl", "clusters.json"));
  assert.ok(!model.ids.some((id) => BAD.includes(id)));
});

test("heritage cluster (CLI) on a folder with bad files exits 0, names them and counts them", async () => {
  const out = path.join(tmp, "cl-cli");
  const r = await runCli(["cluster", "--data", base, "--k", "2", "--n-init", "1", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^14 images, /);
  assert.match(r.stdout, /left out \(cannot be read or decoded\): 2: .*truncated\.jpg/);
  for (const b of BAD) assert.ok(r.stderr.includes(path.join(base, b)), `stderr names ${b}`);
  const summary = await readJson<{ n: number; skipped: { file: string }[] }>(path.join(out, "summary.json"));
  assert.equal(summary.n, 14);
  assert.equal(summary.skipped.length, 2);
});

test("heritage data info names the files a study cannot use: undecodable, too small, flat", async () => {
  const r = await runCli(["data", "info", "--data", base, "--size", "32", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as { listed: number; loaded: number; skipped: { file: string }[]; notStudied: { file: string; why: string }[] };
  assert.equal(rep.listed, 16);
  assert.equal(rep.loaded, 14);
  assert.deepEqual(rep.skipped.map((s) => path.relative(base, s.file).split(path.sep).join("/")).sort(), [...BAD].sort());
  assert.deepEqual(rep.notStudied.map((s) => [path.relative(base, s.file).split(path.sep).join("/"), s.why]).sort(), [[FLAT, "flat"], [TINY, "too small"]]);
  const text = await runCli(["data", "info", "--data", base, "--size", "32"]);
  assert.match(text.stdout, /not studied \(too small\) .*one-pixel\.png: 1x1 px/);
  assert.match(text.stdout, /not studied \(flat\) .*flat-grey\.png/);
});

test("the study's data stage screens out undecodable, 1x1 and flat images by name; deleting a bad file later is not refused", async () => {
  const dir = path.join(tmp, "study-data");
  await datasetWithBadFiles(dir);
  const cfg = parseExperiment({ name: "rel", seed: 5, data: { source: "folder", dir, testFraction: 0.25 } });
  const runDir = path.join(tmp, "run");
  const { value: d, stderr } = await captureStderr(() => dataStage(cfg, runDir));
  assert.equal(d.items.length, 12, "the 12 paintings, none of the 4 problem files");
  const used = new Set([...d.train, ...d.test].map((i) => i.relPath));
  for (const f of [...BAD, TINY, FLAT]) assert.ok(!used.has(f), `${f} is not in the split`);
  assert.deepEqual(d.leftOut.undecodable.map((s) => s.relPath).sort(), [...BAD].sort());
  assert.deepEqual(d.leftOut.tooSmall.map((s) => s.relPath), [TINY]);
  assert.deepEqual(d.leftOut.flat.map((s) => s.relPath), [FLAT]);
  assert.match(stderr, /skipped portrait\/truncated\.jpg \(cannot be read or decoded\)/);
  assert.match(stderr, /skipped colorfield\/one-pixel\.png \(too small to study\): 1x1 px/);
  assert.match(stderr, /skipped colorfield\/flat-grey\.png \(flat \(one colour\), cannot be studied\)/);
  assert.match(stderr, /4 of 16 image\(s\) left out: 2 undecodable, 1 too small, 1 flat; 12 used/);
  const split = JSON.parse(readFileSync(path.join(runDir, "split.json"), "utf8")) as { train: string[]; test: string[] };
  assert.equal(split.train.length + split.test.length, 12);

  // The user deletes the bad files (and their manifest rows stay): the rerun keeps the same split.
  for (const f of BAD) rmSync(path.join(dir, f));
  const { value: again } = await captureStderr(() => dataStage(cfg, runDir));
  assert.deepEqual(again.train.map((i) => i.id), d.train.map((i) => i.id));
  assert.deepEqual(again.test.map((i) => i.id), d.test.map((i) => i.id));

  // screenImages on its own: the same three groups
  const { items } = await listDataset(base, { quiet: true });
  const s = await screenImages(items);
  assert.equal(s.usable.length, 12);
  assert.equal(s.undecodable.length + s.tooSmall.length + s.flat.length, 4);
});

test("heritage study (CLI, ci-sized) on a folder with bad files runs to the end; after deleting them the rerun resumes", async () => {
  const dir = path.join(tmp, "study-cli-data");
  await datasetWithBadFiles(dir);
  const cfgFile = path.join(tmp, "study-cfg.json");
  writeFileSync(
    cfgFile,
    JSON.stringify({
      name: "rel-study",
      seed: 3,
      data: { source: "folder", dir, testFraction: 0.25 },
      features: { batch: 8 },
      cluster: { k: 2, nInit: 1 },
      gan: { arch: { imageSize: 32, nz: 8, ngf: 8, ndf: 8 }, epochs: 1, batchSize: 8, workers: 1 },
      completion: { iterations: 2, candidates: 1, batchImages: 4 },
      study: { masks: [{ type: "center", fraction: 0.25 }], methods: ["general", "clustered", "telea"], figureImages: 1, kidSamples: 0 },
    }),
  );
  const out = path.join(tmp, "study-cli-run");
  const r = await runCli(["study", "--config", cfgFile, "--data", dir, "--out", out, "--no-report"]);
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  assert.match(r.stderr, /4 of 16 image\(s\) left out: 2 undecodable, 1 too small, 1 flat; 12 used/);
  const summary = await readJson<{ data: { images: number; leftOut: { undecodable: string[]; tooSmall: string[]; flat: string[] } } }>(path.join(out, "summary.json"));
  assert.equal(summary.data.images, 12);
  assert.deepEqual(summary.data.leftOut.undecodable.sort(), [...BAD].sort());
  assert.deepEqual(summary.data.leftOut.tooSmall, [TINY]);
  assert.deepEqual(summary.data.leftOut.flat, [FLAT]);
  for (const f of BAD) rmSync(path.join(dir, f));
  const again = await runCli(["study", "--config", cfgFile, "--data", dir, "--out", out, "--no-report"]);
  assert.equal(again.code, 0, again.stderr.slice(-3000));
  assert.doesNotMatch(again.stderr, /was made for other data/);
  assert.match(again.stderr, /already trained/);
});

test("heritage train with fewer than 2 usable images exits non-zero and says why", async () => {
  const dir = path.join(tmp, "one");
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toFile(path.join(tmp, "only.png"));
  const { mkdirSync, copyFileSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(tmp, "only.png"), path.join(dir, "only.png"));
  writeFileSync(path.join(dir, "broken.png"), "not an image");
  const cfgFile = path.join(tmp, "train-cfg.json");
  writeFileSync(cfgFile, JSON.stringify({ name: "rel-train", gan: { arch: { imageSize: 32, nz: 8, ngf: 8, ndf: 8 }, epochs: 1, batchSize: 4, workers: 1 } }));
  const r = await runCli(["train", "--config", cfgFile, "--data", dir, "--out", path.join(tmp, "gans")]);
  assert.notEqual(r.code, 0, `exit code ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, /nothing was trained: a GAN needs at least 2 images that decode, and general \(2 listed\) had fewer/);
  assert.match(r.stderr, /broken\.png/);
});
