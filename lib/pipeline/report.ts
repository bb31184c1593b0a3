/**
 * report.html: every table and figure of a run in one offline page (plotly.js inlined once,
 * images embedded), plus each figure exported beside it as standalone HTML (and PNG/SVG when
 * Chromium is installed) under figures/.
 */
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import type { ExperimentConfig } from "../config/experiment.js";
import type { EpochRecord } from "../gan/train.js";
import { figureDivHtml, tableHtml } from "../plot/display.js";
import { chromiumAvailable, closeBrowser, saveFigure } from "../plot/export.js";
import type { Figure } from "../plot/figure.js";
import { escapeHtml } from "../plot/plotly-source.js";
import { saveComparisonFigure } from "../study/figure.js";
import { caseImagePaths } from "../study/run-study.js";
import { readJson, writeFileAtomic } from "../util/fs.js";
import { info } from "../util/log.js";
import { initSegment, kKey, runLayoutAt } from "./layout.js";
import type { RunSummary } from "./summary.js";
import { comparisonRows, ganCurvesFigure, kidFigure, kidTableRows, lossFigure, pooledKidRows, powerRows, studyBarFigure, studyTableRows, sweepFigures } from "./views.js";

async function imgTag(file: string, alt: string, width?: number): Promise<string> {
  if (!existsSync(file)) return `<p><em>missing: ${escapeHtml(file)}</em></p>`;
  const b64 = (await fsp.readFile(file)).toString("base64");
  return `<img alt="${escapeHtml(alt)}" src="data:image/png;base64,${b64}"${width ? ` style="width:${width}px;image-rendering:pixelated"` : ""}>`;
}

/** The Table-2-style figure: damaged | general | clustered | classic | original. */
export async function writeComparisonFigure(summary: RunSummary, cfg: ExperimentConfig): Promise<string | null> {
  const layout = runLayoutAt(summary.runDir);
  const studyDir = layout.study;
  const rows = await fsp.readFile(path.join(studyDir, "results.jsonl"), "utf8").catch(() => "");
  const keys = [...new Set(rows.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { key: string }).key))];
  const firstMask = summary.study.masks[0];
  const chosen = keys.filter((k) => k.endsWith(`|${firstMask}`)).slice(0, cfg.study.figureImages);
  if (chosen.length === 0) return null;
  const shown = ["general", "clustered", "clustered-scratch", "clustered-transfer", "telea"];
  const cols = ["damaged", ...shown.filter((m) => summary.study.methods.includes(m)), "original"];
  const variants = { scratch: "Clustered GANs (scratch)", transfer: "Clustered GANs (transfer)" };
  const names: Record<string, string> = {
    damaged: "Damaged",
    general: "General DCGAN",
    // "clustered" is whichever variant gan.clusterInit trains.
    clustered: variants[initSegment(cfg.gan.clusterInit)],
    "clustered-scratch": variants.scratch,
    "clustered-transfer": variants.transfer,
    telea: "Telea (classic)",
    original: "Original",
  };
  const titles = cols.map((c) => names[c] ?? c);
  const file = `${layout.figure("table2-comparison")}.png`;
  await saveComparisonFigure(file, {
    titles,
    rows: chosen.map((k) => {
      const p = caseImagePaths(studyDir, k, cols);
      return cols.map((c) => p[c]!);
    }),
    rowLabels: chosen.map((k) => k.split("|")[0]!),
  });
  return file;
}

