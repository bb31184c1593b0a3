/**
 * 2-D views of the feature space: a seeded UMAP embedding (umap-js) and a plotly scatter of it
 * coloured by cluster, with a button to colour by ground-truth label instead, metadata on hover,
 * and optionally the paintings' thumbnails drawn at their points.
 *
 * Thumbnails: plotly's hover labels show text only (no <img>), so thumbnails are drawn as
 * `layout.images` (data-URI images placed in data coordinates at each point). They appear in
 * the HTML figure and in PNG/SVG exports alike; hover still shows the metadata text. They lie
 * below the markers, so each thumbnail carries its cluster (or label) colour as a dot in its
 * centre. Make the data URIs with `thumbnailDataUri`.
 */
import type { Figure } from "../plot/figure.js";
import sharp from "sharp";
import { UMAP } from "umap-js";
import type { ImageArray } from "../data/image.js";
import { createRng } from "../util/random.js";
import { warn } from "../util/log.js";
import type { Vec } from "./vectors.js";

export interface EmbedUmapOptions {
  /** Seed of the random generator given to umap-js; same seed and data give the same layout. Default 0. */
  seed?: number;
  /**
   * Neighbours per point of the k-NN graph: small values keep local detail, large values the
   * global shape. Range 2..100; clamped to n - 1. Default 15 (umap-js default).
   */
  nNeighbors?: number;
  /**
   * Minimum distance between embedded points: small values give tight clumps, large values an
   * even spread. Range 0..0.99. Default 0.1 (umap-js default).
   */
  minDist?: number;
  /** Optimisation epochs; default chosen by umap-js (500 below 10 000 points). */
  nEpochs?: number;
}

/** Embed rows in 2-D with UMAP. Needs at least 3 rows. */
export function embedUmap(X: readonly Vec[], opts: EmbedUmapOptions = {}): number[][] {
  if (X.length < 3) throw new Error(`UMAP needs at least 3 rows, got ${X.length}`);
  const rng = createRng(opts.seed ?? 0);
  let nNeighbors = opts.nNeighbors ?? 15;
  if (nNeighbors > X.length - 1) {
    warn(`UMAP: nNeighbors ${nNeighbors} is more than n - 1 = ${X.length - 1}; using ${X.length - 1}`);
    nNeighbors = X.length - 1;
  }
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: opts.minDist ?? 0.1,
    nEpochs: opts.nEpochs,
    random: () => rng.next(),
  });
  return umap.fit(X.map((x) => Array.from(x as ArrayLike<number>)));
}

/** 20 distinguishable colours (d3 category10 + their light twins), so 15 labels do not repeat. */
export const PALETTE: readonly string[] = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
];

export interface UmapFigureOptions {
  /** Cluster of each point (required): one coloured trace per cluster. */
  clusters: ArrayLike<number>;
  /** Ground-truth label of each point (style, collection): adds a "colour by label" view. */
  labels?: readonly (string | null)[];
  /** Which colouring is shown first (and in image exports). Default "cluster". */
  colorBy?: "cluster" | "label";
  /** Hover text per point (title, artist, date, file...); `<br>` breaks lines. Default: the index. */
  hoverText?: readonly string[];
  /** Data-URI thumbnails per point (see `thumbnailDataUri`), drawn at the points. Default none. */
  thumbnails?: readonly string[];
  /** Thumbnail size as a fraction of the larger axis range. Range 0.01..0.1. Default 0.035. */
  thumbnailSize?: number;
  /** Figure title. Default "UMAP of image features". */
  title?: string;
  /** Height in pixels. Default 650. */
  height?: number;
  /** Width in pixels; default: fill the container (image export uses its own default). */
  width?: number;
  /** Marker size in pixels. Default 7. */
  markerSize?: number;
}

/**
 * Scatter of a 2-D embedding: one trace per cluster ("cluster 0", ...), and when `labels` are
 * given one trace per label plus two buttons switching between the colourings.
 */
