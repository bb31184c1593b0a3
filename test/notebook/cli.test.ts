/** `heritage notebooks list|run` through the real CLI entry point of the build under test. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { projectRoot } from "../../lib/util/paths.js";

const main = fileURLToPath(new URL("../../lib/cli/main.js", import.meta.url));
const libDir = fileURLToPath(new URL("../../lib", import.meta.url));

function cli(args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { encoding: "utf8", env: { ...process.env, HERITAGE_QUIET: "1" }, timeout: 300_000 });
}

function tslabMissing(): string | false {
  try {
    createRequire(import.meta.url).resolve("tslab/dist/executor.js");
    return false;
  } catch {
    return "tslab is not installed";
  }
}

describe("heritage notebooks", () => {
  it("list --json gives the numbered notebooks in order with their parameters", () => {
    const r = cli(["notebooks", "list", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { name: string; order: number; parameters: { name: string }[] }[];
    assert.deepEqual(
      list.map((e) => e.order),
      list.map((_, i) => i + 1),
    );
    for (const e of list) {
      assert.match(e.name, /^0\d_/);
      assert.ok(e.parameters.some((p) => p.name === "runDir"), `${e.name} declares runDir`);
    }
  });

  it("run names what exists when a notebook is unknown", () => {
    const r = cli(["notebooks", "run", "no-such-notebook"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no notebook "no-such-notebook" .*there are: 01_harvest/);
  });

  describe("run", { skip: tslabMissing() }, () => {
    let dir = "";
    let file = "";
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "heritage-nbcli-"));
      const text = await readFile(path.join(projectRoot(), "test", "notebook", "fixtures", "tiny.ipynb"), "utf8");
      file = path.join(dir, "tiny.ipynb");
      await writeFile(file, text.replaceAll("__LIB__", libDir.split(path.sep).join("/")));
    });
    after(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("executes a notebook with --param and prints a JSON summary", async () => {
      const out = path.join(dir, "out");
      const r = cli(["notebooks", "run", file, "--param", "scale=4", "--param", "label=cli", "--out", out, "--quiet", "--json"]);
      assert.equal(r.status, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as { ok: boolean; results: { status: string; applied: string[] }[] };
      assert.equal(summary.ok, true);
      assert.deepEqual(summary.results[0]!.applied.sort(), ["label", "scale"]);
      assert.match(await readFile(path.join(out, "tiny.ipynb"), "utf8"), /label=cli scale=4/);
    });

    it("exits 1 and prints the failing cell and the real error", () => {
      const r = cli(["notebooks", "run", file, "--param", "mode=throw", "--out", path.join(dir, "out-fail"), "--quiet"]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /failed at cell \d+/);
      assert.match(r.stderr, /\| function failHere\(\): void \{/);
      assert.match(r.stderr, /RangeError: deliberate failure with scale 2/);
      assert.match(r.stdout, /tiny\.ipynb\s+failed, 4\/6 code cells/);
    });
  });
});