export async function writeReport(summary: RunSummary, cfg: ExperimentConfig): Promise<string> {
  const layout = runLayoutAt(summary.runDir);
  const figures: { id: string; title: string; fig: Figure }[] = [];
  const histories: { name: string; history: EpochRecord[] }[] = [];
  for (const t of summary.training) {
    const dir = layout.ganDir(t.name);
    const hist = await readJson<EpochRecord[]>(path.join(dir, "history.json")).catch(() => []);
    histories.push({ name: t.name, history: hist });
  }
  figures.push({ id: "losses", title: "GAN training losses", fig: lossFigure(histories) });
  figures.push({ id: "psnr-hole", title: "PSNR on the hole", fig: studyBarFigure(summary.study, "psnrHole") });
  figures.push({ id: "ssim-hole", title: "SSIM on the hole", fig: studyBarFigure(summary.study, "ssimHole") });
  if (summary.sweep.length > 1) {
    const s = sweepFigures(summary.sweep);
    figures.push({ id: "k-sweep-quality", title: "Quality against K", fig: s.quality });
    figures.push({ id: "k-sweep-cost", title: "Training cost against K", fig: s.cost });
  }
  for (const f of figures) await saveFigure(f.fig, layout.figure(f.id), { title: f.title });
  // KID per GAN (summary.kid is null with study.kidSamples = 0, absent in runs made before it).
  const kid = summary.kid ?? null;
  const kidFig = kid && kid.models.length ? kidFigure(kid) : null;
  if (kidFig) await saveFigure(kidFig, layout.figure("kid"), { title: "KID per GAN" });
  if (chromiumAvailable()) await closeBrowser();
  else info("report: Chromium not installed, figures exported as HTML only (apt-get install chromium for PNG/SVG)");
  const table2 = await writeComparisonFigure(summary, cfg);

  const r = summary.record;
  const parts: string[] = [];
  parts.push(`<h1>heritage-inpaint: ${escapeHtml(cfg.name)}</h1>`);
  if (cfg.description) parts.push(`<p>${escapeHtml(cfg.description)}</p>`);
  parts.push(
    tableHtml(
      [
        { field: "started", value: r.startedAt },
        { field: "backend", value: r.backend ? `${r.backend.name} (${r.backend.provider}, ${r.backend.threads} threads)` : "-" },
        { field: "commit", value: `${r.commit ?? "unknown"}${r.dirty ? " (uncommitted changes)" : ""}` },
        { field: "machine", value: `${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, ${r.machine.platform}` },
        { field: "versions", value: Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(", ") },
        { field: "seed", value: r.seed },
        { field: "stage seconds", value: Object.entries(summary.stageSeconds).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ") },
      ],
      { caption: "Run" },
    ),
  );
  parts.push(`<h2>Data</h2><p>${summary.data.images} images in ${escapeHtml(summary.data.dir)} (${summary.data.labels.length} labels: ${escapeHtml(summary.data.labels.join(", "))}); ${summary.data.train} for training, ${summary.data.test} held out${summary.data.validation ? `, ${summary.data.validation} held out as a validation set (for choosing settings; not in these results)` : ""}.</p>`);
  parts.push("<h2>Clusters</h2>");
  parts.push(
    tableHtml(
      summary.clusterings.map((c) => ({
        K: c.k,
        sizes: c.sizes.join(" "),
        ARI: c.metrics.ari,
        NMI: c.metrics.nmi,
        silhouette: c.metrics.silhouette,
        "routing agreement": summary.routingAccuracy[kKey(c.k)] ?? null,
      })),
      { caption: "k-means on the training paintings' features (ARI/NMI against the style labels; routing: cluster from visible pixels = cluster of the undamaged painting)" },
    ),
  );
  for (const c of summary.clusterings) {
    const u = layout.umap(c.k);
    if (existsSync(u)) parts.push(`<p>UMAP view for K = ${c.k}: <a href="${escapeHtml(path.relative(summary.runDir, u))}">${escapeHtml(path.relative(summary.runDir, u))}</a></p>`);
  }
  parts.push("<h2>Training</h2>");
  parts.push(
    tableHtml(
      summary.training.map((t) => ({ model: t.name, images: t.images, epochs: t.epochs, seconds: t.seconds, warnings: t.warnings.join("; ") })),
      { caption: "DCGANs trained (general = baseline on all training images)" },
    ),
  );
  parts.push(figureDivHtml(figures[0]!.fig, { withPlotly: true }));
  parts.push('<div class="grids">');
  for (const t of summary.training) {
    const dir = layout.ganDir(t.name);
    const samples = path.join(dir, "samples");
    const last = existsSync(samples) ? (await fsp.readdir(samples)).sort().at(-1) : undefined;
    if (last) parts.push(`<figure>${await imgTag(path.join(samples, last), t.name, 256)}<figcaption>${escapeHtml(t.name)} (${escapeHtml(last)})</figcaption></figure>`);
  }
  parts.push("</div>");
  parts.push("<h2>Completion study</h2>");
  parts.push(tableHtml(studyTableRows(summary.study), { caption: "Mean [95 % interval] per method and mask (images in [0, 1])", maxRows: 200 }));
  parts.push(tableHtml(comparisonRows(summary.study), { caption: "Paired differences (a - b) on the same cases: positive PSNR/SSIM and negative L1 favour a", maxRows: 200 }));
  parts.push(
    tableHtml(powerRows(summary.study), {
      caption: "Power on the hole PSNR: the smallest difference these cases detect (paired t, two-sided alpha 0.05, power 0.8), and the cases a test would need for the observed difference. A difference smaller than the detectable one is not shown either way.",
      maxRows: 200,
    }),
  );
  parts.push("<h3>GAN quality: KID and training curves</h3>");
  if (kid && kidFig) {
    parts.push(`<p>KID (Binkowski et al. 2018, unbiased MMD<sup>2</sup> with the cubic polynomial kernel) of ${kid.samples} samples per GAN against its cluster's held-out paintings, x 1000, with 95 % percentile-bootstrap intervals (${kid.bootstrap} resamples). <strong>${escapeHtml(kid.note)}.</strong> The floor is real against real (held-out vs training paintings of the same cluster, same sizes): a GAN near its floor is as close to the paintings as more paintings would be.</p>`);
    parts.push(tableHtml(kidTableRows(kid), { caption: "KID per GAN (lower is better; unbiased, so it can be negative near 0)", maxRows: 200 }));
    if (kid.pooled?.length) {
      parts.push(
        tableHtml(pooledKidRows(kid), {
          caption:
            "KID of each method as a whole against the same held-out paintings: the general GAN's samples, and for a clustered method a mixture of its cluster GANs' samples in proportion to the clusters' training images; minus general with a paired-bootstrap interval and two-sided p (negative favours the clustered method)",
          maxRows: 50,
        }),
      );
    }
    parts.push(figureDivHtml(kidFig));
  } else parts.push("<p>No KID measured (study.kidSamples = 0).</p>");
  parts.push('<div class="curves">');
  for (const h of histories) if (h.history.length) parts.push(`<div>${figureDivHtml(ganCurvesFigure(h.name, h.history))}</div>`);
  parts.push("</div>");
  for (const f of figures.slice(1, 3)) parts.push(figureDivHtml(f.fig));
  if (table2) parts.push(`<h3>Examples (as the paper's Table 2)</h3>${await imgTag(table2, "comparison figure")}`);
  if (summary.sweep.length > 1) {
    parts.push("<h2>K sweep</h2>");
    parts.push(tableHtml(summary.sweep as unknown as Record<string, unknown>[], { caption: "Quality and cost against K (K = 1: the general GAN)" }));
    for (const f of figures.slice(3)) parts.push(figureDivHtml(f.fig));
  }
  parts.push(`<h2>Config</h2><pre>${escapeHtml(JSON.stringify(cfg, null, 2))}</pre>`);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(cfg.name)} - heritage-inpaint</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}table.heritage-table{border-collapse:collapse;margin:1em 0}
.heritage-table td,.heritage-table th{border:1px solid #ccc;padding:3px 8px;font-size:13px}caption{text-align:left;font-weight:bold;padding:4px 0}
.grids{display:flex;flex-wrap:wrap;gap:12px}.curves{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:8px}figure{margin:0}img{max-width:100%}</style></head><body>
${parts.join("\n")}
</body></html>`;
  const file = layout.report;
  await writeFileAtomic(file, html);
  info(`report: ${file}`);
  return file;
}
