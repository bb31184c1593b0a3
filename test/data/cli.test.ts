import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { register } from "../../lib/cli/commands/data.js";
import { SYNTH_STYLES } from "../../lib/data/synth/index.js";
import { setQuiet } from "../../lib/util/log.js";
import { tempDir, writeFile } from "./helpers.js";

const main = fileURLToPath(new URL("../../lib/cli/main.js", import.meta.url));
const env = { ...process.env, HERITAGE_QUIET: "1", HERITAGE_CACHE: tempDir("heritage-cache-") };
process.env.HERITAGE_QUIET = "1";
process.env.HERITAGE_CACHE = env.HERITAGE_CACHE;
setQuiet(true);

/** Run `heritage data ...` in this process (only the data command registered); returns its stdout. */
async function runData(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  let out = "";
  register(program, { write: (s) => void (out += s) });
  await program.parseAsync(["node", "heritage", "data", ...args]);
  return out;
}

test("the real CLI entry point runs heritage data synth", () => {
  const out = path.join(tempDir(), "synth");
  execFileSync(process.execPath, [main, "data", "synth", "--out", out, "--per-style", "1", "--size", "16", "--seed", "1", "--styles", "geometric,portrait"], { env, stdio: "pipe" });
  assert.ok(existsSync(path.join(out, "geometric", "geometric_0000.png")));
  assert.ok(existsSync(path.join(out, "portrait", "portrait_0000.png")));
});

test("heritage data synth writes the dataset and data info reads it back", async () => {
  const out = path.join(tempDir(), "synth");
  const json = await runData(["synth", "--out", out, "--per-style", "2", "--size", "32", "--seed", "3", "--json"]);
  const res = JSON.parse(json) as { count: number; written: number; dir: string };
  assert.equal(res.count, 2 * SYNTH_STYLES.length);
  assert.equal(res.written, res.count);
  assert.ok(existsSync(path.join(out, "manifest.csv")));
  for (const s of SYNTH_STYLES) assert.ok(existsSync(path.join(out, s, `${s}_0001.png`)));

  await writeFile(path.join(out, "impressionist", "broken.png"), "garbage");
  const info = JSON.parse(await runData(["info", "--data", out, "--size", "16", "--json"])) as {
    source: string;
    loaded: number;
    labels: Record<string, number>;
    skipped: { file: string; reason: string }[];
  };
  assert.equal(info.source, "manifest");
  assert.equal(info.loaded, res.count);
  assert.deepEqual(Object.keys(info.labels).sort(), [...SYNTH_STYLES].sort());
  assert.equal(info.skipped.length, 0, "broken.png is not in the manifest, so it is not listed");

  // as a plain folder dataset (no manifest), the broken file is listed and skipped with its name
  const flat = tempDir();
  await writeFile(path.join(flat, "x", "broken.png"), "garbage");
  const r = await runData(["info", "--data", flat]);
  assert.match(r, /skipped .*broken\.png: .*unsupported image format/);
});

test("bad options are refused with a message", async () => {
  await assert.rejects(runData(["synth", "--out", tempDir(), "--size", "abc"]), /--size must be an integer in 8\.\.1024, got "abc"/);
});

test("data grid writes a contact sheet", async () => {
  const out = path.join(tempDir(), "synth");
  await runData(["synth", "--out", out, "--per-style", "3", "--size", "16"]);
  const png = path.join(out, "..", "grid.png");
  await runData(["grid", "--data", out, "--out", png, "--per-label", "3", "--size", "16"]);
  const { probeImage } = await import("../../lib/data/decode.js");
  const p = await probeImage(png);
  assert.deepEqual([p.width, p.height], [3 * 16 + 4 * 2, SYNTH_STYLES.length * 16 + (SYNTH_STYLES.length + 1) * 2]);
});
