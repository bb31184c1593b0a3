/**
 * Headless notebook runs, papermill style: execute notebooks in order, each in a fresh tslab
 * executor (its own Node process, cwd = the notebook's folder), with parameters injected after the
 * cell tagged `parameters`; write the executed copies with their outputs; stop at the first
 * failing cell and report its index, its source and the real error.
 */
import { fork, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { writeFileAtomicSync, writeJsonAtomic } from "../util/fs.js";
import { KERNELSPEC_NAME } from "../plot/kernelspec-plotly.js";
import { plotlySource } from "../plot/plotly-source.js";
import { info, warn } from "../util/log.js";
import { sourceText, writeNotebook, readNotebook, type CodeCell, type Notebook, type Output } from "./ipynb.js";
import { injectParameters, notebookParameters } from "./params.js";
import type { WorkerCellResult, WorkerJob } from "./worker.js";

/** Options of {@link runNotebooks}. */
export interface RunNotebooksOptions {
  /** Notebook files to run, in this order. */
  notebooks: string[];
  /**
   * Parameter overrides, applied to every notebook that declares them in its `parameters` cell.
   * A parameter no notebook declares is an error (a typo would otherwise be silently ignored).
   */
  params?: Record<string, unknown>;
  /**
   * Values applied only to notebooks that declare them, never an error, and overridden by
   * `params` (the CLI passes `runDir`, the run's results folder, this way).
   */
  defaults?: Record<string, unknown>;
  /** Folder for the executed copies (same file names) and `run.json`. Created if missing. */
  outDir: string;
  /** Copy cell output to stderr while it runs. Default true. */
  echo?: boolean;
  /** Kill a notebook that runs longer than this many seconds (0 = no limit). Default 0. */
  timeoutS?: number;
  /** Extra environment variables for the notebook processes. */
  env?: Record<string, string>;
  /**
   * Also write `<name>.html` beside each executed copy (figures drawn, works offline) with
   * `jupyter nbconvert --to html`; skipped with a warning when nbconvert is not installed. Default false.
   */
  html?: boolean;
}

/** Where and why a notebook failed. */
export interface CellFailure {
  /** Index of the failing cell in the executed copy (0-based, counting markdown cells). */
  cellIndex: number;
  /** Its execution number (1 = first code cell run). */
  executionCount: number | null;
  /** Source of the failing cell. */
  source: string;
  /** Error class name ("Error", "TypeError", "TypeScriptError" for compile errors, "Timeout", "Crash"). */
  ename: string;
  /** Error message. */
  evalue: string;
  /** Stack trace or compiler messages, one line each. */
  traceback: string[];
}

/** Outcome of one notebook. */
export interface NotebookRunResult {
  /** The source notebook. */
  notebook: string;
  /** The executed copy written (absent when skipped). */
  output?: string;
  /** "ok" when every cell ran, "failed" at the first failing cell, "skipped" after an earlier failure. */
  status: "ok" | "failed" | "skipped";
  /** Code cells executed successfully. */
  executedCells: number;
  /** Code cells in the (injected) notebook. */
  codeCells: number;
  /** Wall seconds, including starting tslab. */
  durationS: number;
  /** Parameters applied to this notebook. */
  applied: string[];
  /** The failure, when status is "failed". */
  failure?: CellFailure;
}

/** Outcome of a run. */
export interface RunNotebooksResult {
  /** True when every notebook ran to the end. */
  ok: boolean;
  /** The output folder. */
  outDir: string;
  /** One entry per notebook, in order. */
  results: NotebookRunResult[];
}

const WORKER = fileURLToPath(new URL("./worker.js", import.meta.url));

interface WorkerOutcome {
  cells: WorkerCellResult[];
  done: boolean;
  fatal?: string;
  timedOut: boolean;
  exitCode: number | null;
  stderrTail: string;
}

function runWorker(cwd: string, job: WorkerJob, opts: { timeoutS: number; env?: Record<string, string> }): Promise<WorkerOutcome> {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], {
      cwd,
      // Figures load plotly.js from the Jupyter server (small executed copies) unless told otherwise.
      env: { ...process.env, HERITAGE_NOTEBOOK: "1", HERITAGE_PLOTLY: process.env.HERITAGE_PLOTLY || "kernelspec", ...(opts.env ?? {}) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
    });
    const outcome: WorkerOutcome = { cells: [], done: false, timedOut: false, exitCode: null, stderrTail: "" };
    const keepTail = (chunk: Buffer): void => {
      outcome.stderrTail = (outcome.stderrTail + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout!.on("data", keepTail);
    child.stderr!.on("data", (chunk: Buffer) => {
      keepTail(chunk);
      if (job.echo) process.stderr.write(chunk);
    });
    child.on("message", (msg: { type: string } & Record<string, unknown>) => {
      if (msg.type === "hello") child.send(job);
      else if (msg.type === "cell") outcome.cells.push(msg as unknown as WorkerCellResult);
      else if (msg.type === "done") outcome.done = true;
      else if (msg.type === "fatal") outcome.fatal = String(msg.message);
    });
    let timer: NodeJS.Timeout | null = null;
    if (opts.timeoutS > 0) {
      timer = setTimeout(() => {
        outcome.timedOut = true;
        child.kill("SIGKILL");
      }, opts.timeoutS * 1000);
    }
    child.on("exit", (code) => {
      if (timer) clearTimeout(timer);
      outcome.exitCode = code;
      resolve(outcome);
    });
    child.on("error", (err) => {
      outcome.fatal = `cannot start the notebook worker: ${err.message}`;
    });
  });
}

