/**
 * Shared checks for the harvester tests: read an output folder back and verify it is a complete,
 * duplicate-free dataset whose every file decodes and matches its checksum. No side effects on import.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { readManifest } from "../../lib/harvest/manifest.js";

/** Every file under `dir` (relative paths), skipping `.harvest/`. */
export function listFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (r === ".harvest") continue;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/** Check the folder: ids unique, files exist/decode/match sha256, no stray files, no partials. Returns the rows. */
export async function checkDataset(dir: string): Promise<Record<string, string>[]> {
  const rows = await readManifest(dir);
  const ids = rows.map((r) => r.id!);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids in the manifest: ${ids.join(" ")}`);
  for (const r of rows) {
    const f = path.join(dir, r.file!);
    assert.ok(existsSync(f), `${r.file} is in the manifest but missing`);
    assert.equal(r.file, `${r.label}/${r.id}.jpg`);
    const bytes = readFileSync(f);
    assert.equal(createHash("sha256").update(bytes).digest("hex"), r.sha256, `${r.file} checksum`);
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.width, Number(r.width));
    await sharp(bytes, { failOn: "truncated" }).raw().toBuffer(); // decodes fully
  }
  const files = listFiles(dir).filter((f) => f !== "manifest.csv");
  assert.deepEqual(files, rows.map((r) => r.file!).sort(), "the folder holds exactly the manifest's files");
  const tmp = path.join(dir, ".harvest", "tmp");
  assert.ok(!existsSync(tmp) || readdirSync(tmp).length === 0, "no partial downloads left");
  return rows;
}

/** Run `fn` with everything written to stderr captured (and hidden from the test output). */
export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  const orig = process.stderr.write.bind(process.stderr);
  let text = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stderr.write;
  try {
    const value = await fn();
    return { value, stderr: text };
  } finally {
    process.stderr.write = orig;
  }
}
