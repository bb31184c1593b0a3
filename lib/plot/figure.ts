/**
 * Plotly figures as plain data, plus builders for the few shapes the study draws again and again
 * (curves over epochs or k, bars per method, 2-D embeddings coloured by group).
 *
 * A `Figure` is exactly what `Plotly.newPlot(div, data, layout, config)` takes, so anything plotly
 * can draw can be written by hand; the builders only save typing. Show one in a notebook with
 * `showFigure` (./display.ts), write it with `saveFigureHtml` / `saveFigureImage` (./export.ts).
 */

/** A plotly figure: traces, layout and config as plotly.js takes them. */
export interface Figure {
  /** Plotly traces (`{ type: "scatter", x, y, ... }`). */
  data: object[];
  /** Plotly layout (title, axes, size, legend). */
  layout?: object;
  /** Plotly config (`{ responsive: true }`, `{ displaylogo: false }`, ...). */
  config?: object;
}

/** Options shared by every builder. */
export interface FigureOptions {
  /** Figure title shown above the plot. Default: none. */
  title?: string;
  /** Label of the x axis. Default: none. */
  xTitle?: string;
  /** Label of the y axis. Default: none. */
  yTitle?: string;
  /** Width in CSS pixels; default: fill the container (HTML) or 800 (image export). */
  width?: number;
  /** Height in CSS pixels. Default 450. */
  height?: number;
  /** Use a log scale on the y axis (losses over epochs). Default false. */
  logY?: boolean;
}

/** One named series of a line or scatter figure. */
export interface Series {
  /** Legend name of the series. */
  name: string;
  /** x values; default 0, 1, 2, ... (the index). */
  x?: ArrayLike<number | string>;
  /** y values. */
  y: ArrayLike<number>;
}

/** The layout every builder starts from: title, axis labels, size, white background. */
export function baseLayout(opts: FigureOptions = {}): Record<string, unknown> {
  const layout: Record<string, unknown> = {
    height: opts.height ?? 450,
    margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 50 },
    xaxis: { title: { text: opts.xTitle ?? "" }, automargin: true },
    yaxis: { title: { text: opts.yTitle ?? "" }, automargin: true, type: opts.logY ? "log" : "linear" },
  };
  if (opts.title) layout.title = { text: opts.title };
  if (opts.width !== undefined) layout.width = opts.width;
  return layout;
}

function toArray<T>(values: ArrayLike<T>): T[] {
  return Array.from(values);
}

function checkLengths(s: Series): void {
  if (s.x !== undefined && s.x.length !== s.y.length) {
    throw new Error(`series "${s.name}": x has ${s.x.length} values but y has ${s.y.length}`);
  }
}

/**
 * Lines (with markers) for one or more series, e.g. generator and discriminator loss per epoch,
 * or inertia and silhouette against k.
 */
export function lineFigure(series: Series[], opts: FigureOptions & {
  /** Draw markers on the points as well as lines. Default true. */
  markers?: boolean;
} = {}): Figure {
  return {
    data: series.map((s) => {
      checkLengths(s);
      return {
        type: "scatter",
        mode: opts.markers === false ? "lines" : "lines+markers",
        name: s.name,
        x: s.x ? toArray(s.x) : s.y.length ? Array.from({ length: s.y.length }, (_, i) => i) : [],
        y: toArray(s.y),
      };
    }),
    layout: baseLayout(opts),
    config: { responsive: true, displaylogo: false },
  };
}

/** One group of bars of a bar figure (one colour in the legend). */
export interface BarSeries {
  /** Legend name, e.g. a method ("clustered GAN", "general GAN", "Telea"). */
  name: string;
  /** Category labels along the x axis, e.g. metric names or clusters. */
  x: ArrayLike<string | number>;
  /** Bar heights, one per category. */
  y: ArrayLike<number>;
  /** Optional symmetric error bars (standard deviation, CI half-width), one per category. */
  error?: ArrayLike<number>;
}

/** Grouped bars, e.g. PSNR/SSIM per method with error bars. */
export function barFigure(series: BarSeries[], opts: FigureOptions & {
  /** "group" puts series side by side, "stack" on top of each other. Default "group". */
  barmode?: "group" | "stack";
} = {}): Figure {
  return {
    data: series.map((s) => {
      if (s.x.length !== s.y.length) throw new Error(`bar series "${s.name}": x has ${s.x.length} values but y has ${s.y.length}`);
      if (s.error && s.error.length !== s.y.length) {
        throw new Error(`bar series "${s.name}": error has ${s.error.length} values but y has ${s.y.length}`);
      }
      const trace: Record<string, unknown> = { type: "bar", name: s.name, x: toArray(s.x), y: toArray(s.y) };
      if (s.error) trace.error_y = { type: "data", array: toArray(s.error), visible: true };
      return trace;
    }),
    layout: { ...baseLayout(opts), barmode: opts.barmode ?? "group" },
    config: { responsive: true, displaylogo: false },
  };
}

/** A 2-D point set with per-point group and hover text, e.g. a UMAP embedding of paintings. */
export interface ScatterPoints {
  /** x coordinates. */
  x: ArrayLike<number>;
  /** y coordinates, same length as x. */
  y: ArrayLike<number>;
  /** Group of each point (cluster id, label); one trace and legend entry per distinct group. Default: one group. */
  group?: ArrayLike<string | number>;
  /** Hover text of each point (file name, title). Default: none. */
  text?: ArrayLike<string>;
}

/** Scatter plot of points, one colour per group (clusters, labels). */
export function scatterFigure(points: ScatterPoints, opts: FigureOptions & {
  /** Marker size in pixels. Default 7. */
  markerSize?: number;
  /** Prefix of legend names when groups are numbers, e.g. "cluster " gives "cluster 0". Default "". */
  groupPrefix?: string;
} = {}): Figure {
  const n = points.x.length;
  if (points.y.length !== n) throw new Error(`scatterFigure: x has ${n} values but y has ${points.y.length}`);
  if (points.group && points.group.length !== n) throw new Error(`scatterFigure: group has ${points.group.length} values for ${n} points`);
  if (points.text && points.text.length !== n) throw new Error(`scatterFigure: text has ${points.text.length} values for ${n} points`);
  const groups = new Map<string | number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = points.group ? points.group[i]! : "";
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  }
  const keys = [...groups.keys()].sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)),
  );
  const data = keys.map((g) => {
    const idx = groups.get(g)!;
    const trace: Record<string, unknown> = {
      type: "scatter",
      mode: "markers",
      name: points.group ? `${opts.groupPrefix ?? ""}${g}` : "points",
      x: idx.map((i) => points.x[i]),
      y: idx.map((i) => points.y[i]),
      marker: { size: opts.markerSize ?? 7, opacity: 0.85 },
    };
    if (points.text) {
      trace.text = idx.map((i) => points.text![i]);
      trace.hoverinfo = "text+name";
    }
    return trace;
  });
  return { data, layout: baseLayout(opts), config: { responsive: true, displaylogo: false } };
}
