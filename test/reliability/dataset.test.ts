/**
 * Issue 13, dataset listing: manifest paths outside the dataset folder are skipped with a line naming
 * them; a manifest without a label column and images the manifest does not list are said, not ignored.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { listDataset, resolveInside } from "../../lib/data/dataset.js";
import { captureStderr } from "../harvest/helpers.js";

async function png(file: string, v = 100): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: v, g: v, b: 0 } } }).png().toFile(file);
}

test("resolveInside keeps relative paths inside the folder and refuses the rest", () => {
  const root = path.resolve("/data/set");
  assert.equal(resolveInside(root, "a/b.png"), path.join(root, "a", "b.png"));
  assert.equal(resolveInside(root, "a/../b.png"), path.join(root, "b.png"));
  for (const bad of ["../outside/x.png", "a/../../x.png", "/etc/x.png", "C:/x.png", ".."]) assert.equal(resolveInside(root, bad), null, bad);
});

test("manifest paths outside the dataset folder are skipped and named", async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), "rel-outside-"));
  const dir = path.join(base, "set");
  await png(path.join(dir, "A", "in.png"));
  await png(path.join(base, "outside", "x.png"));
  writeFileSync(path.join(dir, "manifest.csv"), `file,label\nA/in.png,A\n../outside/x.png,A\n${path.join(base, "outside", "x.png")},A\n`);
  const { value: ls, stderr } = await captureStderr(() => listDataset(dir));
  assert.deepEqual(ls.items.map((i) => i.relPath), ["A/in.png"]);
  assert.deepEqual(ls.outside, ["../outside/x.png", path.join(base, "outside", "x.png").replace(/\\/g, "/")]);
  assert.match(stderr, /2 path\(s\) outside .* skipped: \.\.\/outside\/x\.png/);
  for (const it of ls.items) assert.ok(it.file.startsWith(dir + path.sep));
});

test("a manifest without a label column, and images it does not list, are each said", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rel-unlisted-"));
  await png(path.join(dir, "a.png"));
  await png(path.join(dir, "b.png"));
  await png(path.join(dir, "sub", "c.png"));
  writeFileSync(path.join(dir, "manifest.csv"), "file,title\na.png,First\n");
  const { value: ls, stderr } = await captureStderr(() => listDataset(dir));
  assert.deepEqual(ls.items.map((i) => i.relPath), ["a.png"]);
  assert.deepEqual(ls.unlisted, ["b.png", "sub/c.png"]);
  assert.match(stderr, /has no "label" column: every image is unlabelled/);
  assert.match(stderr, /2 image\(s\) in .* are not listed in manifest\.csv and are not used: b\.png, sub\/c\.png/);
  const quiet = await captureStderr(() => listDataset(dir, { quiet: true }));
  assert.equal(quiet.stderr, "");
  assert.equal(quiet.value.warnings.length, 2);
});
