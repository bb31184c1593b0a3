/**
 * `clusterDataset`: the clustering stage end to end, as `heritage cluster` and the study run it.
 * List the dataset, compute (or read from the cache) the global features of every painting,
 * cluster them (`fitClusters`), write `clusters.json` (+ `sweep.json`/`sweep.csv` when a sweep
 * ran), and optionally a UMAP figure and the routing accuracy of damaged images.
 *
 * Files that cannot be read or decoded are left out, each named on a line and listed in the
 * summary's `skipped`. K is checked against the images before any feature is computed: a K above
 * the image count, or a minimum cluster size that leaves room for one cluster only (k-means would
 * merge every cluster into one, and a "K = 2" clustering would be the general GAN again), is
 * refused naming the setting; a minimum size that merges some clusters is said, with the effective K.
 *
 * Files in `outDir`: clusters.json (the ClusterModel), sweep.json and sweep.csv, umap.json (the
 * 2-D embedding with ids, clusters and labels, for notebooks), routing.json, summary.json.
 */
import path from "node:path";
import { formatCsv } from "../data/csv.js";
import { listDataset, type DatasetItem } from "../data/dataset.js";
import type { ImageArray } from "../data/image.js";
import { loadImages } from "../data/load.js";
import { extractFeaturesDetailed } from "../features/cache.js";
import type { FeatureExtractor } from "../features/extractor.js";
import { createExtractor, DEFAULT_EXTRACTOR } from "../features/registry.js";
import { saveFigureHtml, saveFigureImage } from "../plot/export.js";
import { writeFileAtomic, writeJsonAtomic } from "../util/fs.js";
import { info, warn } from "../util/log.js";
import { createRng, shuffled } from "../util/random.js";
import { fitClusters, type ClusterMetrics } from "./fit.js";
import { KMEANS_DEFAULTS } from "./kmeans.js";
import { CLUSTER_MODEL_FORMAT, saveClusterModel, type ClusterModel, type NormalizationKind } from "./model.js";
import type { NeutralFill } from "../inpaint/neutral-fill.js";
import { routingAccuracy, type RoutingMaskKind, type RoutingRow } from "./route.js";
import { sweepRowForTable, type KSuggestion, type SweepRow } from "./sweep.js";
import type { MergeRecord } from "./balance.js";
import { embedUmap, thumbnailDataUri, umapFigure } from "./umap.js";

export interface ClusterDatasetOptions {
  /** Dataset folder (manifest.csv, label subfolders, or flat). */
  data: string;
  /** Cluster only these items of the dataset (e.g. a training split) instead of listing `data`. */
  items?: readonly DatasetItem[];
  /** Folder for clusters.json and the other outputs. */
  outDir: string;
  /** Feature extractor id. Default the registry's DEFAULT_EXTRACTOR (works offline). */
  extractor?: string;
  /** Options for `createExtractor` (pooling, input size...). Default {}. */
  extractorOptions?: Record<string, unknown>;
  /** Number of clusters; required unless `sweep` is given (then the suggested K is used). */
  k?: number;
  /** K values to sweep. */
  sweep?: number[];
  /** Feature normalisation (see ./model.ts). Default "l2". */
  normalization?: NormalizationKind;
  /** Seed for k-means, gap references, UMAP and routing masks. Default 0. */
  seed?: number;
  /** k-means restarts. Default 10. */
  nInit?: number;
  /** Dissolve clusters smaller than this (0 = off). Default 0. */
  minSize?: number;
  /**
   * How errors and warnings name K and the minimum size: the command line's flags (default
   * `{ k: "--k", sweep: "--sweep", minSize: "--min-size" }`) or a config's fields ("cluster.k", ...).
   */
  names?: { k?: string; sweep?: string; minSize?: string };
  /** Size-balanced k-means. Default false. */
  balanced?: boolean;
  /** Gap statistic reference sets in a sweep (0 or false = skip). Default 10. */
  gapRefs?: number | false;
  /** Use only the first N images of the listing. Default all. */
  limit?: number;
  /** Images per feature extraction batch. Default 16. */
  batch?: number;
  /** Recompute features even when cached. Default false. */
  refresh?: boolean;
  /** Write a UMAP scatter here (.html, or .png/.svg through Chromium). Default none. */
  umapOut?: string;
  /** Draw thumbnails of the paintings at their UMAP points. Default false. */
  thumbnails?: boolean;
  /** UMAP neighbours (default 15) and minimum distance (default 0.1). */
  umap?: { nNeighbors?: number; minDist?: number };
  /** Measure routing accuracy of damaged images (holes 10..50 %). Default off. */
  routing?: {
    /** Hole fractions. Default [0.1, 0.2, 0.3, 0.4, 0.5]. */
    holeFractions?: number[];
    /** Fill methods. Default ["mean", "blur"]. */
    fills?: NeutralFill[];
    /** Mask shapes. Default ["square"]. */
    maskKinds?: RoutingMaskKind[];
    /** Route a random subset of this many images (features cost time). Default all. */
    limit?: number;
  };
}

