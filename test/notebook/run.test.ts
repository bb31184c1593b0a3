/**
 * The headless runner on a tiny notebook (test/notebook/fixtures/tiny.ipynb) that imports the
 * compiled library of the build under test: outputs recorded, parameters injected, and failing
 * cells (runtime error, compile error, late async error) reported with the real error.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseNotebook, sourceText, type CodeCell, type Notebook } from "../../lib/notebook/ipynb.js";
import { runNotebooks } from "../../lib/notebook/run.js";
import { projectRoot } from "../../lib/util/paths.js";

const libDir = fileURLToPath(new URL("../../lib", import.meta.url));
const fixture = path.join(projectRoot(), "test", "notebook", "fixtures", "tiny.ipynb");

function tslabMissing(): string | false {
  try {
    createRequire(import.meta.url).resolve("tslab/dist/executor.js");
    return false;
  } catch {
    return "tslab is not installed (npm install), so notebooks cannot run";
  }
}

let dir = "";
let tiny: Notebook;

async function writeVariant(name: string, edit?: (nb: Notebook) => void): Promise<string> {
  const nb = structuredClone(tiny);
  edit?.(nb);
  const file = path.join(dir, "src", name);
  await writeFile(file, JSON.stringify(nb));
  return file;
}

async function readOut(file: string): Promise<Notebook> {
  return parseNotebook(await readFile(file, "utf8"), file);
}

function codeCells(nb: Notebook): CodeCell[] {
  return nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
}

describe("runNotebooks", { skip: tslabMissing() }, () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "heritage-nbrun-"));
    await (await import("node:fs/promises")).mkdir(path.join(dir, "src"));
    const text = (await readFile(fixture, "utf8")).replaceAll("__LIB__", libDir.split(path.sep).join("/"));
    tiny = parseNotebook(text, fixture);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs every cell, records stream/display/result outputs and injects parameters", async () => {
    const file = await writeVariant("01_ok.ipynb");
    const outDir = path.join(dir, "out-ok");
    const res = await runNotebooks({ notebooks: [file], params: { scale: 3, label: "from-cli" }, outDir, echo: false });
    assert.equal(res.ok, true, JSON.stringify(res.results[0]?.failure));
    const r = res.results[0]!;
    assert.equal(r.status, "ok");
    assert.deepEqual(r.applied.sort(), ["label", "scale"]);
    assert.equal(r.executedCells, r.codeCells);
    const nb = await readOut(path.join(outDir, "01_ok.ipynb"));
    // The injected cell sits right after the parameters cell and assigns the values.
    const pIdx = nb.cells.findIndex((c) => (c.metadata.tags ?? []).includes("parameters"));
    const injected = nb.cells[pIdx + 1]!;
    assert.deepEqual(injected.metadata.tags, ["injected-parameters"]);
    assert.match(sourceText(injected.source), /scale = 3;/);
    assert.match(sourceText(injected.source), /label = "from-cli";/);
    const cells = codeCells(nb);
    assert.deepEqual(
      cells.map((c) => c.execution_count),
      cells.map((_, i) => i + 1),
    );
    const show = cells[2]!.outputs;
    const stdout = show.find((o) => o.output_type === "stream" && o.name === "stdout");
    assert.ok(stdout && stdout.output_type === "stream");
    assert.match(String(stdout.text), /label=from-cli scale=3/);
    const stderr = show.find((o) => o.output_type === "stream" && o.name === "stderr");
    assert.ok(stderr && stderr.output_type === "stream" && /to stderr/.test(String(stderr.text)));
    const displays = show.filter((o) => o.output_type === "display_data");
    assert.equal(displays.length, 3);
    const [table, figure, image] = displays.map((d) => (d.output_type === "display_data" ? d.data : {}));
    assert.match(String(table!["text/html"]), /<table[\s\S]*1\.235[\s\S]*<\/table>/);
    const plotlyJson = figure!["application/vnd.plotly.v1+json"] as { data: { y: number[] }[] };
    assert.deepEqual(plotlyJson.data[0]!.y, [3, 6, 9]);
    assert.match(String(figure!["text/html"]), /kernelspecs\/tslab\/plotly\.min\.js/, "the runner's figures load plotly.js from the kernelspec (HERITAGE_PLOTLY=kernelspec)");
    const png = Buffer.from(String(image!["image/png"]), "base64");
    assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
    assert.equal(png.readUInt32BE(16), 3);
    assert.equal(png.readUInt32BE(20), 2);
    // Value of the last expression: (1 + 2 + 3) * 3.
    const result = cells[3]!.outputs.find((o) => o.output_type === "execute_result");
    assert.ok(result && result.output_type === "execute_result");
    assert.equal(result.data["text/plain"], "18");
    const meta = nb.metadata.heritage_run as { status: string; parameters: Record<string, unknown> };
    assert.equal(meta.status, "ok");
    assert.deepEqual(meta.parameters, { scale: 3, label: "from-cli" });
    const summary = JSON.parse(await readFile(path.join(outDir, "run.json"), "utf8")) as { ok: boolean };
    assert.equal(summary.ok, true);
  });

  it("stops at the first failing cell and reports the real runtime error and the cell", async () => {
    const a = await writeVariant("01_fail.ipynb");
    const b = await writeVariant("02_after.ipynb");
    const outDir = path.join(dir, "out-fail");
    const res = await runNotebooks({ notebooks: [a, b], params: { mode: "throw", scale: 5 }, outDir, echo: false });
    assert.equal(res.ok, false);
    const [first, second] = res.results;
    assert.equal(first!.status, "failed");
    assert.equal(second!.status, "skipped", "later notebooks do not run after a failure");
    const f = first!.failure!;
    assert.equal(f.ename, "RangeError");
    assert.equal(f.evalue, "deliberate failure with scale 5");
    assert.match(f.source, /function failHere/);
    assert.ok(f.traceback.some((l) => /failHere/.test(l)), `stack names the function: ${f.traceback.join("\n")}`);
    const nb = await readOut(path.join(outDir, "01_fail.ipynb"));
    assert.match(sourceText(nb.cells[f.cellIndex]!.source), /function failHere/);
    const cells = codeCells(nb);
    const last = cells[cells.length - 1]!;
    assert.equal(last.execution_count, null, "cells after the failure are not run");
    assert.deepEqual(last.outputs, []);
    const errOut = (nb.cells[f.cellIndex] as CodeCell).outputs.find((o) => o.output_type === "error");
    assert.ok(errOut && errOut.output_type === "error" && errOut.evalue === "deliberate failure with scale 5");
  });

  it("fails the run on an error thrown later from a timer", async () => {
    const file = await writeVariant("01_async.ipynb");
    const res = await runNotebooks({ notebooks: [file], params: { mode: "async" }, outDir: path.join(dir, "out-async"), echo: false });
    assert.equal(res.ok, false);
    assert.match(res.results[0]!.failure!.evalue, /late failure from a timer/);
  });

  it("rejects a parameter no notebook declares, naming the declared ones", async () => {
    const file = await writeVariant("01_typo.ipynb");
    await assert.rejects(
      runNotebooks({ notebooks: [file], params: { scael: 2 }, outDir: path.join(dir, "out-typo"), echo: false }),
      /scael not declared .*declared: scale, label, mode/,
    );
  });

  it("a wrong parameter type fails at the injected cell with the compiler's message and position", async () => {
    const file = await writeVariant("01_type.ipynb");
    const res = await runNotebooks({ notebooks: [file], params: { mode: "sideways" }, outDir: path.join(dir, "out-type"), echo: false });
    const f = res.results[0]!.failure!;
    assert.equal(f.ename, "TypeScriptError");
    assert.match(f.source, /mode = "sideways"/);
    assert.match(f.evalue, /^2:1 - Type '"sideways"' is not assignable to type '"ok" \| "throw" \| "async"'/);
  });
});