/**
 * Convert an executed notebook to standalone HTML with nbconvert. Returns the HTML file, or null
 * (with a warning) when nbconvert is missing or fails.
 */
export function notebookToHtml(file: string): string | null {
  const r = spawnSync("jupyter", ["nbconvert", "--to", "html", "--log-level=WARN", file], { encoding: "utf8", timeout: 300_000 });
  if (r.error || r.status !== 0) {
    warn(`no HTML for ${file}: ${r.error ? "jupyter nbconvert is not installed (apt-get install jupyter-nbconvert)" : r.stderr.trim().split("\n").slice(-1)[0]}`);
    return null;
  }
  const html = file.replace(/\.ipynb$/, ".html");
  inlinePlotlyInHtml(html);
  return html;
}

/**
 * Figures of the "kernelspec" plotly mode load plotly.js from a Jupyter server, which a page opened
 * from disk does not have: put the bundle into the page's <head> once, so the HTML copy stays
 * readable offline. Pages that already carry plotly.js (mode "inline") or have no figure are left alone.
 */
export function inlinePlotlyInHtml(file: string): void {
  const page = readFileSync(file, "utf8");
  if (!page.includes(`kernelspecs/${KERNELSPEC_NAME}/plotly.min.js`) || /plotly\.js v\d/.test(page)) return;
  const at = page.search(/<\/head>/i);
  if (at < 0) return;
  writeFileAtomicSync(file, `${page.slice(0, at)}<script type="text/javascript">${plotlySource()}</script>\n${page.slice(at)}`);
}

/** Text of a multi-line report of a failure (what the CLI prints). */
export function formatFailure(notebook: string, f: CellFailure): string {
  const src = f.source
    .split("\n")
    .map((l, i) => `  ${String(i + 1).padStart(3)} | ${l}`)
    .join("\n");
  const trace = f.traceback.length ? f.traceback.map((l) => `  ${l}`).join("\n") : `  ${f.ename}: ${f.evalue}`;
  return [
    `notebook ${notebook} failed at cell ${f.cellIndex}${f.executionCount ? ` (execution ${f.executionCount})` : ""}:`,
    src,
    `${f.ename}: ${f.evalue}`,
    trace,
  ].join("\n");
}

