/**
 * Issue 13, `heritage complete` on a non-square painting: the output has the painting's own size, the
 * known pixels are unchanged, and the painted marker (the hole) is what gets replaced. An all-white
 * mask fails before the search; an all-black one warns and writes the painting unchanged. With
 * --run, the run's config (with --set over it), clustering and GANs are used, found through its
 * RunLayout.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import sharp from "sharp";
import { CLUSTER_MODEL_FORMAT, saveClusterModel } from "../../lib/cluster/model.js";
import { createExtractor } from "../../lib/features/registry.js";
import { GAN_FOLDERS, saveLayersModel } from "../../lib/gan/checkpoint.js";
import { buildDiscriminator, buildGenerator, type DcganArch } from "../../lib/gan/dcgan.js";
import { clusterJobName, GENERAL_JOB, runLayoutAt } from "../../lib/pipeline/layout.js";
import { runCli } from "../cli.js";

const W = 96;
const H = 40;
const marker = { x: 70, y: 8, w: 14, h: 12 };
let dir = "";
const arch: DcganArch = { imageSize: 32, nz: 8, ngf: 8, ndf: 8, channels: 3 };

async function saveToyGan(ganDir: string): Promise<void> {
  const G = buildGenerator(arch, 1);
  const D = buildDiscriminator(arch, 2);
  await saveLayersModel(G, path.join(ganDir, GAN_FOLDERS.G));
  await saveLayersModel(D, path.join(ganDir, GAN_FOLDERS.D));
  G.dispose();
  D.dispose();
}

const inMarker = (x: number, y: number) => x >= marker.x && x < marker.x + marker.w && y >= marker.y && y < marker.y + marker.h;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rel-complete-"));
  await saveToyGan(path.join(dir, "gan"));
  const px = Buffer.alloc(W * H * 3);
  const mk = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      if (inMarker(x, y)) px.set([255, 0, 255], p * 3); // a magenta marker painted where the hole is
      else px.set([Math.round((x * 255) / W), 120, Math.round((y * 255) / H)], p * 3);
      mk[p] = inMarker(x, y) ? 255 : 0;
    }
  }
  await sharp(px, { raw: { width: W, height: H, channels: 3 } }).png().toFile(path.join(dir, "painting.png"));
  await sharp(mk, { raw: { width: W, height: H, channels: 1 } }).png().toFile(path.join(dir, "mask.png"));
  await sharp(Buffer.alloc(W * H, 255), { raw: { width: W, height: H, channels: 1 } }).png().toFile(path.join(dir, "white.png"));
  await sharp(Buffer.alloc(W * H, 0), { raw: { width: W, height: H, channels: 1 } }).png().toFile(path.join(dir, "black.png"));
});

test("heritage complete fills a non-square painting at its own size, exactly on the painted marker", async () => {
  const out = path.join(dir, "out.png");
  const r = await runCli(["complete", "--image", path.join(dir, "painting.png"), "--mask", path.join(dir, "mask.png"), "--model", path.join(dir, "gan"), "--out", out, "--iterations", "3", "--candidates", "1", "--no-blend", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { width: number; height: number; windows: unknown[] };
  assert.equal(report.width, W);
  assert.equal(report.height, H);
  const src = await sharp(path.join(dir, "painting.png")).raw().toBuffer();
  const { data, info } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, W, "the output has the painting's width");
  assert.equal(info.height, H, "and its height");
  let magenta = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 3;
      if (!inMarker(x, y)) {
        for (let c = 0; c < 3; c++) assert.ok(Math.abs(data[p + c]! - src[p + c]!) <= 1, `known pixel (${x}, ${y}) unchanged`);
      } else if (data[p]! === 255 && data[p + 1]! === 0 && data[p + 2]! === 255) magenta++;
    }
  }
  assert.equal(magenta, 0, "every marker pixel was replaced by the completion");
});

test("an all-white mask fails before the search; an all-black one warns and keeps the painting", async () => {
  const white = await runCli(["complete", "--image", path.join(dir, "painting.png"), "--mask", path.join(dir, "white.png"), "--model", path.join(dir, "nonexistent"), "--out", path.join(dir, "w.png")]);
  assert.notEqual(white.code, 0);
  assert.match(white.stderr, /white\.png is all white .*nothing to complete from/);
  const out = path.join(dir, "b.png");
  const black = await runCli(["complete", "--image", path.join(dir, "painting.png"), "--mask", path.join(dir, "black.png"), "--model", path.join(dir, "nonexistent"), "--out", out]);
  assert.equal(black.code, 0, black.stderr);
  assert.match(black.stderr, /black\.png is all black \(no missing pixel\)/);
  const src = await sharp(path.join(dir, "painting.png")).raw().toBuffer();
  const got = await sharp(out).removeAlpha().raw().toBuffer();
  assert.ok(got.every((v: number, i: number) => Math.abs(v - src[i]!) <= 1));
});

test("heritage complete --run: the run's config (--set over it), its clustering for cluster.k and that cluster's GAN, or --general", async () => {
  const layout = runLayoutAt(path.join(dir, "run"));
  mkdirSync(layout.dir, { recursive: true });
  writeFileSync(
    layout.config,
    JSON.stringify({ name: "complete-run", features: { extractor: "colour-stats" }, cluster: { k: 2 }, gan: { arch }, completion: { iterations: 2, candidates: 1 } }),
  );
  // a toy clustering: centre 1 (the origin) is far nearer to any colour-stats feature than centre 0
  const ex = await createExtractor("colour-stats", {});
  const dims = (await ex.extract([{ width: ex.inputSize, height: ex.inputSize, channels: 3, data: new Float32Array(ex.inputSize * ex.inputSize * 3) }]))[0]!.length;
  await saveClusterModel(layout.clusters(2), {
    format: CLUSTER_MODEL_FORMAT,
    extractor: ex.id,
    extractorOptions: ex.options,
    extractorCreateOptions: {},
    imageSize: ex.inputSize,
    normalization: { kind: "none" },
    k: 2,
    centers: [new Array(dims).fill(100), new Array(dims).fill(0)],
    ids: ["a.png", "b.png"],
    labels: [0, 1],
    sizes: [1, 1],
    metrics: {},
    settings: {},
    createdAt: new Date().toISOString(),
  });
  ex.dispose();
  await saveToyGan(layout.ganDir(clusterJobName(2, 1)));
  await saveToyGan(layout.ganDir(GENERAL_JOB));
  const base = ["complete", "--image", path.join(dir, "painting.png"), "--mask", path.join(dir, "mask.png"), "--run", layout.dir, "--no-blend", "--json"];
  const routed = await runCli([...base, "--out", path.join(dir, "run-out.png"), "--set", "completion.iterations=3"]);
  assert.equal(routed.code, 0, routed.stderr);
  const r = JSON.parse(routed.stdout) as { model: string; cluster: number | null; iterations: number; width: number };
  assert.equal(r.cluster, 1, "routed with the run's clusters/k2/clusters.json");
  assert.equal(r.model, layout.ganDir(clusterJobName(2, 1)), "and completed by that cluster's GAN of the run");
  assert.equal(r.iterations, 3, "--set is merged over the run's config.json");
  assert.equal(r.width, W);
  const general = await runCli([...base, "--out", path.join(dir, "run-general.png"), "--general"]);
  assert.equal(general.code, 0, general.stderr);
  const g = JSON.parse(general.stdout) as { model: string; cluster: number | null; iterations: number };
  assert.deepEqual([g.model, g.cluster, g.iterations], [layout.ganDir(GENERAL_JOB), null, 2], "--general: the run's general GAN, the run's completion settings");
  const otherK = await runCli([...base, "--out", path.join(dir, "x.png"), "--set", "cluster.k=3"]);
  assert.notEqual(otherK.code, 0);
  assert.match(otherK.stderr, /clusters\/k3\/clusters\.json: the run .* has no clustering for K = 3 there; make it first \(heritage cluster --run /);
  const none = await runCli(["complete", "--image", path.join(dir, "painting.png"), "--mask", path.join(dir, "mask.png"), "--out", path.join(dir, "x.png")]);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /give --model DIR \(a GAN folder\) or --run NAME/);
  const both = await runCli([...base, "--out", path.join(dir, "x.png"), "--clusters", layout.clusters(2)]);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /--clusters goes with --model; with --run the run's clusters\/k2\/clusters\.json is used/);
});
