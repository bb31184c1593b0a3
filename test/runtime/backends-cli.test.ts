/** `heritage backends` end to end: every backend started in its own process, smoke-tested against cpu. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { it } from "node:test";
import { projectRoot } from "../../lib/util/paths.js";

it("heritage backends prints one row per backend, cpu and wasm available and matching cpu", () => {
  const r = spawnSync(process.execPath, [path.join(projectRoot(), "bin", "heritage.js"), "backends"], { encoding: "utf8", timeout: 300_000 });
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr.slice(-2000)}`);
  const rows = new Map<string, string[]>();
  for (const line of r.stdout.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length > 5 && ["tensorflow", "webgpu", "wasm", "cpu"].includes(cells[1]!)) rows.set(cells[1]!, cells.slice(1));
  }
  assert.deepEqual([...rows.keys()].sort(), ["cpu", "tensorflow", "wasm", "webgpu"]);
  for (const name of ["cpu", "wasm"]) assert.equal(rows.get(name)![1], "yes", `${name} available`);
  for (const [name, cells] of rows) {
    if (cells[1] !== "yes") continue;
    const diff = Number(cells[4]);
    assert.ok(Number.isFinite(diff) && diff < 1e-4, `${name}: max rel. diff vs cpu ${cells[4]} (want < 1e-4)`);
  }
  assert.match(r.stdout, /automatic choice \(no HERITAGE_BACKEND\): \w+/);
});