/** Run one notebook; writes its executed copy to `output`. */
export async function runNotebook(
  file: string,
  output: string,
  opts: { params?: Record<string, unknown>; echo?: boolean; timeoutS?: number; env?: Record<string, string> } = {},
): Promise<NotebookRunResult> {
  const t0 = Date.now();
  const source = await readNotebook(file);
  const { notebook, injectedIndex, applied } = injectParameters(source, opts.params ?? {});
  const codeIdx = notebook.cells.flatMap((c, i) => (c.cell_type === "code" ? [i] : []));
  // Start from a clean copy: no outputs from an earlier session.
  for (const i of codeIdx) {
    const c = notebook.cells[i] as CodeCell;
    c.outputs = [];
    c.execution_count = null;
  }
  const job: WorkerJob = {
    type: "run",
    echo: opts.echo ?? true,
    cells: codeIdx.map((i) => ({ index: i, source: sourceText(notebook.cells[i]!.source), quiet: i === injectedIndex })),
  };
  const outcome = await runWorker(path.dirname(path.resolve(file)), job, { timeoutS: opts.timeoutS ?? 0, env: opts.env });

  let failure: CellFailure | undefined;
  let executed = 0;
  for (const r of outcome.cells) {
    const cell = notebook.cells[r.index] as CodeCell;
    cell.outputs = r.outputs;
    cell.execution_count = r.executionCount;
    cell.metadata.heritage = { duration_s: Number(r.durationS.toFixed(3)), status: r.ok ? "ok" : "error" };
    if (r.ok) {
      executed++;
    } else {
      const err = r.outputs.find((o) => o.output_type === "error") as Extract<Output, { output_type: "error" }> | undefined;
      failure = {
        cellIndex: r.index,
        executionCount: r.executionCount,
        source: sourceText(cell.source),
        ename: err?.ename ?? "Error",
        evalue: err?.evalue ?? "the cell failed",
        traceback: err?.traceback ?? [],
      };
    }
  }
  if (!failure && !outcome.done) {
    // The process died or was killed inside a cell: blame the first cell that did not report.
    const next = codeIdx[outcome.cells.length];
    const ename = outcome.timedOut ? "Timeout" : "Crash";
    const evalue = outcome.timedOut
      ? `the notebook ran longer than ${opts.timeoutS} s and was stopped`
      : outcome.fatal ?? `the notebook process exited with code ${outcome.exitCode} (out of memory or killed?)`;
    const traceback = outcome.stderrTail.trim() ? outcome.stderrTail.trim().split("\n").slice(-20) : [];
    failure = {
      cellIndex: next ?? -1,
      executionCount: null,
      source: next === undefined ? "" : sourceText(notebook.cells[next]!.source),
      ename,
      evalue,
      traceback,
    };
    if (next !== undefined) {
      const cell = notebook.cells[next] as CodeCell;
      cell.outputs = [{ output_type: "error", ename, evalue, traceback }];
    }
  }
  const durationS = (Date.now() - t0) / 1000;
  notebook.metadata.heritage_run = {
    source: path.resolve(file),
    parameters: Object.fromEntries(applied.map((k) => [k, opts.params![k]])),
    injected_cell: injectedIndex,
    status: failure ? "failed" : "ok",
    failed_cell: failure?.cellIndex ?? null,
    duration_s: Number(durationS.toFixed(2)),
    finished: new Date().toISOString(),
  };
  await writeNotebook(output, notebook);
  return {
    notebook: file,
    output,
    status: failure ? "failed" : "ok",
    executedCells: executed,
    codeCells: codeIdx.length,
    durationS,
    applied,
    ...(failure ? { failure } : {}),
  };
}

/**
 * Run notebooks in order, writing each executed copy into `outDir` under its own file name plus a
 * `run.json` summary. Stops at the first failing cell: later notebooks are "skipped", and the
 * failure (cell index, source, real error) is printed to stderr and returned.
 */
export async function runNotebooks(opts: RunNotebooksOptions): Promise<RunNotebooksResult> {
  const params = opts.params ?? {};
  if (opts.notebooks.length === 0) throw new Error("no notebooks to run");
  const loaded: Notebook[] = [];
  for (const f of opts.notebooks) loaded.push(await readNotebook(f));
  const declared = new Set(loaded.flatMap((nb) => notebookParameters(nb).map((d) => d.name)));
  const unknown = Object.keys(params).filter((k) => !declared.has(k));
  if (unknown.length) {
    throw new Error(
      `parameter${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} not declared in the parameters cell of any notebook run ` +
        `(declared: ${[...declared].join(", ") || "none"})`,
    );
  }
  const results: NotebookRunResult[] = [];
  let failed = false;
  for (const file of opts.notebooks) {
    if (failed) {
      results.push({ notebook: file, status: "skipped", executedCells: 0, codeCells: 0, durationS: 0, applied: [] });
      continue;
    }
    const output = path.join(opts.outDir, path.basename(file));
    info(`notebook ${path.basename(file)}: running`);
    const r = await runNotebook(file, output, {
      params: { ...(opts.defaults ?? {}), ...params },
      echo: opts.echo ?? true,
      timeoutS: opts.timeoutS ?? 0,
      ...(opts.env ? { env: opts.env } : {}),
    });
    results.push(r);
    if (opts.html && r.output) notebookToHtml(r.output);
    if (r.failure) {
      failed = true;
      process.stderr.write(`\n${formatFailure(file, r.failure)}\nexecuted copy: ${output}\n`);
    } else {
      info(`notebook ${path.basename(file)}: ok, ${r.executedCells} cells in ${r.durationS.toFixed(1)} s -> ${output}`);
    }
  }
  const summary: RunNotebooksResult = { ok: !failed, outDir: opts.outDir, results };
  await writeJsonAtomic(path.join(opts.outDir, "run.json"), { ...summary, params, defaults: opts.defaults ?? {}, finished: new Date().toISOString() });
  return summary;
}

