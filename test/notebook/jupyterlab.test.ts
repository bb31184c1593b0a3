/**
 * A real client: JupyterLab (from pip) with the repository kernelspec, driven by headless Chromium
 * (playwright-core). Opens notebook 03 on the ci preset, runs all cells, and checks what a
 * researcher sees: every plotly figure drawn as SVG (plotly.js loaded from the kernelspec folder,
 * the "kernelspec" plotly mode), no error output, no stderr box (progress and log lines are
 * notebook displays), and tables with text columns left-aligned and numbers right-aligned.
 *
 * Needs Chromium (`apt-get install chromium`) and JupyterLab: HERITAGE_JUPYTERLAB (the `jupyter`
 * executable of an environment with jupyterlab), else .cache/jupyterlab/bin/jupyter (what .ci/run
 * creates: `python3 -m venv .cache/jupyterlab && .cache/jupyterlab/bin/pip install jupyterlab`),
 * else `jupyter` on PATH when it has `lab`. Skips with a message when either is missing, except in
 * CI (CI=true), where it fails. HERITAGE_SCREENSHOTS=DIR saves a screenshot per notebook there;
 * HERITAGE_JUPYTERLAB_NOTEBOOKS=02_features,03_clusters picks other notebooks.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CHROMIUM_ARGS, chromiumPath } from "../../lib/plot/export.js";
import { ensureKernelspecPlotly } from "../../lib/plot/kernelspec-plotly.js";
import { readNotebook, writeNotebook } from "../../lib/notebook/ipynb.js";
import { injectParameters } from "../../lib/notebook/params.js";
import { jupyterEnv } from "../../lib/notebook/jupyter.js";
import { projectRoot } from "../../lib/util/paths.js";

const root = projectRoot();

/** The `jupyter` executable of an environment that has JupyterLab, or null. */
function findJupyterLab(): string | null {
  const candidates = [process.env.HERITAGE_JUPYTERLAB, path.join(root, ".cache", "jupyterlab", "bin", "jupyter"), "jupyter"];
  for (const c of candidates) {
    if (!c) continue;
    if (c !== "jupyter" && !existsSync(c)) continue;
    if (spawnSync(c, ["lab", "--version"], { stdio: "ignore", timeout: 60_000 }).status === 0) return c;
  }
  return null;
}