export function umapFigure(embedding: readonly (readonly number[])[], opts: UmapFigureOptions): Figure {
  const n = embedding.length;
  if (opts.clusters.length !== n) throw new Error(`umapFigure: ${opts.clusters.length} clusters for ${n} points`);
  if (opts.labels && opts.labels.length !== n) throw new Error(`umapFigure: ${opts.labels.length} labels for ${n} points`);
  if (opts.hoverText && opts.hoverText.length !== n) throw new Error(`umapFigure: ${opts.hoverText.length} hover texts for ${n} points`);
  if (opts.thumbnails && opts.thumbnails.length !== n) throw new Error(`umapFigure: ${opts.thumbnails.length} thumbnails for ${n} points`);
  const colorBy = opts.labels ? (opts.colorBy ?? "cluster") : "cluster";
  const hover = (i: number): string => opts.hoverText?.[i] ?? `#${i}`;

  const group = (keys: readonly string[], prefix: string, visible: boolean): object[] => {
    const names = [...new Set(keys)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    return names.map((name, t) => {
      const idx = keys.map((k, i) => (k === name ? i : -1)).filter((i) => i >= 0);
      return {
        type: "scatter",
        mode: "markers",
        name: `${prefix}${name} (${idx.length})`,
        x: idx.map((i) => embedding[i][0]),
        y: idx.map((i) => embedding[i][1]),
        text: idx.map((i) => `${hover(i)}<br>cluster ${opts.clusters[i]}${opts.labels ? `<br>label ${opts.labels[i] ?? "-"}` : ""}`),
        hovertemplate: "%{text}<extra></extra>",
        marker: { size: opts.markerSize ?? 7, opacity: 0.85, color: PALETTE[t % PALETTE.length], line: { width: 0.5, color: "#333" } },
        visible,
      };
    });
  };
  const clusterKeys = Array.from(opts.clusters, (c) => String(c));
  const byCluster = group(clusterKeys, "cluster ", colorBy === "cluster");
  const byLabel = opts.labels ? group(opts.labels.map((l) => l ?? "(none)"), "", colorBy === "label") : [];
  // Top of the figure, from the top: the title (left-aligned, in the margin), then the colouring
  // buttons just above the plot area, so the two never overlap whatever the width.
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? "UMAP of image features", x: 0, xref: "paper", xanchor: "left", y: 1, yref: "container", yanchor: "top", pad: { t: 12 } },
    template: "plotly_white",
    height: opts.height ?? 650,
    hovermode: "closest",
    xaxis: { title: { text: "UMAP 1" }, zeroline: false },
    yaxis: { title: { text: "UMAP 2" }, zeroline: false },
    legend: { itemsizing: "constant" },
    margin: { l: 50, r: 20, t: opts.labels ? 96 : 56, b: 50 },
  };
  if (opts.width !== undefined) layout.width = opts.width;
  if (opts.labels) {
    const nc = byCluster.length;
    const nl = byLabel.length;
    layout.updatemenus = [
      {
        type: "buttons",
        direction: "right",
        x: 0,
        y: 1,
        xanchor: "left",
        yanchor: "bottom",
        pad: { b: 8 },
        showactive: true,
        active: colorBy === "cluster" ? 0 : 1,
        buttons: [
          { label: "colour by cluster", method: "restyle", args: [{ visible: [...Array(nc).fill(true), ...Array(nl).fill(false)] }] },
          { label: "colour by label", method: "restyle", args: [{ visible: [...Array(nc).fill(false), ...Array(nl).fill(true)] }] },
        ],
      },
    ];
  }
  if (opts.thumbnails) {
    const xs = embedding.map((p) => p[0]);
    const ys = embedding.map((p) => p[1]);
    const range = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) || 1;
    const size = range * (opts.thumbnailSize ?? 0.035);
    layout.images = opts.thumbnails.map((src, i) => ({
      source: src,
      xref: "x",
      yref: "y",
      x: embedding[i][0],
      y: embedding[i][1],
      sizex: size,
      sizey: size,
      xanchor: "center",
      yanchor: "middle",
      sizing: "contain",
      layer: "below",
      opacity: 1,
    }));
  }
  return { data: [...byCluster, ...byLabel], layout, config: { responsive: true, displaylogo: false } };
}

/**
 * A small JPEG data URI of an image (values in [-1, 1], or [0, 1] with range "unit") for
 * thumbnails in figures. `size` is the longer side in pixels (default 48).
 */
export async function thumbnailDataUri(img: ImageArray, size = 48, range: "signed" | "unit" = "signed"): Promise<string> {
  const bytes = new Uint8Array(img.data.length);
  for (let i = 0; i < bytes.length; i++) {
    const v = range === "signed" ? (img.data[i] + 1) / 2 : img.data[i];
    bytes[i] = Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : Number.isNaN(v) ? 0 : v));
  }
  const buf = await sharp(Buffer.from(bytes.buffer), { raw: { width: img.width, height: img.height, channels: img.channels as 1 | 2 | 3 | 4 } })
    .resize(size, size, { fit: "inside" })
    .jpeg({ quality: 80 })
    .toBuffer();
  return `data:image/jpeg;base64,${buf.toString("base64")}`;
}
