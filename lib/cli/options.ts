/**
 * Shared option handling of the `heritage` commands: number parsers (one message style:
 * `--flag must be ... , got "v"`), the `--set a.b=value` config overrides, and the one way a stage
 * command (`cluster`, `train`, `study`, `run`, and `complete`) resolves its config and run folder.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parseExperiment, type ExperimentConfig } from "../config/experiment.js";
import { deepMerge, parseSetArgs } from "../config/overrides.js";
import { resolveRunLayout, type RunLayout } from "../pipeline/layout.js";
import { readJson } from "../util/fs.js";
import { projectRoot } from "../util/paths.js";

/** An integer in [lo, hi] (a commander argument parser; `--name` is named in the error). */
export function intOption(name: string, lo: number, hi: number): (v: string) => number {
  return (v) => parseIntOption(name, v, lo, hi);
}

/** `v` as an integer in [lo, hi], else an error naming `--name`. */
export function parseIntOption(name: string, v: unknown, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === "number" ? v : Number(v);
  if (String(v).trim() === "" || !Number.isInteger(n) || n < lo || n > hi) {
    const range = hi >= Number.MAX_SAFE_INTEGER ? `>= ${lo}` : `in ${lo}..${hi}`;
    throw new Error(`--${name} must be an integer ${range}, got "${String(v)}"`);
  }
  return n;
}

/** A finite number in [lo, hi] (a commander argument parser). */
export function numberOption(name: string, lo: number, hi: number): (v: string) => number {
  return (v) => parseNumberOption(name, v, lo, hi);
}

/** `v` as a finite number in [lo, hi], else an error naming `--name`. */
export function parseNumberOption(name: string, v: unknown, lo: number, hi = Number.POSITIVE_INFINITY): number {
  const n = typeof v === "number" ? v : Number(v);
  if (String(v).trim() === "" || !Number.isFinite(n) || n < lo || n > hi) {
    const range = hi === Number.POSITIVE_INFINITY ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    throw new Error(`--${name} must be a number ${range}, got "${String(v)}"`);
  }
  return n;
}

/** `v` as a finite number > 0, else an error naming `--name`. */
export function parsePositiveNumber(name: string, v: unknown): number {
  const n = typeof v === "number" ? v : Number(v);
  if (String(v).trim() === "" || !Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${String(v)}"`);
  return n;
}

/** Comma-separated numbers, each in the open interval (lo, hi). */
export function openIntervalList(name: string, lo: number, hi: number): (v: string) => number[] {
  return (v) => {
    const xs = v.split(",").map((s) => Number(s.trim()));
    if (xs.length === 0 || xs.some((x) => !(x > lo && x < hi))) throw new Error(`--${name} must be comma-separated numbers in (${lo}, ${hi}), got "${v}"`);
    return xs;
  };
}

/** Collect a repeatable option (commander: `.option("--set <a.b=v>", "...", collect, [])`). */
export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** The options every stage command takes. */
export interface StageCliOptions {
  /** Experiment config file (relative to the working directory). */
  config?: string;
  /** Run name (results/<name>) or a run folder (a path with a slash). */
  run?: string;
  /** Run folder (wins over --run). */
  out?: string;
  /** `a.b=value` overrides, merged over the config as a notebook's `overrides` are. */
  set?: string[];
}

/** What {@link resolveStageConfig} found. */
export interface ResolvedStage {
  cfg: ExperimentConfig;
  layout: RunLayout;
  /** Where the config came from (a file, the run's config.json, or "defaults"). */
  source: string;
}

/**
 * The config and run folder of a stage command: the config file (`--config`), else the run's own
 * config.json when `--run`/`--out` names a run made before, else `fallbackConfig`; then `extra`
 * (flags that map onto config fields) and the `--set` overrides merged over it; `--run NAME` sets
 * the run's name. The run folder: `--out`, else `--run` (a name under results/, or a path), else
 * results/<config name>.
 */
export async function resolveStageConfig(o: StageCliOptions, extra: Record<string, unknown> = {}, fallbackConfig?: string): Promise<ResolvedStage> {
  const runIsPath = !!o.run && (o.run.includes("/") || o.run.includes(path.sep) || o.run.startsWith("."));
  const early = o.out || o.run ? resolveRunLayout({ dir: o.out ?? (runIsPath ? o.run : undefined), run: runIsPath ? undefined : o.run, name: "unnamed" }) : null;
  let source = "defaults";
  let raw: Record<string, unknown> = {};
  const file = o.config ?? (early && existsSync(early.config) ? early.config : fallbackConfig);
  if (file) {
    const abs = path.resolve(file);
    if (!existsSync(abs)) throw new Error(`experiment config ${abs} does not exist (--config)`);
    raw = await readJson<Record<string, unknown>>(abs);
    source = abs;
  }
  raw = deepMerge(deepMerge(raw, extra), parseSetArgs(o.set ?? []));
  if (o.run && !runIsPath) raw.name = o.run;
  if (typeof raw.name !== "string") raw.name = early ? path.basename(early.dir) : "unnamed";
  const cfg = parseExperiment(raw, o.set?.length ? `${source} with --set ${o.set.join(" ")}` : source);
  const layout = early ?? resolveRunLayout({ name: cfg.name });
  return { cfg, layout, source };
}

/** The project's default experiment config (what `heritage run` uses without --config). */
export function defaultConfigFile(): string {
  return path.join(projectRoot(), "experiments", "default.json");
}
