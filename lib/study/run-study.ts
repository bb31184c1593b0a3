/**
 * The completion study: every case (held-out painting x mask) completed by every method, measured
 * (PSNR, SSIM, L1 on the whole image and on the hole, in [0, 1]), resumable, and summarised.
 *
 * Files in `outDir`:
 *   results.jsonl    one line per (case, method) as it finishes (the journal a rerun resumes from)
 *   made.json        what the rows were made from (settings, cases, models); a rerun with other
 *                    settings is refused, naming what differs, instead of mixing old and new rows
 *   per-image.csv    the same rows as a table
 *   summary.json     mean and 95 % interval per method and mask; paired differences (e.g. clustered
 *                    minus general) per mask and metric with paired t and Wilcoxon p-values
 *   images/          damaged, completed and original PNGs per case (for figures)
 */
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { formatCsv } from "../data/csv.js";
import { saveImagePng } from "../data/encode.js";
import { toUnitRange, type ImageArray } from "../data/image.js";
import { applyMask } from "../masks/index.js";
import { allMetrics, type MetricValues } from "../metrics/index.js";
import { readJson, writeFileAtomic, writeJsonAtomic } from "../util/fs.js";
import { reuseOrRefuse, type StageRecord } from "../util/reuse.js";
import { warn } from "../util/log.js";
import { progress } from "../util/progress.js";
import type { StudyCase } from "./cases.js";
import type { CompletionMethod } from "./methods.js";
import { meanCI, pairedTest, type MeanCI, type PairedTest } from "./stats.js";

export const METRIC_NAMES = ["psnr", "ssim", "l1", "psnrHole", "ssimHole", "l1Hole"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface StudyRow extends MetricValues {
  key: string;
  image: string;
  label: string | null;
  mask: string;
  holeFraction: number;
  method: string;
  model: string;
  loss: number | null;
  seconds: number;
}

export interface StudySummary {
  methods: string[];
  masks: string[];
  cases: number;
  /** stats[method][mask][metric] */
  stats: Record<string, Record<string, Record<MetricName, MeanCI>>>;
  /** Paired differences a - b for each comparison, per mask (and "all") and metric. */
  comparisons: { a: string; b: string; byMask: Record<string, Record<MetricName, PairedTest>> }[];
}

export interface RunStudyOptions {
  outDir: string;
  /** Pairs compared with paired tests, e.g. [["clustered", "general"], ["clustered", "telea"]]. */
  comparisons?: [string, string][];
  /** Save PNGs of every case (default true). */
  saveImages?: boolean;
  /**
   * What the rows are made from (completion settings, seed, ...; plain JSON), kept in made.json.
   * A journal made from other settings is refused. `models` (job name -> when it was trained) is
   * compared on the names both sides have, so adding a method is not a difference.
   */
  made?: StageRecord & { models?: Record<string, string | null> };
}

/** Refuse a journal made from other settings (see RunStudyOptions.made); record them for a new one. */
async function checkMade(outDir: string, journalExists: boolean, made: NonNullable<RunStudyOptions["made"]>): Promise<void> {
  const file = path.join(outDir, "made.json");
  if (journalExists && existsSync(file)) {
    const old = await readJson<RunStudyOptions["made"] & object>(file);
    const common = (a: Record<string, string | null> = {}, b: Record<string, string | null> = {}) =>
      Object.fromEntries(Object.keys(a).filter((k) => k in b).sort().map((k) => [k, a[k]]));
    const recorded = { ...old, models: common(old.models, made.models) };
    const wanted = { ...made, models: common(made.models, old.models) };
    reuseOrRefuse("study", outDir, recorded, wanted);
    await writeJsonAtomic(file, { ...made, models: { ...old.models, ...made.models } });
    return;
  }
  if (journalExists) warn(`${outDir}: results.jsonl was written before studies recorded their settings; its rows are reused as they are (delete the folder if the completion settings changed since)`);
  await writeJsonAtomic(file, made);
}

function safeName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/** Run (or resume) the study; returns every row and the summary. */
export async function runStudy(cases: StudyCase[], methods: CompletionMethod[], opts: RunStudyOptions): Promise<{ rows: StudyRow[]; summary: StudySummary }> {
  await fsp.mkdir(opts.outDir, { recursive: true });
  const journal = path.join(opts.outDir, "results.jsonl");
  const rows: StudyRow[] = [];
  if (opts.made) await checkMade(opts.outDir, existsSync(journal), opts.made);
  if (existsSync(journal)) {
    const lines = (await fsp.readFile(journal, "utf8")).split("\n");
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        rows.push(JSON.parse(line) as StudyRow);
      } catch {
        // a line cut by a kill: that case is simply redone
      }
    }
  }
  const done = new Set(rows.map((r) => `${r.key}#${r.method}`));
  const saveImages = opts.saveImages ?? true;
  const imgDir = path.join(opts.outDir, "images");
  if (saveImages) {
    for (const c of cases) {
      const base = path.join(imgDir, safeName(c.key));
      if (!existsSync(`${base}__original.png`)) {
        await saveImagePng(c.image, `${base}__original.png`);
        await saveImagePng(applyMask(toUnitRange(c.image), c.mask, 1), `${base}__damaged.png`, "unit");
      }
    }
  }
  const todo = methods.map((m) => ({ m, cases: cases.filter((c) => !done.has(`${c.key}#${m.name}`)) }));
  const total = todo.reduce((s, t) => s + t.cases.length, 0);
  const bar = progress("study", total);
  for (const { m, cases: mc } of todo) {
    const groups = new Map<string, StudyCase[]>();
    for (const c of mc) {
      const g = m.groupOf(c);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g)!.push(c);
    }
    const chunks: [string, StudyCase[]][] = [];
    for (const [g, all] of groups) {
      const size = m.batchSize ?? all.length;
      for (let i = 0; i < all.length; i += size) chunks.push([g, all.slice(i, i + size)]);
    }
    for (const [g, gc] of chunks) {
      const completed = await m.complete(g, gc);
      const lines: string[] = [];
      for (let i = 0; i < gc.length; i++) {
        const c = gc[i]!;
        const out = completed[i]!;
        const met = allMetrics(toUnitRange(c.image), toUnitRange(out.image), c.mask);
        const row: StudyRow = {
          key: c.key,
          image: c.item.id,
          label: c.item.label,
          mask: c.maskName,
          holeFraction: c.mask.data.reduce((s, v) => s + v, 0) / c.mask.data.length,
          method: m.name,
          model: out.model,
          loss: out.loss ?? null,
          seconds: out.seconds,
          ...met,
        };
        rows.push(row);
        lines.push(JSON.stringify(row));
        if (saveImages) {
          const base = path.join(imgDir, safeName(c.key));
          await saveImagePng(out.image, `${base}__${m.name}.png`);
        }
      }
      await fsp.appendFile(journal, lines.join("\n") + "\n");
      bar.tick(gc.length, `${m.name} ${g}`);
    }
  }
  bar.stop();
  const keys = new Set(cases.map((c) => c.key));
  const names = new Set(methods.map((m) => m.name));
  const current = rows.filter((r) => keys.has(r.key) && names.has(r.method));
  const summary = summarize(current, opts.comparisons ?? []);
  await writeJsonAtomic(path.join(opts.outDir, "summary.json"), summary);
  const cols = ["key", "image", "label", "mask", "holeFraction", "method", "model", "loss", "seconds", ...METRIC_NAMES];
  await writeFileAtomic(
    path.join(opts.outDir, "per-image.csv"),
    formatCsv(
      cols,
      current.map((r) => Object.fromEntries(cols.map((c) => [c, fmt((r as unknown as Record<string, unknown>)[c])]))),
    ),
  );
  return { rows: current, summary };
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);
  return String(v);
}

