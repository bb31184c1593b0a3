/**
 * Figures and pictures of a clustering for notebooks and reports (notebooks/03_clusters):
 * - `sweepFigure`: the K sweep as five small panels against k (inertia/elbow, silhouette,
 *   Davies-Bouldin, Calinski-Harabasz, gap with its s_k error bars), plus ARI/NMI when present,
 *   with the suggested K marked;
 * - `sizesFigure`: cluster sizes as bars, stacked by ground-truth label when given, with the
 *   even share n/k and an optional minimum size drawn as lines;
 * - `routingFigure`: routing accuracy against hole size, one line per extractor/fill/mask;
 * - `clusterGrids`: one contact-sheet image per cluster (members nearest the centre first);
 *   `loadClusterGrids` loads only the members shown, for a fitted model and its dataset items;
 * - `clusterLabelTable`: images per cluster and ground-truth label, as table rows.
 * All return plain plotly figures (`{ data, layout }`), images or table rows; save them with lib/plot.
 */
import type { DatasetItem } from "../data/dataset.js";
import type { ImageArray } from "../data/image.js";
import { imageGrid } from "../data/encode.js";
import { loadImages } from "../data/load.js";
import type { Figure } from "../plot/figure.js";
import type { RoutingRow } from "./route.js";
import type { SweepRow } from "./sweep.js";
import type { ClusterModel } from "./model.js";
import { PALETTE } from "./umap.js";
import { sqDist, type Vec } from "./vectors.js";

type SweepLike = Pick<SweepRow, "k" | "inertia" | "silhouette" | "daviesBouldin" | "calinskiHarabasz" | "gap" | "gapSk"> & { ari?: number; nmi?: number };

/**
 * The K sweep as a grid of panels sharing the k axis. `suggested` draws a dashed vertical line
 * at that K on every panel. Height grows with the number of panels.
 */
export function sweepFigure(rows: readonly SweepLike[], opts: { suggested?: number; title?: string } = {}): Figure {
  const s = [...rows].sort((a, b) => a.k - b.k);
  const ks = s.map((r) => r.k);
  const panels: { name: string; y: (number | null)[]; err?: (number | null)[]; hint: string }[] = [
    { name: "inertia (elbow)", y: s.map((r) => r.inertia), hint: "lower; look for the bend" },
    { name: "silhouette", y: s.map((r) => r.silhouette), hint: "higher is better" },
    { name: "Davies-Bouldin", y: s.map((r) => r.daviesBouldin), hint: "lower is better" },
    { name: "Calinski-Harabasz", y: s.map((r) => r.calinskiHarabasz), hint: "higher is better" },
  ];
  if (s.some((r) => r.gap !== null)) panels.push({ name: "gap statistic", y: s.map((r) => r.gap), err: s.map((r) => r.gapSk), hint: "first k with gap(k) >= gap(k+1) - s" });
  const data: object[] = [];
  panels.forEach((p, i) => {
    const ax = i === 0 ? "" : String(i + 1);
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: p.name,
      x: ks,
      y: p.y,
      xaxis: `x${ax}`,
      yaxis: `y${ax}`,
      error_y: p.err ? { type: "data", array: p.err, visible: true } : undefined,
      hovertemplate: `k=%{x}<br>${p.name} %{y:.4g}<extra></extra>`,
      showlegend: false,
    });
  });
  const ext = s.some((r) => r.ari !== undefined);
  if (ext) {
    const ax = String(panels.length + 1);
    data.push({ type: "scatter", mode: "lines+markers", name: "ARI", x: ks, y: s.map((r) => r.ari ?? null), xaxis: `x${ax}`, yaxis: `y${ax}`, showlegend: true });
    data.push({ type: "scatter", mode: "lines+markers", name: "NMI", x: ks, y: s.map((r) => r.nmi ?? null), xaxis: `x${ax}`, yaxis: `y${ax}`, showlegend: true, line: { dash: "dot" } });
  }
  const count = panels.length + (ext ? 1 : 0);
  const cols = 3;
  const rowsN = Math.ceil(count / cols);
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? "Choosing K" },
    template: "plotly_white",
    height: 320 * rowsN + 80,
    grid: { rows: rowsN, columns: cols, pattern: "independent", ygap: 0.35, xgap: 0.15 },
    legend: { orientation: "h", x: 1, xanchor: "right", y: 1.06, yanchor: "bottom" },
    margin: { l: 60, r: 20, t: 80, b: 50 },
  };
  const titles = [...panels.map((p) => `${p.name} (${p.hint})`), ...(ext ? ["ARI / NMI against labels"] : [])];
  const annotations: object[] = [];
  const shapes: object[] = [];
  for (let i = 0; i < count; i++) {
    const ax = i === 0 ? "" : String(i + 1);
    layout[`xaxis${ax}`] = { title: { text: "k" }, dtick: 1 };
    annotations.push({ text: titles[i], xref: `x${ax} domain`, yref: `y${ax} domain`, x: 0.5, y: 1.15, showarrow: false, font: { size: 12 } });
    if (opts.suggested !== undefined) {
      shapes.push({ type: "line", xref: `x${ax}`, yref: `y${ax} domain`, x0: opts.suggested, x1: opts.suggested, y0: 0, y1: 1, line: { dash: "dash", color: "#d62728", width: 1 } });
    }
  }
  layout.annotations = annotations;
  layout.shapes = shapes;
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

