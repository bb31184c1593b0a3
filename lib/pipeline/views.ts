/**
 * Tables and figures of a run, shared by report.html and the notebooks (so both show the same).
 * Pure functions: summary in, rows / plotly figures out.
 */
import { barFigure, baseLayout, lineFigure, type Figure } from "../plot/figure.js";
import type { EpochRecord } from "../gan/train.js";
import type { KidStageResult } from "./kid-stage.js";
import { METRIC_NAMES, type MetricName, type StudySummary } from "../study/run-study.js";
import { minimalDetectableEffect, pairsNeeded } from "../study/stats.js";
import type { RunSummary } from "./summary.js";

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

/**
 * Power of each comparison on the hole PSNR, per mask: the smallest difference these n cases detect
 * (paired t, two-sided alpha 0.05, power 0.8) and the cases needed to detect the observed difference.
 * A difference below the detectable one is "not shown", not "shown absent".
 */
export function powerRows(s: StudySummary): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const c of s.comparisons) {
    for (const [mask, byMetric] of Object.entries(c.byMask)) {
      const p = byMetric.psnrHole;
      const sd = p.sd ?? (Number.isFinite(p.t) && p.t !== 0 ? (Math.abs(p.meanDiff) / Math.abs(p.t)) * Math.sqrt(p.n) : NaN);
      const need = pairsNeeded(sd, p.meanDiff);
      rows.push({
        comparison: `${c.a} - ${c.b}`,
        mask,
        n: p.n,
        "PSNR hole diff (dB)": f(p.meanDiff, 3),
        "sd of diffs (dB)": f(sd, 3),
        "detectable at this n (dB; 80 % power, alpha 0.05)": f(minimalDetectableEffect(sd, p.n), 3),
        "cases needed for the observed diff": Number.isFinite(need) ? need : "-",
        "p (t)": f(p.pT, 4),
      });
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

/** KID values are small: shown x 1000, as the KID literature does. */
export const KID_SCALE = 1000;

/**
 * One row per GAN: KID x 1000 [95 % bootstrap interval] against its real set, and the real-vs-real
 * floor (held-out vs training paintings of the same cluster) at the same scale.
 */
export function kidTableRows(kid: KidStageResult | null | undefined): Record<string, unknown>[] {
  if (!kid) return [];
  const s = (v: number) => f(v * KID_SCALE, 2);
  return kid.models.map((m) => ({
    model: m.name,
    "KID x 1000 [95 %]": `${s(m.value)} [${s(m.low)}, ${s(m.high)}]`,
    samples: m.n,
    "real set": `${m.against === "held-out" ? "held-out paintings" : "training images (no held-out in cluster)"} (${m.nReal})`,
    "floor: held-out vs training, x 1000 [95 %]": m.floor ? `${s(m.floor.value)} [${s(m.floor.low)}, ${s(m.floor.high)}] (${m.floor.nHeldOut} vs ${m.floor.nTraining})` : "-",
  }));
}

/**
 * One row per method as a whole (summary.kid.pooled): KID x 1000 of the general GAN's samples and of
 * each clustered method's mixture against every held-out painting, and the difference from general
 * with its paired-bootstrap interval and p.
 */
export function pooledKidRows(kid: KidStageResult | null | undefined): Record<string, unknown>[] {
  if (!kid?.pooled) return [];
  const s = (v: number) => f(v * KID_SCALE, 2);
  return kid.pooled.map((p) => ({
    method: p.method,
    "KID x 1000 [95 %]": `${s(p.value)} [${s(p.low)}, ${s(p.high)}]`,
    samples: p.k === null ? p.n : `${p.n} (${Object.values(p.samples).join(" + ")} from ${Object.keys(p.samples).length} cluster GANs)`,
    "held-out paintings": p.nReal,
    "minus general, x 1000 [95 %]": p.vsGeneral ? `${s(p.vsGeneral.value)} [${s(p.vsGeneral.low)}, ${s(p.vsGeneral.high)}]` : "-",
    "p (bootstrap)": p.vsGeneral ? f(p.vsGeneral.p, 4) : "-",
  }));
}

/** KID x 1000 per GAN with the bootstrap interval as asymmetric error bars, and the floor beside it. */
export function kidFigure(kid: KidStageResult): Figure {
  const names = kid.models.map((m) => m.name);
  const bar = (name: string, v: (number | null)[], lo: (number | null)[], hi: (number | null)[]) => ({
    type: "bar",
    name,
    x: names,
    y: v.map((x) => (x === null ? null : x * KID_SCALE)),
    error_y: {
      type: "data",
      symmetric: false,
      array: hi.map((h, i) => (h === null ? 0 : (h - v[i]!) * KID_SCALE)),
      arrayminus: lo.map((l, i) => (l === null ? 0 : (v[i]! - l) * KID_SCALE)),
      visible: true,
    },
  });
  return {
    data: [
      bar("GAN samples vs real", kid.models.map((m) => m.value), kid.models.map((m) => m.low), kid.models.map((m) => m.high)),
      bar("floor: held-out vs training", kid.models.map((m) => m.floor?.value ?? null), kid.models.map((m) => m.floor?.low ?? null), kid.models.map((m) => m.floor?.high ?? null)),
    ],
    layout: { ...baseLayout({ title: `KID x 1000 per GAN (95 % bootstrap interval; ${kid.features}, not Inception)`, xTitle: "model", yTitle: "KID x 1000" }), barmode: "group" },
    config: { responsive: true, displaylogo: false },
  };
}

/** One GAN's training curves per epoch: losses of D and G (left axis) and D(x), D(G(z)) (right axis, 0..1). */
export function ganCurvesFigure(name: string, history: readonly EpochRecord[]): Figure {
  const x = history.map((h) => h.epoch);
  const line = (label: string, y: number[], axis: "y" | "y2", dash?: string) => ({
    type: "scatter",
    mode: "lines",
    name: label,
    x,
    y,
    yaxis: axis,
    line: dash ? { dash } : {},
  });
  const layout = baseLayout({ title: name, xTitle: "epoch", yTitle: "loss", height: 300 }) as Record<string, unknown>;
  layout.yaxis2 = { title: { text: "D output" }, overlaying: "y", side: "right", range: [0, 1] };
  layout.legend = { orientation: "h", y: -0.3 };
  layout.margin = { l: 50, r: 50, t: 40, b: 40 };
  return {
    data: [
      line("loss D", history.map((h) => h.lossD), "y"),
      line("loss G", history.map((h) => h.lossG), "y"),
      line("D(x)", history.map((h) => h.dReal), "y2", "dot"),
      line("D(G(z))", history.map((h) => h.dFake), "y2", "dot"),
    ],
    layout,
    config: { responsive: true, displaylogo: false },
  };
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
