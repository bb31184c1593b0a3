/**
 * The repository's kernelspec (notebooks/jupyter/kernels/tslab) runs a notebook under real Jupyter
 * (nbconvert --execute), found through JUPYTER_PATH only. Skips when jupyter-nbconvert is absent.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseNotebook, type CodeCell } from "../../lib/notebook/ipynb.js";
import { jupyterEnv, jupyterPathDir } from "../../lib/notebook/jupyter.js";
import { runNotebooks } from "../../lib/notebook/run.js";
import { projectRoot } from "../../lib/util/paths.js";

const nbconvert = spawnSync("jupyter", ["nbconvert", "--version"], { stdio: "ignore" }).status === 0;

describe("repository kernelspec", { skip: nbconvert ? false : "jupyter-nbconvert is not installed (apt-get install jupyter-nbconvert jupyter-client python3-ipykernel)" }, () => {
  it("is listed through JUPYTER_PATH", () => {
    const r = spawnSync("jupyter", ["kernelspec", "list", "--json"], { env: jupyterEnv(), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const specs = (JSON.parse(r.stdout) as { kernelspecs: Record<string, { resource_dir: string }> }).kernelspecs;
    assert.equal(path.resolve(specs.tslab!.resource_dir), path.join(jupyterPathDir(), "kernels", "tslab"));
  });

  it("executes a notebook top to bottom under nbconvert with rich outputs", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "heritage-kernel-"));
    try {
      const libDir = fileURLToPath(new URL("../../lib", import.meta.url));
      const text = (await readFile(path.join(projectRoot(), "test", "notebook", "fixtures", "tiny.ipynb"), "utf8")).replaceAll("__LIB__", libDir);
      await writeFile(path.join(dir, "tiny.ipynb"), text);
      const r = spawnSync(
        "jupyter",
        ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output", "out.ipynb", "tiny.ipynb"],
        { cwd: dir, env: jupyterEnv({ ...process.env, JUPYTER_PATH: "" }), encoding: "utf8", timeout: 180_000 },
      );
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      const out = parseNotebook(await readFile(path.join(dir, "out.ipynb"), "utf8"));
      const cells = out.cells.filter((c): c is CodeCell => c.cell_type === "code");
      const show = cells[1]!.outputs;
      assert.ok(show.some((o) => o.output_type === "stream" && /label=default scale=2/.test(String(o.text))));
      assert.equal(show.filter((o) => o.output_type === "display_data").length, 3);
      // tslab's kernel prints the value of the last expression on stdout (the headless runner records it as execute_result).
      assert.ok(cells[2]!.outputs.some((o) => o.output_type === "stream" && String(o.text).trim() === "12"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the runner writes an HTML copy of an executed notebook with --html", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "heritage-html-"));
    try {
      const libDir = fileURLToPath(new URL("../../lib", import.meta.url));
      const text = (await readFile(path.join(projectRoot(), "test", "notebook", "fixtures", "tiny.ipynb"), "utf8")).replaceAll("__LIB__", libDir);
      await writeFile(path.join(dir, "tiny.ipynb"), text);
      const res = await runNotebooks({ notebooks: [path.join(dir, "tiny.ipynb")], outDir: path.join(dir, "out"), echo: false, html: true });
      assert.equal(res.ok, true);
      const html = await readFile(path.join(dir, "out", "tiny.html"), "utf8");
      assert.match(html, /label=default scale=2/);
      assert.match(html, /plotly\.js v\d/, "the figure's plotly.js is in the page");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
