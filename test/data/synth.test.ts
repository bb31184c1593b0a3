import assert from "node:assert/strict";
import { promises as fsp, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { listDataset } from "../../lib/data/dataset.js";
import type { ImageArray } from "../../lib/data/image.js";
import { parseCsvRecords } from "../../lib/data/csv.js";
import { renderDatasetPainting, renderPainting, SYNTH_GENERATOR, SYNTH_STYLES, writeSynthDataset } from "../../lib/data/synth/index.js";
import { createRng } from "../../lib/util/random.js";
import { channelMeans, tempDir } from "./helpers.js";

process.env.HERITAGE_QUIET = "1";

/** [mean r, g, b, luminance sd, mean saturation (max - min)] of a [0, 1] image. */
function stats(img: ImageArray): number[] {
  const [r, g, b] = channelMeans(img);
  let s = 0;
  let s2 = 0;
  let sat = 0;
  const n = img.width * img.height;
  for (let p = 0; p < n; p++) {
    const R = img.data[p * 3]!;
    const G = img.data[p * 3 + 1]!;
    const B = img.data[p * 3 + 2]!;
    const l = 0.299 * R + 0.587 * G + 0.114 * B;
    s += l;
    s2 += l * l;
    sat += Math.max(R, G, B) - Math.min(R, G, B);
  }
  return [r!, g!, b!, Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)), sat / n];
}

test("at least 6 styles; renderPainting is deterministic in the rng, in [0, 1], at 32/64/128 px", () => {
  assert.ok(SYNTH_STYLES.length >= 6);
  for (const style of SYNTH_STYLES) {
    for (const size of [32, 64, 128]) {
      const a = renderPainting(style, size, createRng(5));
      assert.deepEqual([a.width, a.height, a.channels], [size, size, 3]);
      assert.ok(a.data.every((v) => v >= 0 && v <= 1), `${style} ${size} in [0, 1]`);
      if (size === 32) assert.deepEqual(a.data, renderPainting(style, size, createRng(5)).data);
    }
  }
  assert.throws(() => renderPainting("cubism", 32, createRng(1)), /unknown synthetic style "cubism"/);
});

test("one seed gives the same picture at every size (32 px ≈ 64 px downscaled)", () => {
  for (const style of SYNTH_STYLES) {
    const small = renderDatasetPainting(style, 3, 32, 11);
    const big = renderDatasetPainting(style, 3, 64, 11);
    let err = 0;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          let m = 0;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m += big.data[((2 * y + dy) * 64 + 2 * x + dx) * 3 + c]!;
          err += Math.abs(m / 4 - small.data[(y * 32 + x) * 3 + c]!);
        }
      }
    }
    const mae = err / (32 * 32 * 3);
    assert.ok(mae < 0.06, `${style}: mean abs difference ${mae.toFixed(3)} between sizes`);
  }
});

test("styles differ from each other and vary within themselves", () => {
  const per = 12;
  const feats: Record<string, number[][]> = {};
  for (const style of SYNTH_STYLES) feats[style] = Array.from({ length: per }, (_, i) => stats(renderDatasetPainting(style, i, 32, 2)));
  const mean = (xs: number[][]): number[] => xs[0]!.map((_, k) => xs.reduce((s, x) => s + x[k]!, 0) / xs.length);
  const centroids = Object.fromEntries(SYNTH_STYLES.map((s) => [s, mean(feats[s]!)]));
  // every pair of style centroids is apart in (colour, contrast, saturation) space
  for (const a of SYNTH_STYLES) {
    for (const b of SYNTH_STYLES) {
      if (a >= b) continue;
      const d = Math.hypot(...centroids[a]!.map((v, k) => v - centroids[b]![k]!));
      assert.ok(d > 0.03, `${a} vs ${b}: centroid distance ${d.toFixed(3)}`);
    }
  }
  // and no style is a single look: per-image mean colours spread
  for (const s of SYNTH_STYLES) {
    const c = centroids[s]!;
    const spread = Math.sqrt(feats[s]!.reduce((acc, f) => acc + (f[0]! - c[0]!) ** 2 + (f[1]! - c[1]!) ** 2 + (f[2]! - c[2]!) ** 2, 0) / per);
    assert.ok(spread > 0.03, `${s}: within-style colour spread ${spread.toFixed(3)}`);
  }
  // nearest-centroid on these simple statistics is better than chance but far from perfect
  let right = 0;
  for (const s of SYNTH_STYLES) {
    for (const f of feats[s]!) {
      let best = "";
      let bd = Infinity;
      for (const t of SYNTH_STYLES) {
        const d = Math.hypot(...f.map((v, k) => v - centroids[t]![k]!));
        if (d < bd) [bd, best] = [d, t];
      }
      if (best === s) right++;
    }
  }
  const acc = right / (per * SYNTH_STYLES.length);
  assert.ok(acc > 2 / SYNTH_STYLES.length && acc < 0.97, `nearest-centroid accuracy ${acc.toFixed(2)}`);
});