const chromium = chromiumPath();
const jupyter = findJupyterLab();
const dist = existsSync(path.join(root, "dist", "lib", "notebook", "setup.js"));
const missing = [
  chromium ? null : "Chromium (apt-get install chromium)",
  jupyter ? null : "JupyterLab (python3 -m venv .cache/jupyterlab && .cache/jupyterlab/bin/pip install jupyterlab, or set HERITAGE_JUPYTERLAB)",
  dist ? null : "the build in dist/ (npm run build)",
].filter((m): m is string => m !== null);
const skip = missing.length && process.env.CI !== "true" ? `needs ${missing.join(", ")}` : false;
const notebooks = (process.env.HERITAGE_JUPYTERLAB_NOTEBOOKS ?? "03_clusters").split(",").filter(Boolean);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== null) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ""}`);
}

describe("notebooks in JupyterLab (headless Chromium)", { skip }, () => {
  assert.deepEqual(missing, [], `CI must provide ${missing.join(", ")} (.ci/run installs them)`);
  let tmp = "";
  let server: ChildProcess | null = null;
  let serverLog = "";
  let base = "";
  const token = randomBytes(16).toString("hex");

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "heritage-jlab-"));
    // A temp server root that looks like the repository to the notebooks: notebooks/ (copies with
    // the ci parameters injected) beside a link to the real dist/.
    await mkdir(path.join(tmp, "root", "notebooks"), { recursive: true });
    await symlink(path.join(root, "dist"), path.join(tmp, "root", "dist"));
    for (const name of notebooks) {
      const nb = await readNotebook(path.join(root, "notebooks", `${name}.ipynb`));
      const params: Record<string, unknown> = { config: "experiments/ci.json", runDir: path.join(tmp, "run") };
      if (name.startsWith("02")) params.extractors = ["mobilenet_v2-nsfwjs"];
      const { notebook } = injectParameters(nb, params);
      await writeNotebook(path.join(tmp, "root", "notebooks", `${name}.ipynb`), notebook);
    }
    // Render every cell (no windowing), so off-screen figures are drawn and can be checked.
    const settings = path.join(tmp, "settings", "@jupyterlab", "notebook-extension");
    await mkdir(settings, { recursive: true });
    await writeFile(path.join(settings, "tracker.jupyterlab-settings"), JSON.stringify({ windowingMode: "none" }));
    // No "get notified about Jupyter news?" toast over the outputs (and no fetch: there is no network).
    const notes = path.join(tmp, "settings", "@jupyterlab", "apputils-extension");
    await mkdir(notes, { recursive: true });
    await writeFile(path.join(notes, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false", checkForUpdates: false }));
    ensureKernelspecPlotly();

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const args = [
      "lab",
      "--no-browser",
      "--ServerApp.ip=127.0.0.1",
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${path.join(tmp, "root")}`,
      "--LabApp.expose_app_in_browser=True",
      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      "--LabApp.news_url=None",
    ];
    if (process.getuid?.() === 0) args.push("--allow-root");
    server = spawn(jupyter!, args, {
      cwd: path.join(tmp, "root"),
      env: {
        ...jupyterEnv(),
        JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
        JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
        JUPYTERLAB_SETTINGS_DIR: path.join(tmp, "settings"),
        JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, "workspaces"),
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    server.stdout!.on("data", (d: Buffer) => (serverLog += d.toString()));
    server.stderr!.on("data", (d: Buffer) => (serverLog += d.toString()));
    await waitFor("the JupyterLab server", 120_000, async () => {
      if (server!.exitCode !== null) throw new Error(`jupyter lab exited with ${server!.exitCode}:\n${serverLog.slice(-3000)}`);
      const r = await fetch(`${base}/api/status?token=${token}`);
      return r.ok ? true : null;
    });
  });

  after(async () => {
    if (server && server.exitCode === null && server.pid) {
      const exited = new Promise((r) => server!.once("exit", r));
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {
        server.kill("SIGTERM");
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) process.kill(-server.pid, "SIGKILL");
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  for (const name of notebooks) {
    it(`${name} runs all cells with figures drawn and no error or stderr output`, { timeout: 600_000 }, async () => {
      const { chromium: pw } = await import("playwright-core");
      const browser = await pw.launch({ executablePath: chromium!, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const pageErrors: string[] = [];
        // JupyterLab's debugger panel complains about kernels without a debugger (tslab has none): not ours.
        page.on("pageerror", (e) => {
          if (!/debugger session/i.test(e.message)) pageErrors.push(e.message);
        });
        await page.goto(`${base}/lab/tree/notebooks/${name}.ipynb?token=${token}`);
        // The notebook is open and its kernel (the repository tslab kernelspec) is idle.
        await waitFor("the notebook and its kernel", 180_000, () =>
          page.evaluate(() => {
            const app = (window as unknown as { jupyterapp?: any }).jupyterapp;
            const nb = app?.shell?.currentWidget;
            const kernel = nb?.sessionContext?.session?.kernel;
            return nb?.content && kernel && kernel.status === "idle" ? true : null;
          }),
        );
        const started = Date.now();
        await page.evaluate(() => (window as unknown as { jupyterapp: any }).jupyterapp.commands.execute("notebook:run-all-cells"));
        // Bounded wait: every code cell has an execution count and the kernel is idle again.
        await waitFor("all cells to run", 480_000, () =>
          page.evaluate(() => {
            const nb = (window as unknown as { jupyterapp: any }).jupyterapp.shell.currentWidget;
            const cells: any[] = nb.content.widgets.filter((c: any) => c.model.type === "code");
            const failed = cells.some((c: any) => c.model.outputs.toJSON().some((o: any) => o.output_type === "error"));
            const done = cells.every((c: any) => c.model.executionCount !== null && c.promptNode?.textContent !== "[*]:");
            return failed || (done && nb.sessionContext.session.kernel.status === "idle") ? true : null;
          }),
        );
        const runS = (Date.now() - started) / 1000;
        // Figures draw asynchronously (plotly.js loads from the server): wait for their SVG.
        const figures = await waitFor("the plotly figures to draw", 60_000, () =>
          page.evaluate(() => {
            const divs = Array.from(document.querySelectorAll(".heritage-figure"));
            const drawn = divs.filter((d) => d.querySelector("svg.main-svg"));
            return divs.length > 0 && drawn.length === divs.length ? { count: divs.length } : null;
          }),
        ).catch(async (err: Error) => {
          const texts = await page.evaluate(() => Array.from(document.querySelectorAll(".heritage-figure")).map((d) => d.textContent));
          throw new Error(`${err.message}; figure boxes say: ${JSON.stringify(texts)}`);
        });
        const report = await page.evaluate(() => {
          const nb = (window as unknown as { jupyterapp: any }).jupyterapp.shell.currentWidget;
          const outputs = nb.content.widgets
            .filter((c: any) => c.model.type === "code")
            .map((c: any, i: number) => ({ i, outputs: c.model.outputs.toJSON() as any[] }));
          const errors = outputs.flatMap((c: any) =>
            c.outputs.filter((o: any) => o.output_type === "error").map((o: any) => `cell ${c.i}: ${o.ename}: ${o.evalue}`),
          );
          const stderr = outputs.flatMap((c: any) =>
            c.outputs.filter((o: any) => o.output_type === "stream" && o.name === "stderr").map((o: any) => `cell ${c.i}: ${String(o.text).slice(0, 300)}`),
          );
          // Alignment of table cells as the browser computes it under JupyterLab's stylesheet.
          const align = Array.from(document.querySelectorAll("table.heritage-table td")).map((td) => ({
            numeric: td.classList.contains("heritage-num"),
            align: getComputedStyle(td).textAlign,
          }));
          const svgs = document.querySelectorAll(".js-plotly-plot svg.main-svg").length;
          return { errors, stderr, align, svgs };
        });
        if (process.env.HERITAGE_SCREENSHOTS) {
          await mkdir(process.env.HERITAGE_SCREENSHOTS, { recursive: true });
          await page.screenshot({ path: path.join(process.env.HERITAGE_SCREENSHOTS, `${name}.png`), fullPage: true });
          // Each figure and table on its own, as a reader sees them.
          const shots = await page.$$(".jp-OutputArea-output:has(.heritage-figure), .jp-OutputArea-output:has(table.heritage-table)");
          for (const [k, el] of shots.entries()) {
            await el.scrollIntoViewIfNeeded();
            await el.screenshot({ path: path.join(process.env.HERITAGE_SCREENSHOTS, `${name}-output-${k}.png`) });
          }
        }
        console.log(`${name}: ran in ${runS.toFixed(1)} s; ${figures.count} figures drawn as SVG; ${report.align.length} table cells`);
        assert.deepEqual(report.errors, [], "no cell shows an error");
        assert.deepEqual(report.stderr, [], "no cell shows stderr (progress and log lines are displays)");
        assert.ok(report.svgs >= figures.count, `${report.svgs} plotly SVGs for ${figures.count} figures`);
        assert.ok(report.align.length > 0, "the notebook shows tables");
        for (const a of report.align) assert.equal(a.align, a.numeric ? "right" : "left", JSON.stringify(a));
        assert.deepEqual(pageErrors, [], "no JavaScript error in the page");
      } finally {
        await browser.close();
      }
    });
  }
});
