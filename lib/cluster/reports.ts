/**
 * Reports on a fitted clustering, apart from fitting it (./run.ts) so that notebooks and the
 * pipeline can draw them on a model they already have:
 * - `umapReport`: the 2-D UMAP embedding of the features (umap.json with ids, clusters and labels)
 *   and its scatter (.html, or .png/.svg through Chromium);
 * - `routingReport`: how often a damaged painting (holes of 10..50 %, neutrally filled) is routed
 *   to the cluster of the undamaged one (routing.json).
 */
import path from "node:path";
import type { DatasetItem } from "../data/dataset.js";
import { loadImages, type LoadResult } from "../data/load.js";
import { saveFigureHtml, saveFigureImage } from "../plot/export.js";
import type { Figure } from "../plot/figure.js";
import { writeJsonAtomic } from "../util/fs.js";
import { info } from "../util/log.js";
import { createRng, shuffled } from "../util/random.js";
import { normalizeAll, type ClusterModel } from "./model.js";
import type { NeutralFill } from "../inpaint/neutral-fill.js";
import { routingAccuracy, type RoutingExtractor, type RoutingMaskKind, type RoutingRow } from "./route.js";
import { embedUmap, thumbnailDataUri, umapFigure } from "./umap.js";
import type { Vec } from "./vectors.js";

export interface UmapReportOptions {
  /** Folder for umap.json. */
  outDir: string;
  /** Write the scatter here (.html, or .png/.svg through Chromium). */
  out: string;
  /** UMAP seed. Default 0. */
  seed?: number;
  /** Draw thumbnails of the paintings at their UMAP points. Default false. */
  thumbnails?: boolean;
  /** UMAP neighbours (default 15) and minimum distance (default 0.1). */
  umap?: { nNeighbors?: number; minDist?: number };
}

/** Load `items` at `size`, saying how many could not be loaded (each is named by `loadImages`). */
export async function imagesFor(items: readonly DatasetItem[], size: number, label: string): Promise<LoadResult> {
  const got = await loadImages(items, { size, label });
  if (got.skipped.length > 0) info(`${label}: ${got.skipped.length} images could not be loaded and are left out`);
  return got;
}

function hoverText(item: DatasetItem): string {
  const m = item.meta;
  const parts = [m.title, m.artist, m.date].filter((s) => s && s.trim()).map(escapeHtml);
  return [`<b>${escapeHtml(item.relPath)}</b>`, ...parts].join("<br>");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Embed the clustered features with UMAP, write umap.json (`{ id, label, cluster, x, y }` per
 * item) in `outDir` and the scatter at `out`. `features` are the raw features of `items`, aligned
 * with `model.ids`; they are normalised as the model was. Returns the files written and the
 * scatter (`figure`, for a notebook to show).
 */
export async function umapReport(
  model: ClusterModel,
  features: readonly Vec[],
  items: readonly DatasetItem[],
  opts: UmapReportOptions,
): Promise<{ umapJson: string; umap: string; figure: Figure }> {
  if (features.length !== items.length || items.length !== model.labels.length) {
    throw new Error(`umapReport: ${features.length} feature rows and ${items.length} items for a model of ${model.labels.length} images`);
  }
  const X = normalizeAll(model.normalization, features);
  const emb = embedUmap(X, { seed: opts.seed ?? 0, ...opts.umap });
  const umapJson = path.join(opts.outDir, "umap.json");
  await writeJsonAtomic(umapJson, items.map((it, i) => ({ id: it.id, label: it.label, cluster: model.labels[i], x: emb[i][0], y: emb[i][1] })));
  let thumbs: string[] | undefined;
  if (opts.thumbnails) {
    const got = await loadImages(items, { size: 64, label: "thumbnails" });
    if (got.items.length === items.length) thumbs = await Promise.all(got.images.map((im) => thumbnailDataUri(im, 48)));
    else info(`thumbnails: ${items.length - got.items.length} images failed to load; figure drawn without thumbnails`);
  }
  const fig = umapFigure(emb, {
    clusters: model.labels,
    labels: model.truth,
    hoverText: items.map(hoverText),
    thumbnails: thumbs,
    title: `UMAP of ${model.extractor} features (${model.normalization.kind}), k = ${model.k}`,
  });
  const ext = path.extname(opts.out).toLowerCase();
  if (ext === ".png" || ext === ".svg") await saveFigureImage(fig, opts.out, { width: 1000, height: 750 });
  else await saveFigureHtml(fig, opts.out);
  return { umapJson, umap: opts.out, figure: fig };
}

export interface RoutingReportOptions {
  /** Folder for routing.json. */
  outDir: string;
  /** Seed for the subset and the masks. Default 0. */
  seed?: number;
  /** Images per feature extraction batch. Default 16. */
  batch?: number;
  /** Hole fractions. Default [0.1, 0.2, 0.3, 0.4, 0.5]. */
  holeFractions?: number[];
  /** Fill methods. Default ["mean", "blur"]. */
  fills?: NeutralFill[];
  /** Mask shapes. Default ["square"]. */
  maskKinds?: RoutingMaskKind[];
  /** Route a random subset of this many images (features cost time). Default all. */
  limit?: number;
}

/**
 * Routing accuracy of damaged images of `items` (the clustered images, aligned with the model)
 * under `model`, with the extractor the model was made with (images are loaded at its
 * `inputSize`). Writes routing.json in `outDir`; returns the rows and the file.
 */
export async function routingReport(
  model: ClusterModel,
  extractor: RoutingExtractor & { readonly inputSize: number },
  items: readonly DatasetItem[],
  opts: RoutingReportOptions,
): Promise<{ rows: RoutingRow[]; file: string }> {
  const seed = opts.seed ?? 0;
  const all = items.map((_, i) => i);
  const pick = opts.limit && opts.limit < items.length ? shuffled(all, createRng(seed)).slice(0, opts.limit).sort((a, b) => a - b) : all;
  const got = await imagesFor(pick.map((i) => items[i]), extractor.inputSize, "routing images");
  const rows = await routingAccuracy({
    extractor,
    images: got.images,
    centers: model.centers,
    normalization: model.normalization,
    holeFractions: opts.holeFractions,
    fills: opts.fills,
    maskKinds: opts.maskKinds,
    seed,
    batch: opts.batch ?? 16,
    onRow: (row) => info(`routing ${row.maskKind} hole ${(row.holeFraction * 100).toFixed(0)} % ${row.fill}: ${(row.accuracy * 100).toFixed(1)} % agree (${row.agree}/${row.n})`),
  });
  const file = path.join(opts.outDir, "routing.json");
  await writeJsonAtomic(file, rows);
  return { rows, file };
}
