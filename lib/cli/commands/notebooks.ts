/**
 * `heritage notebooks list|run|open`: the study's notebooks (notebooks/NN_name.ipynb) listed, run
 * headless with parameters (papermill style, executed copies in results/<run>/notebooks/), or
 * opened in Jupyter with the repository's tslab kernel.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { listNotebooks, resolveNotebooks } from "../../notebook/catalog.js";
import { openJupyter } from "../../notebook/jupyter.js";
import { parseParamArgs } from "../../notebook/params.js";
import { runNotebooks } from "../../notebook/run.js";
import { warn } from "../../util/log.js";
import { runLayout } from "../../pipeline/layout.js";
import { parseNumberOption } from "../options.js";
import { projectRoot } from "../../util/paths.js";

/** The notebooks import ../dist/lib: say so when this CLI runs from another build or dist is missing. */
function checkDist(notebooks: string[]): void {
  const root = projectRoot();
  const dist = path.join(root, "dist", "lib");
  const own = path.resolve(fileURLToPath(new URL("../../", import.meta.url)));
  const inRepo = notebooks.some((f) => path.dirname(path.resolve(f)) === path.join(root, "notebooks"));
  if (!inRepo) return;
  if (!existsSync(dist)) throw new Error("the notebooks import the compiled library from dist/: run `npm run build` first");
  if (own !== dist) warn(`this CLI runs from ${path.relative(root, own)}, but the notebooks import dist/lib: run \`npm run build\` if lib/ changed`);
}

interface RunCliOptions {
  param: string[];
  run?: string;
  out?: string;
  timeout: string;
  quiet?: boolean;
  json?: boolean;
  html?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

export function register(program: Command): void {
  const cmd = program
    .command("notebooks")
    .description("The study's notebooks (notebooks/NN_name.ipynb): list them, run them headless with parameters, or open Jupyter.");

  cmd
    .command("list")
    .description("List the notebooks in run order with their title and the parameters they declare.")
    .option("--json", "print a JSON array on stdout instead of a table")
    .action((opts: { json?: boolean }) => {
      const all = listNotebooks();
      if (opts.json) {
        process.stdout.write(JSON.stringify(all.map((e) => ({ ...e, file: path.relative(projectRoot(), e.file) }))) + "\n");
        return;
      }
      if (all.length === 0) {
        process.stdout.write("no notebooks in notebooks/\n");
        return;
      }
      for (const e of all) {
        const params = e.parameters.map((p) => p.name).join(", ") || "-";
        process.stdout.write(`${e.name.padEnd(24)} ${e.title}\n${"".padEnd(24)} parameters: ${params}\n`);
      }
    });

  cmd
    .command("run")
    .description(
      "Execute notebooks top to bottom, in order, each in a fresh tslab executor (cwd = notebooks/), with " +
        "--param values injected after the cell tagged `parameters`. Writes the executed copies with outputs and a " +
        "run.json to results/<run>/notebooks/. Stops at the first failing cell and prints the cell and the real error " +
        "(exit code 1). The notebooks import the compiled library from dist/ (npm run build).",
    )
    .argument("[names...]", 'notebooks to run: number ("3"), stem ("03_features"), short name ("features") or a .ipynb path; default: all')
    .option("-p, --param <key=value>", "override a parameter (value read as JSON when it parses, else a string); repeatable", collect, [])
    .option("--run <name>", "run name: outputs go to results/<name>/notebooks/ (default: notebooks-<UTC timestamp>)")
    .option("--out <dir>", "write the executed notebooks here instead of results/<run>/notebooks/")
    .option("--timeout <seconds>", "stop a notebook that runs longer than this (0 = no limit)", "0")
    .option("--html", "also write an HTML copy of each executed notebook (needs jupyter nbconvert)")
    .option("--quiet", "do not copy cell output to stderr while running")
    .option("--json", "print the run summary as JSON on stdout")
    .action(async (names: string[], opts: RunCliOptions) => {
      const notebooks = resolveNotebooks(names);
      checkDist(notebooks);
      const params = parseParamArgs(opts.param);
      const runName = opts.run ?? `notebooks-${timestamp()}`;
      const runDir = runLayout(runName).dir;
      const outDir = path.resolve(opts.out ?? path.join(runDir, "notebooks"));
      const timeoutS = parseNumberOption("timeout", opts.timeout, 0);
      const summary = await runNotebooks({
        notebooks,
        params,
        defaults: { runDir },
        outDir,
        echo: !opts.quiet,
        timeoutS,
        html: opts.html ?? false,
      });
      if (opts.json) process.stdout.write(JSON.stringify(summary) + "\n");
      else {
        for (const r of summary.results) {
          const what =
            r.status === "skipped"
              ? "skipped"
              : `${r.status}, ${r.executedCells}/${r.codeCells} code cells, ${r.durationS.toFixed(1)} s`;
          process.stdout.write(`${path.basename(r.notebook).padEnd(28)} ${what}\n`);
        }
        process.stdout.write(`executed notebooks: ${outDir}\n`);
      }
      if (!summary.ok) process.exitCode = 1;
    });

  cmd
    .command("open")
    .description(
      "Open Jupyter (lab if installed, else notebook) in the project root with the repository's tslab kernelspec " +
        "(notebooks/jupyter, via JUPYTER_PATH; nothing is registered globally). Same as `npm run notebook`.",
    )
    .option("--frontend <name>", "lab or notebook (default: lab when installed)")
    .option("--no-browser", "do not open a web browser (print the URL only)")
    .allowUnknownOption(false)
    .action(async (opts: { frontend?: string; browser?: boolean }) => {
      if (opts.frontend && opts.frontend !== "lab" && opts.frontend !== "notebook") {
        throw new Error(`--frontend must be lab or notebook, got "${opts.frontend}"`);
      }
      const args = opts.browser === false ? ["--no-browser"] : [];
      const code = await openJupyter({ ...(opts.frontend ? { frontend: opts.frontend as "lab" | "notebook" } : {}), args });
      process.exitCode = code;
    });
}