/**
 * Cluster sizes as bars; with `labels` (one per image, aligned with `clusters`) the bars are
 * stacked by label, which shows what each cluster is made of. Lines mark the even share n/k and
 * `minSize` when given.
 */
export function sizesFigure(
  clusters: ArrayLike<number>,
  opts: { k?: number; labels?: readonly (string | null)[]; minSize?: number; title?: string } = {},
): Figure {
  const n = clusters.length;
  const k = opts.k ?? Math.max(...Array.from(clusters)) + 1;
  const xs = Array.from({ length: k }, (_, c) => `cluster ${c}`);
  let data: object[];
  if (opts.labels) {
    if (opts.labels.length !== n) throw new Error(`sizesFigure: ${opts.labels.length} labels for ${n} images`);
    const names = [...new Set(opts.labels.map((l) => l ?? "(none)"))].sort();
    data = names.map((name, t) => {
      const y = new Array<number>(k).fill(0);
      for (let i = 0; i < n; i++) if ((opts.labels![i] ?? "(none)") === name) y[clusters[i]]++;
      return { type: "bar", name, x: xs, y, marker: { color: PALETTE[t % PALETTE.length] } };
    });
  } else {
    const y = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) y[clusters[i]]++;
    data = [{ type: "bar", name: "images", x: xs, y, text: y.map(String), textposition: "outside" }];
  }
  const shapes: object[] = [
    { type: "line", xref: "paper", x0: 0, x1: 1, y0: n / k, y1: n / k, line: { dash: "dash", color: "#555", width: 1 } },
  ];
  if (opts.minSize) shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, y0: opts.minSize, y1: opts.minSize, line: { dash: "dot", color: "#d62728", width: 1 } });
  return {
    data,
    layout: {
      title: { text: opts.title ?? `Cluster sizes (dashed: even share ${(n / k).toFixed(1)}${opts.minSize ? `; dotted: minimum ${opts.minSize}` : ""})` },
      template: "plotly_white",
      barmode: "stack",
      height: Math.max(450, 22 * (opts.labels ? new Set(opts.labels).size : 0) + 150),
      legend: { traceorder: "normal" },
      yaxis: { title: { text: "images" } },
      shapes,
    },
    config: { responsive: true, displaylogo: false },
  };
}