/** What `clusterDataset` did (also printed by `heritage cluster --json`). */
export interface ClusterDatasetSummary {
  data: string;
  n: number;
  extractor: string;
  extractorOptions: Record<string, unknown>;
  dim: number;
  normalization: NormalizationKind;
  /** K asked for or suggested; `k` is the final number after min-size merging. */
  kRequested: number;
  k: number;
  sizes: number[];
  metrics: ClusterMetrics;
  /** Labels of the dataset (ARI / NMI are against these), empty when unlabelled. */
  labels: string[];
  suggestion?: KSuggestion;
  sweep?: Omit<SweepRow, "labels">[];
  merged: MergeRecord[];
  /** Files left out because they cannot be read or decoded, with the reason. */
  skipped: { file: string; reason: string }[];
  routing?: RoutingRow[];
  /** Feature extraction: computed vs cached and ms per image. */
  features: { computed: number; cached: number; msPerImage: number | null };
  files: Record<string, string>;
}

function hoverText(item: DatasetItem): string {
  const m = item.meta;
  const parts = [m.title, m.artist, m.date].filter((s) => s && s.trim()).map(escapeHtml);
  return [`<b>${escapeHtml(item.relPath)}</b>`, ...parts].join("<br>");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

async function imagesFor(items: DatasetItem[], size: number, label: string): Promise<{ items: DatasetItem[]; images: ImageArray[]; skipped: { file: string; reason: string }[] }> {
  const got = await loadImages(items, { size, label });
  if (got.skipped.length > 0) info(`${label}: ${got.skipped.length} images could not be loaded and are left out`);
  return { items: got.items, images: got.images, skipped: got.skipped };
}

/**
 * Refuse a K that cannot give K clusters of `n` images: K above n, or a minimum size that leaves
 * room for one cluster only (it would merge everything into one). `k` is the smallest K > 1 asked for.
 */
export function checkClusterCounts(n: number, o: { k?: number; sweep?: number[]; minSize?: number; names?: ClusterDatasetOptions["names"]; skipped?: number }): void {
  const names = { k: "--k", sweep: "--sweep", minSize: "--min-size", ...o.names };
  const after = o.skipped ? ` (${o.skipped} undecodable file(s) left out)` : "";
  if (o.k !== undefined && o.k > n) throw new Error(`${names.k} = ${o.k} is larger than the ${n} images to cluster${after}; use ${names.k} <= ${n}`);
  const tooBig = (o.sweep ?? []).filter((k) => k > n);
  if (tooBig.length) throw new Error(`${names.sweep} has K = ${tooBig.join(", ")}, larger than the ${n} images to cluster${after}; use K <= ${n}`);
  const ks = [...(o.k !== undefined ? [o.k] : []), ...(o.sweep ?? [])].filter((k) => k > 1);
  const minSize = o.minSize ?? 0;
  if (ks.length === 0 || minSize <= 0) return;
  const k = Math.min(...ks);
  if (2 * minSize > n) {
    throw new Error(
      `${names.minSize} = ${minSize} leaves room for one cluster of ${n} images only: k-means would merge all K = ${k} clusters into one ` +
        `(the "clustered" GAN would be the general GAN again). Use ${names.minSize} <= ${Math.floor(n / k)} (${n} images / K = ${k}), or 0 to turn it off`,
    );
  }
}

/** Run the clustering stage on a dataset folder (see the module comment). */
export async function clusterDataset(opts: ClusterDatasetOptions): Promise<ClusterDatasetSummary> {
  return (await clusterDatasetModel(opts)).summary;
}

/** `clusterDataset` that also returns the fitted model it wrote, so callers need not read clusters.json back. */
export async function clusterDatasetModel(opts: ClusterDatasetOptions): Promise<{ summary: ClusterDatasetSummary; model: ClusterModel }> {
  let items = opts.items ? opts.items.slice() : (await listDataset(opts.data)).items;
  if (opts.limit !== undefined && opts.limit > 0) items = items.slice(0, opts.limit);
  if (items.length < 2) throw new Error(`${opts.data}: ${items.length} images found; clustering needs at least 2`);
  const counts = { k: opts.k, sweep: opts.sweep, minSize: opts.minSize, names: opts.names };
  checkClusterCounts(items.length, counts); // before any feature is computed
  const seed = opts.seed ?? 0;
  const extractorId = opts.extractor ?? DEFAULT_EXTRACTOR;
  const ex: FeatureExtractor = await createExtractor(extractorId, opts.extractorOptions ?? {});
  try {
    const skipped: { file: string; reason: string }[] = [];
    if (ex.fit) {
      const got = await imagesFor(items, ex.inputSize, `fit ${ex.id}`);
      skipped.push(...got.skipped);
      items = got.items;
      await ex.fit(got.images);
    }
    const feats = await extractFeaturesDetailed(ex, items, { batch: opts.batch ?? 16, refresh: opts.refresh, skipBad: true });
    skipped.push(...feats.skipped);
    items = feats.items;
    if (skipped.length > 0) {
      info(`cluster: ${skipped.length} file(s) cannot be read or decoded and are left out: ${skipped.map((s) => s.file).join(", ")}`);
      if (items.length < 2) throw new Error(`${opts.data}: ${items.length} decodable images (${skipped.length} left out); clustering needs at least 2`);
      checkClusterCounts(items.length, { ...counts, skipped: skipped.length });
    }
    const labels = items.map((i) => i.label);
    const hasLabels = labels.some((l) => l !== null);
    const fit = fitClusters(feats.features, {
      k: opts.k,
      sweep: opts.sweep,
      normalization: opts.normalization ?? "l2",
      seed,
      nInit: opts.nInit ?? KMEANS_DEFAULTS.nInit,
      minSize: opts.minSize ?? 0,
      balanced: opts.balanced ?? false,
      gapRefs: opts.gapRefs === 0 ? false : opts.gapRefs,
      labels: hasLabels ? labels : undefined,
      onSweepRow: (r) =>
        info(`k=${r.k}: inertia ${r.inertia.toFixed(2)}, silhouette ${r.silhouette?.toFixed(3) ?? "-"}, DB ${r.daviesBouldin?.toFixed(3) ?? "-"}, CH ${r.calinskiHarabasz?.toFixed(1) ?? "-"}, gap ${r.gap?.toFixed(3) ?? "-"}${r.ari !== undefined ? `, ARI ${r.ari.toFixed(3)}, NMI ${r.nmi!.toFixed(3)}` : ""}`),
    });
    if (fit.k < fit.kRequested) {
      const names = { minSize: "--min-size", ...opts.names };
      const msg = `${names.minSize} = ${opts.minSize ?? 0} dissolved ${fit.kRequested - fit.k} of K = ${fit.kRequested} clusters (sizes now ${fit.sizes.join(" ")})`;
      if (fit.k === 1) {
        throw new Error(`${msg}: one cluster is left, the general GAN again. Use ${names.minSize} <= ${Math.floor(items.length / fit.kRequested)} (${items.length} images / K = ${fit.kRequested}), or 0 to turn it off`);
      }
      warn(`${msg}: the effective K is ${fit.k}, not ${fit.kRequested}`);
    }
    const files: Record<string, string> = {};
    let extractorFiles: Record<string, string> | undefined;
    const saver = ex as Partial<{ saveVocabulary(file: string): Promise<void> }>;
    if (ex.fit && typeof saver.saveVocabulary === "function") {
      // A fitted extractor (visual vocabulary) must be restorable for routing: keep it beside clusters.json.
      files.vocabulary = path.join(opts.outDir, "vocabulary.json");
      await saver.saveVocabulary(files.vocabulary);
      extractorFiles = { vocabulary: "vocabulary.json" };
    }
    const model: ClusterModel = {
      format: CLUSTER_MODEL_FORMAT,
      extractor: ex.id,
      extractorOptions: ex.options,
      extractorCreateOptions: opts.extractorOptions ?? {},
      extractorFiles,
      imageSize: ex.inputSize,
      normalization: fit.normalization,
      k: fit.k,
      centers: fit.result.centers.map((c) => Array.from(c)),
      ids: items.map((i) => i.id),
      labels: Array.from(fit.result.labels),
      sizes: fit.sizes,
      truth: hasLabels ? labels : undefined,
      metrics: fit.metrics,
      settings: {
        data: opts.data,
        seed,
        nInit: opts.nInit ?? KMEANS_DEFAULTS.nInit,
        kRequested: fit.kRequested,
        sweep: opts.sweep ?? null,
        minSize: opts.minSize ?? 0,
        balanced: opts.balanced ?? false,
        merged: fit.merged,
      },
      createdAt: new Date().toISOString(),
    };
    files.clusters = path.join(opts.outDir, "clusters.json");
    await saveClusterModel(files.clusters, model);
    const sweepTable = fit.sweep?.map(sweepRowForTable);
    if (sweepTable) {
      files.sweep = path.join(opts.outDir, "sweep.json");
      await writeJsonAtomic(files.sweep, { suggestion: fit.suggestion, rows: sweepTable });
      const cols = ["k", "inertia", "silhouette", "daviesBouldin", "calinskiHarabasz", "gap", "gapSk", "ari", "nmi", "purity", "sizes"];
      const csv = formatCsv(
        cols,
        sweepTable.map((r) => Object.fromEntries(cols.map((c) => {
          const v = (r as Record<string, unknown>)[c];
          return [c, v === undefined || v === null ? "" : Array.isArray(v) ? v.join(" ") : String(v)];
        }))),
      );
      files.sweepCsv = path.join(opts.outDir, "sweep.csv");
      await writeFileAtomic(files.sweepCsv, csv);
    }

    if (opts.umapOut) {
      const emb = embedUmap(fit.X, { seed, ...opts.umap });
      files.umapJson = path.join(opts.outDir, "umap.json");
      await writeJsonAtomic(files.umapJson, items.map((it, i) => ({ id: it.id, label: it.label, cluster: fit.result.labels[i], x: emb[i][0], y: emb[i][1] })));
      let thumbs: string[] | undefined;
      if (opts.thumbnails) {
        const got = await loadImages(items, { size: 64, label: "thumbnails" });
        if (got.items.length === items.length) thumbs = await Promise.all(got.images.map((im) => thumbnailDataUri(im, 48)));
        else info(`thumbnails: ${items.length - got.items.length} images failed to load; figure drawn without thumbnails`);
      }
      const fig = umapFigure(emb, {
        clusters: fit.result.labels,
        labels: hasLabels ? labels : undefined,
        hoverText: items.map(hoverText),
        thumbnails: thumbs,
        title: `UMAP of ${ex.id} features (${fit.normalization.kind}), k = ${fit.k}`,
      });
      const ext = path.extname(opts.umapOut).toLowerCase();
      if (ext === ".png" || ext === ".svg") await saveFigureImage(fig, opts.umapOut, { width: 1000, height: 750 });
      else await saveFigureHtml(fig, opts.umapOut);
      files.umap = opts.umapOut;
    }

    let routing: RoutingRow[] | undefined;
    if (opts.routing) {
      const r = opts.routing;
      const pick = r.limit && r.limit < items.length ? shuffled(items.map((_, i) => i), createRng(seed)).slice(0, r.limit).sort((a, b) => a - b) : items.map((_, i) => i);
      const { images } = await imagesFor(pick.map((i) => items[i]), ex.inputSize, "routing images");
      routing = await routingAccuracy({
        extractor: ex,
        images,
        centers: fit.result.centers,
        normalization: fit.normalization,
        holeFractions: r.holeFractions,
        fills: r.fills,
        maskKinds: r.maskKinds,
        seed,
        batch: opts.batch ?? 16,
        onRow: (row) => info(`routing ${row.maskKind} hole ${(row.holeFraction * 100).toFixed(0)} % ${row.fill}: ${(row.accuracy * 100).toFixed(1)} % agree (${row.agree}/${row.n})`),
      });
      files.routing = path.join(opts.outDir, "routing.json");
      await writeJsonAtomic(files.routing, routing);
    }

    const summary: ClusterDatasetSummary = {
      data: opts.data,
      n: items.length,
      extractor: ex.id,
      extractorOptions: ex.options,
      dim: ex.dim(),
      normalization: fit.normalization.kind,
      kRequested: fit.kRequested,
      k: fit.k,
      sizes: fit.sizes,
      metrics: fit.metrics,
      labels: [...new Set(labels.filter((l): l is string => l !== null))].sort(),
      suggestion: fit.suggestion,
      sweep: sweepTable,
      merged: fit.merged,
      skipped,
      routing,
      features: { computed: feats.computed, cached: feats.cached, msPerImage: feats.msPerImage },
      files,
    };
    files.summary = path.join(opts.outDir, "summary.json");
    await writeJsonAtomic(files.summary, summary);
    return { summary, model };
  } finally {
    ex.dispose();
  }
}
