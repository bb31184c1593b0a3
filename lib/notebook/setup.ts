/**
 * The first code cell every study notebook runs after its parameters: resolve the experiment
 * config (a JSON file, plus overrides), pick the run folder that the notebooks share, and start
 * tfjs. Kept here so the six notebooks stay thin and agree with `heritage run`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parseExperiment, type ExperimentConfig } from "../config/experiment.js";
import { deepMerge } from "../config/overrides.js";
import { resolveRunLayout, type RunLayout } from "../pipeline/layout.js";
import { initBackend, type BackendInfo } from "../runtime/backend.js";
import { readJson } from "../util/fs.js";
import { info } from "../util/log.js";
import { projectRoot } from "../util/paths.js";

/** Options of {@link notebookSetup} (the notebooks' parameters). */
export interface NotebookSetupOptions {
  /**
   * Experiment config file, relative to the project root (or absolute), e.g.
   * "experiments/default.json" or "experiments/ci.json". Empty: the schema's defaults.
   */
  config?: string;
  /** Values merged over the config (deep for objects), e.g. `{ gan: { epochs: 2 } }`. Default {}. */
  overrides?: Record<string, unknown>;
  /** Run name (`config.name`); default: the config's name, else "notebooks". */
  run?: string;
  /**
   * Folder shared by the notebooks of one run (split, features, clusters, GANs, study).
   * Default results/<run name>. `heritage notebooks run` passes results/<--run>.
   */
  runDir?: string;
  /** Start tfjs (default true). */
  backend?: boolean;
}

/** What {@link notebookSetup} returns. */
export interface NotebookSetup {
  /** The validated experiment config (defaults filled in). */
  cfg: ExperimentConfig;
  /** Absolute run folder. */
  runDir: string;
  /** Every path and job name of the run (../pipeline/layout.ts). */
  layout: RunLayout;
  /** Absolute project root. */
  root: string;
  /** The tfjs backend in use (null when `backend: false`). */
  backend: BackendInfo | null;
}

/** The one merge of config overrides (also `--set a.b=value` on the command line). */
export { deepMerge };

/** Resolve the config, the run folder and the backend for a study notebook. */
export async function notebookSetup(opts: NotebookSetupOptions = {}): Promise<NotebookSetup> {
  const root = projectRoot();
  let raw: Record<string, unknown> = {};
  let source = "defaults";
  if (opts.config) {
    const file = path.isAbsolute(opts.config) ? opts.config : path.join(root, opts.config);
    if (!existsSync(file)) throw new Error(`experiment config ${file} does not exist (parameter "config")`);
    raw = await readJson<Record<string, unknown>>(file);
    source = file;
  }
  raw = deepMerge(raw, opts.overrides ?? {});
  raw.name = opts.run || (typeof raw.name === "string" && raw.name) || "notebooks";
  const cfg = parseExperiment(raw, source);
  const layout = resolveRunLayout({ dir: opts.runDir || undefined, name: cfg.name, base: root });
  const runDir = layout.dir;
  const backend = opts.backend === false ? null : await initBackend();
  info(`notebook setup: config ${source}, run folder ${runDir}`);
  return { cfg, runDir, layout, root, backend };
}