/** Routing accuracy (%) against hole size (% of the area): one line per extractor / fill / mask. */
export function routingFigure(rows: readonly RoutingRow[], opts: { title?: string } = {}): Figure {
  const groups = new Map<string, RoutingRow[]>();
  for (const r of rows) {
    const key = `${r.extractor} · ${r.fill} fill · ${r.maskKind}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const data = [...groups].map(([name, rs]) => {
    const s = [...rs].sort((a, b) => a.holeFraction - b.holeFraction);
    return {
      type: "scatter",
      mode: "lines+markers",
      name,
      x: s.map((r) => r.holeFraction * 100),
      y: s.map((r) => r.accuracy * 100),
      text: s.map((r) => `${r.agree}/${r.n}`),
      hovertemplate: "hole %{x:.0f} %<br>%{y:.1f} % agree (%{text})<extra>%{fullData.name}</extra>",
    };
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? "Routing a damaged painting: agreement with the undamaged painting's cluster" },
      template: "plotly_white",
      height: 450,
      xaxis: { title: { text: "hole size (% of the image area)" } },
      yaxis: { title: { text: "same cluster as undamaged (%)" }, range: [0, 101] },
    },
    config: { responsive: true, displaylogo: false },
  };
}

/**
 * One contact sheet per cluster: up to `perCluster` members (default 16), those nearest the
 * centre first when `features` and `centers` (normalised, as in the model) are given, else in
 * order. Images must share one size. Returns the grids by cluster index (null for empty ones).
 */
export function clusterGrids(
  images: readonly ImageArray[],
  clusters: ArrayLike<number>,
  opts: { k?: number; perCluster?: number; cols?: number; features?: readonly Vec[]; centers?: readonly Vec[] } = {},
): (ImageArray | null)[] {
  if (images.length !== clusters.length) throw new Error(`clusterGrids: ${images.length} images for ${clusters.length} cluster labels`);
  return shownMembers(clusters, opts).map((idx) => contactSheet(idx.map((i) => images[i]), opts));
}

/** The images as one sheet of `cols` columns (default the square root of `perCluster`, 16); null for none. */
function contactSheet(images: readonly ImageArray[], opts: { perCluster?: number; cols?: number }): ImageArray | null {
  return images.length ? imageGrid(images, opts.cols ?? Math.ceil(Math.sqrt(opts.perCluster ?? 16))) : null;
}

/**
 * The members `clusterGrids` shows, by cluster: up to `perCluster` (default 16) indices, those
 * nearest the centre first when `features` and `centers` are given, else in order.
 */
export function shownMembers(
  clusters: ArrayLike<number>,
  opts: { k?: number; perCluster?: number; features?: readonly Vec[]; centers?: readonly Vec[] } = {},
): number[][] {
  const k = opts.k ?? Math.max(...Array.from(clusters)) + 1;
  const per = opts.perCluster ?? 16;
  const out: number[][] = [];
  for (let c = 0; c < k; c++) {
    let idx = Array.from(clusters, (v, i) => (v === c ? i : -1)).filter((i) => i >= 0);
    if (opts.features && opts.centers) {
      const d = idx.map((i) => sqDist(opts.features![i], opts.centers![c]));
      idx = idx.map((i, j) => [i, d[j]] as const).sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([i]) => i);
    }
    out.push(idx.slice(0, per));
  }
  return out;
}

/** One cluster's contact sheet from `loadClusterGrids`. */
export interface ClusterGrid {
  cluster: number;
  /** Images in the cluster (all of them, not only those shown). */
  members: number;
  /** Images on the sheet. */
  shown: number;
  /** The sheet; null when no member could be shown. */
  grid: ImageArray | null;
}

/**
 * `clusterGrids` for a fitted model: loads, at `size`, only the members shown (up to
 * `perCluster`, default 16, in the model's order, or nearest the centre first when the normalised
 * `features` aligned with `model.ids` are given) from `items` (matched by id; ids without an item
 * or that cannot be loaded are left out). `cols` defaults as in `clusterGrids`.
 */
export async function loadClusterGrids(
  model: Pick<ClusterModel, "k" | "ids" | "labels" | "centers">,
  items: readonly DatasetItem[],
  opts: { size: number; perCluster?: number; cols?: number; features?: readonly Vec[] },
): Promise<ClusterGrid[]> {
  const byId = new Map(items.map((it) => [it.id, it]));
  const known = model.ids.map((id, i) => (byId.has(id) ? i : -1)).filter((i) => i >= 0);
  const picked = shownMembers(
    known.map((i) => model.labels[i]),
    { k: model.k, perCluster: opts.perCluster, features: opts.features && known.map((i) => opts.features![i]), centers: opts.features && model.centers },
  ).map((idx) => idx.map((j) => known[j]));
  const shown = picked.flat();
  const loaded = await loadImages(shown.map((i) => byId.get(model.ids[i])!), { size: opts.size, verbose: false });
  const images = new Map(loaded.items.map((it, j) => [it.id, loaded.images[j]]));
  const members = new Array<number>(model.k).fill(0);
  for (const c of model.labels) members[c]++;
  return picked.map((idx, c) => {
    const imgs = idx.map((i) => images.get(model.ids[i])).filter((im): im is ImageArray => im !== undefined);
    return { cluster: c, members: members[c], shown: imgs.length, grid: contactSheet(imgs, opts) };
  });
}

/**
 * Images per cluster and ground-truth label: one row per cluster, `{ cluster, size, <label>: n }`
 * with the labels sorted ("(none)" for images without one).
 */
export function clusterLabelTable(clusters: ArrayLike<number>, labels: readonly (string | null)[], k?: number): Record<string, number>[] {
  if (labels.length !== clusters.length) throw new Error(`clusterLabelTable: ${labels.length} labels for ${clusters.length} images`);
  const kk = k ?? Math.max(...Array.from(clusters)) + 1;
  const names = [...new Set(labels.map((l) => l ?? "(none)"))].sort();
  const rows = Array.from({ length: kk }, (_, c) => {
    const row: Record<string, number> = { cluster: c, size: 0 };
    for (const l of names) row[l] = 0;
    return row;
  });
  for (let i = 0; i < clusters.length; i++) {
    const row = rows[clusters[i]];
    row.size++;
    row[labels[i] ?? "(none)"]++;
  }
  return rows;
}
