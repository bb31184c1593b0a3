import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { writeJsonAtomic, readJson } from "../lib/util/fs.js";
import { createRng, shuffled } from "../lib/util/random.js";

test("createRng is deterministic and roughly uniform/normal", () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  const r = createRng(1);
  let s = 0;
  let s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
  assert.deepEqual(shuffled([1, 2, 3, 4], createRng(3)).sort(), [1, 2, 3, 4]);
});

test("writeJsonAtomic leaves no temp files and readJson names bad files", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hi-"));
  const f = path.join(dir, "a", "x.json");
  await writeJsonAtomic(f, { a: 1 });
  assert.deepEqual(await readJson(f), { a: 1 });
  assert.deepEqual(readdirSync(path.dirname(f)), ["x.json"]);
  const bad = path.join(dir, "bad.json");
  await import("node:fs/promises").then((m) => m.writeFile(bad, "{oops"));
  await assert.rejects(readJson(bad), /bad\.json is not valid JSON/);
  assert.ok(readFileSync(f, "utf8").endsWith("\n"));
});
