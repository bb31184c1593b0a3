/**
 * Jupyter with the repository's tslab kernel, no global registration: the kernelspec lives in
 * `notebooks/jupyter/kernels/tslab/kernel.json` and is found through JUPYTER_PATH. Its argv runs
 * `node {resource_dir}/../../../../node_modules/tslab/bin/tslab kernel`, i.e. this checkout's tslab.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { ensureKernelspecPlotly } from "../plot/kernelspec-plotly.js";
import { projectRoot } from "../util/paths.js";

/** The folder to put on JUPYTER_PATH (holds kernels/tslab/kernel.json). */
export function jupyterPathDir(): string {
  return path.join(projectRoot(), "notebooks", "jupyter");
}

/** Environment with the repository's kernelspec folder prepended to JUPYTER_PATH. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const prev = base.JUPYTER_PATH;
  return { ...base, JUPYTER_PATH: prev ? `${jupyterPathDir()}${path.delimiter}${prev}` : jupyterPathDir() };
}

function hasSubcommand(sub: string): boolean {
  const r = spawnSync("jupyter", [sub, "--version"], { stdio: "ignore", timeout: 30_000 });
  return r.status === 0;
}

/** The Jupyter front end installed: "lab", "notebook", or null when neither is. */
export function jupyterFrontend(): "lab" | "notebook" | null {
  if (hasSubcommand("lab")) return "lab";
  if (hasSubcommand("notebook")) return "notebook";
  return null;
}

/** Message when no front end is installed. */
export const NO_JUPYTER_MESSAGE =
  "Jupyter is not installed. Install a front end, e.g. `apt-get install -y --no-install-recommends jupyter-notebook` " +
  "(Debian) or `pip install jupyterlab`, then run `npm run notebook` again. The kernelspec needs no registration: " +
  `it is in notebooks/jupyter and found through JUPYTER_PATH.`;

/** Options of {@link openJupyter}. */
export interface OpenJupyterOptions {
  /** Front end to start; default: lab when installed, else notebook. */
  frontend?: "lab" | "notebook";
  /** Extra arguments for jupyter (e.g. ["--no-browser", "--port=8890"]). */
  args?: string[];
}

/**
 * Start Jupyter in the project root with the repository's kernelspec on JUPYTER_PATH; resolves
 * with its exit code when it stops. Throws {@link NO_JUPYTER_MESSAGE} when no front end is installed.
 */
export async function openJupyter(opts: OpenJupyterOptions = {}): Promise<number> {
  const frontend = opts.frontend ?? jupyterFrontend();
  if (!frontend) throw new Error(NO_JUPYTER_MESSAGE);
  const root = projectRoot();
  if (!existsSync(path.join(root, "dist", "lib"))) {
    throw new Error("the notebooks import the compiled library from dist/: run `npm run build` first");
  }
  // Figures of the repository kernel load plotly.js from the kernelspec folder (HERITAGE_PLOTLY=kernelspec).
  ensureKernelspecPlotly();
  const args = [frontend, ...(opts.args ?? [])];
  // Jupyter refuses to start as root (containers) unless told to.
  if (process.getuid?.() === 0 && !args.includes("--allow-root")) args.push("--allow-root");
  const child = spawn("jupyter", args, { cwd: root, env: jupyterEnv(), stdio: "inherit" });
  return new Promise((resolve, reject) => {
    child.on("error", (err) => reject(new Error(`cannot start jupyter ${frontend}: ${err.message}`)));
    child.on("exit", (code) => resolve(code ?? 1));
  });
}
