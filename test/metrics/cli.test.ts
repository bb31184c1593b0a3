import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, "..", "..", "lib", "cli", "main.js");

function fixture(): { cases: { name: string; width: number; height: number; channels: number; a: number[]; b: number[]; mask: number[]; expected: Record<string, number> }[] } {
  let dir = here;
  for (let i = 0; i < 6; i++) {
    try {
      return JSON.parse(readFileSync(path.join(dir, "test", "metrics", "fixtures", "skimage_reference.json"), "utf8"));
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error("cannot find test/metrics/fixtures/skimage_reference.json");
}

test("heritage metrics A B --mask M --json reproduces the scikit-image values from PNG files", async () => {
  const c = fixture().cases.find((x) => x.name === "rgb-grey-hole")!;
  const dir = mkdtempSync(path.join(os.tmpdir(), "metrics-cli-"));
  const raw = { width: c.width, height: c.height, channels: 3 as const };
  await sharp(Buffer.from(c.a), { raw }).png().toFile(path.join(dir, "a.png"));
  await sharp(Buffer.from(c.b), { raw }).png().toFile(path.join(dir, "b.png"));
  await sharp(Buffer.from(c.mask.map((v) => v * 255)), { raw: { ...raw, channels: 1 } })
    .png()
    .toFile(path.join(dir, "m.png"));
  const out = execFileSync(process.execPath, [cli, "metrics", path.join(dir, "a.png"), path.join(dir, "b.png"), "--mask", path.join(dir, "m.png"), "--json"], {
    encoding: "utf8",
    env: { ...process.env, HERITAGE_QUIET: "1" },
  });
  const got = JSON.parse(out);
  for (const key of ["psnr", "ssim", "l1", "psnrHole", "ssimHole", "l1Hole"]) {
    assert.ok(Math.abs(got[key] - c.expected[key]!) < 1e-4, `${key}: ${got[key]} vs ${c.expected[key]}`);
  }
  assert.equal(got.width, c.width);
  assert.ok(Math.abs(got.holeFraction - c.mask.reduce((s, v) => s + v, 0) / c.mask.length) < 1e-12);
  // the table form and a size mismatch error
  const table = execFileSync(process.execPath, [cli, "metrics", path.join(dir, "a.png"), path.join(dir, "a.png")], { encoding: "utf8" });
  assert.match(table, /PSNR dB\s+inf\s+-/);
  await sharp(Buffer.alloc(10 * 10 * 3), { raw: { width: 10, height: 10, channels: 3 } }).png().toFile(path.join(dir, "small.png"));
  assert.throws(
    () => execFileSync(process.execPath, [cli, "metrics", path.join(dir, "a.png"), path.join(dir, "small.png")], { stdio: "pipe" }),
    (err: { stderr: Buffer }) => /small\.png is 10x10 but .*a\.png is 48x40/.test(err.stderr.toString()),
  );
});
