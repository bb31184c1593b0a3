/**
 * Tables and figures of a run, shared by report.html and the notebooks (so both show the same).
 * Pure functions: summary in, rows / plotly figures out.
 */
import { barFigure, lineFigure, type Figure } from "../plot/figure.js";
import type { EpochRecord } from "../gan/train.js";
import { METRIC_NAMES, type MetricName, type StudySummary } from "../study/run-study.js";
import type { RunSummary } from "./run.js";

const METRIC_LABEL: Record<MetricName, string> = {
  psnr: "PSNR (dB)",
  ssim: "SSIM",
  l1: "L1",
  psnrHole: "PSNR hole (dB)",
  ssimHole: "SSIM hole",
  l1Hole: "L1 hole",
};

const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : "-");

/** One row per method x mask: mean [95 % interval] of every metric. */
export function studyTableRows(s: StudySummary): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const mask of [...s.masks, "all"]) {
    for (const m of s.methods) {
      const st = s.stats[m]?.[mask];
      if (!st) continue;
      const row: Record<string, unknown> = { mask, method: m, n: st.psnr.n };
      for (const n of METRIC_NAMES) {
        const d = n.startsWith("psnr") ? 2 : 4;
        row[METRIC_LABEL[n]] = `${f(st[n].mean, d)} [${f(st[n].lo, d)}, ${f(st[n].hi, d)}]`;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** One row per comparison x mask: mean paired difference on the hole metrics with p-values. */
export function comparisonRows(s: StudySummary): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const c of s.comparisons) {
    for (const [mask, byMetric] of Object.entries(c.byMask)) {
      const row: Record<string, unknown> = { comparison: `${c.a} - ${c.b}`, mask, n: byMetric.psnrHole.n };
      for (const n of ["psnrHole", "ssimHole", "l1Hole"] as const) {
        const p = byMetric[n];
        row[`${METRIC_LABEL[n]} diff`] = `${f(p.meanDiff, 4)} [${f(p.lo, 4)}, ${f(p.hi, 4)}]`;
        row[`p t / Wilcoxon (${n})`] = `${f(p.pT, 4)} / ${f(p.pWilcoxon, 4)}`;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Bars of one metric per mask, one colour per method, with 95 % intervals. */
export function studyBarFigure(s: StudySummary, metric: MetricName = "psnrHole"): Figure {
  return barFigure(
    s.methods.map((m) => ({
      name: m,
      x: s.masks,
      y: s.masks.map((k) => s.stats[m]![k]![metric].mean),
      error: s.masks.map((k) => {
        const st = s.stats[m]![k]![metric];
        return Number.isFinite(st.hi) ? st.hi - st.mean : 0;
      }),
    })),
    { title: `${METRIC_LABEL[metric]} by mask and method (mean, 95 % interval)`, xTitle: "mask", yTitle: METRIC_LABEL[metric] },
  );
}

/** Loss curves per model (D and G), epochs on x. */
export function lossFigure(histories: { name: string; history: EpochRecord[] }[]): Figure {
  const series = histories.flatMap(({ name, history }) => [
    { name: `${name} D`, x: history.map((h) => h.epoch), y: history.map((h) => h.lossD) },
    { name: `${name} G`, x: history.map((h) => h.epoch), y: history.map((h) => h.lossG) },
  ]);
  return lineFigure(series, { title: "GAN losses per epoch", xTitle: "epoch", yTitle: "loss" });
}

/** Completion quality and training cost against K (K = 1 is the general GAN). */
export function sweepFigures(rows: RunSummary["sweep"]): { quality: Figure; cost: Figure } {
  const r = rows.slice().sort((a, b) => a.k - b.k);
  return {
    quality: lineFigure(
      [
        { name: "PSNR hole (dB)", x: r.map((x) => x.k), y: r.map((x) => x.psnrHole) },
      ],
      { title: "Completion quality against K (K = 1: general GAN)", xTitle: "K (clusters = GANs)", yTitle: "PSNR on the hole (dB)" },
    ),
    cost: lineFigure(
      [{ name: "training seconds", x: r.map((x) => x.k), y: r.map((x) => x.trainSeconds) }],
      { title: "Training cost against K", xTitle: "K", yTitle: "seconds (all GANs of that K)" },
    ),
  };
}