/** Mean/CI per method x mask (and mask "all"), and paired comparisons. */
export function summarize(rows: readonly StudyRow[], comparisons: readonly [string, string][]): StudySummary {
  const methods = [...new Set(rows.map((r) => r.method))];
  const masks = [...new Set(rows.map((r) => r.mask))];
  const maskGroups = [...masks, "all"];
  const stats: StudySummary["stats"] = {};
  for (const m of methods) {
    stats[m] = {};
    for (const k of maskGroups) {
      const sel = rows.filter((r) => r.method === m && (k === "all" || r.mask === k));
      stats[m]![k] = Object.fromEntries(METRIC_NAMES.map((n) => [n, meanCI(sel.map((r) => r[n] ?? NaN))])) as Record<MetricName, MeanCI>;
    }
  }
  const comps: StudySummary["comparisons"] = [];
  for (const [a, b] of comparisons) {
    if (!methods.includes(a) || !methods.includes(b)) continue;
    const byMask: Record<string, Record<MetricName, PairedTest>> = {};
    for (const k of maskGroups) {
      const ra = new Map(rows.filter((r) => r.method === a && (k === "all" || r.mask === k)).map((r) => [r.key, r]));
      const rb = rows.filter((r) => r.method === b && (k === "all" || r.mask === k) && ra.has(r.key));
      byMask[k] = Object.fromEntries(
        METRIC_NAMES.map((n) => [n, pairedTest(rb.map((r) => ra.get(r.key)![n] ?? NaN), rb.map((r) => r[n] ?? NaN))]),
      ) as Record<MetricName, PairedTest>;
    }
    comps.push({ a, b, byMask });
  }
  return { methods, masks, cases: new Set(rows.map((r) => r.key)).size, stats, comparisons: comps };
}

/** Load a completed case's PNG set for figures: damaged, each method, original. */
export function caseImagePaths(outDir: string, key: string, methods: readonly string[]): Record<string, string> {
  const base = path.join(outDir, "images", safeName(key));
  const out: Record<string, string> = { damaged: `${base}__damaged.png`, original: `${base}__original.png` };
  for (const m of methods) out[m] = `${base}__${m}.png`;
  return out;
}

export type { ImageArray };
