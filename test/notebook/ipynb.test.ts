import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { clearOutputs, codeCell, formatNotebook, newNotebook, parseNotebook, readNotebook, sourceText, toLines } from "../../lib/notebook/ipynb.js";
import { listNotebooks, resolveNotebooks } from "../../lib/notebook/catalog.js";

describe("ipynb", () => {
  it("splits and joins sources as nbformat does", () => {
    assert.deepEqual(toLines("a\nb\n"), ["a\n", "b\n"]);
    assert.deepEqual(toLines("a\nb"), ["a\n", "b"]);
    assert.deepEqual(toLines(""), []);
    assert.equal(sourceText(["a\n", "b"]), "a\nb");
  });

  it("round-trips a notebook and clears outputs", () => {
    const nb = newNotebook([codeCell("1 + 1", ["parameters"])]);
    const cell = nb.cells[0]!;
    if (cell.cell_type === "code") {
      cell.outputs = [{ output_type: "stream", name: "stdout", text: "2\n" }];
      cell.execution_count = 1;
    }
    const back = parseNotebook(formatNotebook(nb));
    assert.deepEqual(back, nb);
    const clean = clearOutputs(back).cells[0]!;
    assert.ok(clean.cell_type === "code" && clean.outputs.length === 0 && clean.execution_count === null);
    assert.equal((nb.metadata.kernelspec as { name: string }).name, "tslab");
  });

  it("names the file and the problem on bad input", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "heritage-ipynb-"));
    try {
      const bad = path.join(dir, "bad.ipynb");
      await writeFile(bad, "{ not json");
      await assert.rejects(readNotebook(bad), /bad\.ipynb is not valid notebook JSON/);
      await writeFile(bad, JSON.stringify({ cells: [], nbformat: 3 }));
      await assert.rejects(readNotebook(bad), /bad\.ipynb has nbformat 3/);
      await assert.rejects(readNotebook(path.join(dir, "missing.ipynb")), /cannot read notebook .*missing\.ipynb/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("catalog", () => {
  it("lists NN_name notebooks in order and resolves names", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "heritage-catalog-"));
    try {
      const mk = (title: string, params = "") =>
        formatNotebook(newNotebook([{ ...codeCell(params, ["parameters"]) }, { cell_type: "markdown", metadata: {}, source: `# ${title}\n` }]));
      await writeFile(path.join(dir, "02_features.ipynb"), mk("Features", "let k = 3;"));
      await writeFile(path.join(dir, "01_harvest.ipynb"), mk("Harvest", "let limit = 10;\nlet runDir = '';"));
      await writeFile(path.join(dir, "notes.ipynb"), mk("not numbered"));
      const all = listNotebooks(dir);
      assert.deepEqual(all.map((e) => [e.name, e.order, e.title]), [
        ["01_harvest", 1, "Harvest"],
        ["02_features", 2, "Features"],
      ]);
      assert.deepEqual(all[0]!.parameters.map((p) => p.name), ["limit", "runDir"]);
      const base = (files: string[]) => files.map((f) => path.basename(f));
      assert.deepEqual(base(resolveNotebooks([], dir)), ["01_harvest.ipynb", "02_features.ipynb"]);
      assert.deepEqual(base(resolveNotebooks(["features", "1"], dir)), ["01_harvest.ipynb", "02_features.ipynb"]);
      assert.deepEqual(base(resolveNotebooks(["02_features.ipynb"], dir)), ["02_features.ipynb"]);
      assert.deepEqual(base(resolveNotebooks([path.join(dir, "notes.ipynb")], dir)), ["notes.ipynb"]);
      assert.throws(() => resolveNotebooks(["nope"], dir), /no notebook "nope" .*there are: 01_harvest, 02_features/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
