/**
 * plotly.js in the repository kernelspec folder, for figures in the "kernelspec" plotly mode
 * (./display.ts): Jupyter serves a kernelspec's files at `<base_url>kernelspecs/<name>/<file>`,
 * so a copy of node_modules' bundle there is served offline by any Jupyter started with
 * JUPYTER_PATH=notebooks/jupyter. A copy, not a symlink: Jupyter's file handler (tornado >= 6.5.9)
 * refuses symlinks that point outside the kernelspec folder. The copy is not committed (.gitignore).
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { writeFileAtomicSync } from "../util/fs.js";
import { projectRoot } from "../util/paths.js";
import { plotlyBundlePath } from "./plotly-source.js";

/** Name of the repository kernelspec, whose folder the Jupyter server serves plotly.js from. */
export const KERNELSPEC_NAME = "tslab";

/** The repository kernelspec folder (notebooks/jupyter/kernels/tslab). */
export function kernelspecDir(): string {
  return path.join(projectRoot(), "notebooks", "jupyter", "kernels", KERNELSPEC_NAME);
}

/**
 * Copy the plotly.js bundle to `<dir>/plotly.min.js` unless an identical-size copy newer than the
 * bundle is there. Returns the file. Throws with the path when the folder cannot be written.
 */
export function ensureKernelspecPlotly(dir = kernelspecDir()): string {
  const src = plotlyBundlePath();
  const dest = path.join(dir, "plotly.min.js");
  const s = statSync(src);
  try {
    const d = statSync(dest);
    if (d.size === s.size && d.mtimeMs >= s.mtimeMs) return dest;
  } catch {
    // not there yet
  }
  try {
    writeFileAtomicSync(dest, readFileSync(src));
  } catch (err) {
    throw new Error(`cannot copy plotly.js to ${dest} (${(err as Error).message}); check that the folder is writable`);
  }
  return dest;
}