test("writeSynthDataset writes the dataset format, byte-identical for the same seed, and resumes", async () => {
  const a = tempDir();
  const b = tempDir();
  const ra = await writeSynthDataset({ out: a, perStyle: 2, size: 32, seed: 4, threads: 2 });
  assert.deepEqual(ra, { count: 2 * SYNTH_STYLES.length, dir: a, written: 2 * SYNTH_STYLES.length, existing: 0 });
  // worker threads (a) and the calling thread (b) give the same bytes
  await writeSynthDataset({ out: b, perStyle: 2, size: 32, seed: 4, threads: 1 });
  const ls = await listDataset(a);
  assert.equal(ls.source, "manifest");
  assert.deepEqual(ls.labels, [...SYNTH_STYLES].sort());
  assert.equal(ls.items.length, 2 * SYNTH_STYLES.length);
  for (const it of ls.items) {
    assert.match(it.relPath, new RegExp(`^${it.label}/${it.label}_000[01]\\.png$`));
    assert.deepEqual(readFileSync(it.file), readFileSync(path.join(b, it.relPath)), `${it.relPath} identical`);
  }
  const manifest = readFileSync(path.join(a, "manifest.csv"), "utf8");
  assert.deepEqual(readFileSync(path.join(b, "manifest.csv"), "utf8"), manifest);
  const { columns, records } = parseCsvRecords(manifest);
  assert.deepEqual(columns, ["file", "label", "source", "artist", "title", "date", "license"]);
  assert.ok(records.every((r) => r.source === "synthetic" && r.license === "CC0 (generated)"));

  // resume: delete one picture, run again: only that one is written, with the same bytes
  const victim = ls.items[3]!;
  const bytes = readFileSync(victim.file);
  await fsp.rm(victim.file);
  const rr = await writeSynthDataset({ out: a, perStyle: 2, size: 32, seed: 4 });
  assert.equal(rr.written, 1);
  assert.equal(rr.existing, 2 * SYNTH_STYLES.length - 1);
  assert.deepEqual(readFileSync(victim.file), bytes);
  // a different seed is another picture, and mixing parameters in one folder is refused
  const c = tempDir();
  await writeSynthDataset({ out: c, perStyle: 1, size: 32, seed: 5, styles: ["portrait"] });
  assert.notDeepEqual(readFileSync(path.join(c, "portrait", "portrait_0000.png")), readFileSync(path.join(a, "portrait", "portrait_0000.png")));
  await assert.rejects(writeSynthDataset({ out: a, perStyle: 2, size: 64, seed: 4 }), /made with size 32, seed 4/);
  // a folder made by another generator version is re-rendered in full
  const paramsFile = path.join(a, "synth.json");
  const params = JSON.parse(readFileSync(paramsFile, "utf8")) as { generator: string };
  await fsp.writeFile(paramsFile, JSON.stringify({ ...params, generator: "heritage-synth v0" }));
  const again = await writeSynthDataset({ out: a, perStyle: 2, size: 32, seed: 4 });
  assert.equal(again.written, 2 * SYNTH_STYLES.length);
  assert.equal((JSON.parse(readFileSync(paramsFile, "utf8")) as { generator: string }).generator, SYNTH_GENERATOR);
  assert.deepEqual(readFileSync(victim.file), bytes);
});
