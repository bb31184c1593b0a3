/**
 * Issue 13, `heritage complete` on a non-square painting: the output has the painting's own size, the
 * known pixels are unchanged, and the painted marker (the hole) is what gets replaced. An all-white
 * mask fails before the search; an all-black one warns and writes the painting unchanged.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import sharp from "sharp";
import { saveLayersModel } from "../../lib/gan/checkpoint.js";
import { buildDiscriminator, buildGenerator, type DcganArch } from "../../lib/gan/dcgan.js";
import { runCli } from "../cli.js";

const W = 96;
const H = 40;
const marker = { x: 70, y: 8, w: 14, h: 12 };
let dir = "";


const inMarker = (x: number, y: number) => x >= marker.x && x < marker.x + marker.w && y >= marker.y && y < marker.y + marker.h;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rel-complete-"));
  const arch: DcganArch = { imageSize: 32, nz: 8, ngf: 8, ndf: 8, channels: 3 };
  const G = buildGenerator(arch, 1);
  const D = buildDiscriminator(arch, 2);
  await saveLayersModel(G, path.join(dir, "gan", "generator"));
  await saveLayersModel(D, path.join(dir, "gan", "discriminator"));
  G.dispose();
  D.dispose();
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
