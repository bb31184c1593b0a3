/**
 * Rich output in notebooks run by the tslab kernel (in Jupyter, or headless by lib/notebook/run.ts):
 * plotly figures, images and tables.
 *
 * Figures render offline. Where plotly.js (4.8 MB) comes from is the {@link PlotlyMode}: inlined
 * once per kernel session in the first figure ("inline", self-contained, ~5 MB notebooks), or
 * loaded by each page from the Jupyter server's copy in the repository kernelspec ("kernelspec",
 * small notebooks; the repository kernelspec and the headless runner use it). Each figure is sent
 * with three representations, and the frontend picks the richest it knows:
 * `application/vnd.plotly.v1+json` (JupyterLab with the plotly extension), `text/html` (a div plus
 * a script that draws it; Jupyter runs it when the notebook is trusted, i.e. executed in this
 * session or marked trusted) and `text/plain` (a one-line summary).
 *
 * Outside a notebook (a plain `node` script) every function prints its text/plain form to stdout
 * instead, so the same code runs anywhere.
 */
import type { ImageArray } from "../data/image.js";
import type { Figure } from "./figure.js";
import { checkFigure } from "./export.js";
import { escapeHtml, plotlySource, scriptJson, typedArrayReplacer } from "./plotly-source.js";
import { imageToPng, type PngOptions } from "./png.js";
import { display, inNotebook } from "./notebook-output.js";
import { ensureKernelspecPlotly, KERNELSPEC_NAME } from "./kernelspec-plotly.js";
import { warn } from "../util/log.js";

export { display, inNotebook, updatableDisplay, type DisplayBundle, type UpdatableDisplay } from "./notebook-output.js";

/** Show HTML. */
export function showHtml(html: string, text = "[HTML]"): void {
  display({ data: { "text/html": html, "text/plain": text } });
}

/** Show Markdown (rendered by Jupyter; printed as is elsewhere). */
export function showMarkdown(markdown: string): void {
  display({ data: { "text/markdown": markdown, "text/plain": markdown } });
}

// ---------------------------------------------------------------------------------------------
// Figures

/**
 * How a figure in a notebook gets plotly.js (4.8 MB):
 * - "inline": the first figure of the kernel session carries the whole bundle, later figures reuse
 *   it. The notebook is self-contained (renders offline in any Jupyter, in nbconvert HTML), but
 *   every executed notebook with a figure weighs about 5 MB.
 * - "kernelspec": each figure loads plotly.js once per page from the Jupyter server, which serves
 *   the files of the repository kernelspec (`<base_url>kernelspecs/tslab/plotly.min.js`, a copy of
 *   node_modules' bundle made on first use); the notebook keeps only the figure data (kilobytes).
 *   Renders offline in JupyterLab / Notebook started with this repository's kernelspec
 *   (`npm run notebook`, or JUPYTER_PATH=notebooks/jupyter); the headless runner's `--html` copy
 *   inlines plotly.js into the page; elsewhere the figure says how to get it.
 */
export type PlotlyMode = "inline" | "kernelspec";

/** The plotly modes, for option parsing. */
export const PLOTLY_MODES: readonly PlotlyMode[] = ["inline", "kernelspec"];

let modeOverride: PlotlyMode | null = null;

/** Choose the plotly mode for this session (null: back to the default, see {@link plotlyMode}). */
export function setPlotlyMode(mode: PlotlyMode | null): void {
  if (mode !== null && !PLOTLY_MODES.includes(mode)) throw new Error(`setPlotlyMode: unknown mode "${String(mode)}"; use ${PLOTLY_MODES.join(" or ")}`);
  modeOverride = mode;
}

/**
 * The plotly mode in effect: {@link setPlotlyMode}, else the HERITAGE_PLOTLY environment variable
 * (the repository kernelspec and the headless runner set "kernelspec"), else "inline".
 */
export function plotlyMode(): PlotlyMode {
  if (modeOverride) return modeOverride;
  const env = process.env.HERITAGE_PLOTLY;
  if (env === undefined || env === "") return "inline";
  if (!PLOTLY_MODES.includes(env as PlotlyMode)) {
    throw new Error(`HERITAGE_PLOTLY="${env}" is not a plotly mode; use ${PLOTLY_MODES.join(" or ")} (or leave it unset for inline)`);
  }
  return env as PlotlyMode;
}

export { KERNELSPEC_NAME } from "./kernelspec-plotly.js";

let plotlySent = false;
let figureCount = 0;

/** Options of {@link showFigure}. */
export interface ShowFigureOptions {
  /**
   * Inline plotly.js with this figure, whatever the mode. Default (mode "inline"): only for the
   * first figure of the session. Pass true again if that first output was cleared and figures
   * stop drawing.
   */
  includePlotly?: boolean;
  /** Height of the figure's box in pixels when the layout sets none. Default 450. */
  height?: number;
}

/** One-line description of a figure (its text/plain form). */
export function describeFigure(fig: Figure): string {
  const layout = (fig.layout ?? {}) as { title?: string | { text?: string } };
  const title = typeof layout.title === "string" ? layout.title : layout.title?.text;
  const types = [...new Set(fig.data.map((t) => String((t as { type?: string }).type ?? "scatter")))];
  return `[Figure${title ? ` "${title}"` : ""}: ${fig.data.length} trace${fig.data.length === 1 ? "" : "s"} (${types.join(", ")})]`;
}

/** Options of {@link figureDivHtml}. */
export interface FigureDivOptions {
  /** Include the plotly.js bundle in front of the figure. Default false. */
  withPlotly?: boolean;
  /**
   * When plotly.js is not on the page yet: "wait" for an earlier output to load it (up to 10 s),
   * or "kernelspec": load it from the Jupyter server's kernelspec files. Default "wait".
   */
  load?: "wait" | "kernelspec";
  /** Height in pixels when the layout sets none. Default 450. */
  height?: number;
  /** Id of the figure's div. Default: a fresh one. */
  id?: string;
}

/** Script lines that load plotly.js once per page from `<base_url>kernelspecs/<name>/plotly.min.js`. */
function kernelspecLoader(): string[] {
  return [
    "  var w = window;",
    "  if (!w.__heritagePlotly) {",
    "    w.__heritagePlotly = new Promise(function (resolve, reject) {",
    "      if (location.protocol === 'file:') { reject(new Error('the page is a file, not served by Jupyter')); return; }",
    "      var base = '/';",
    "      try {",
    "        var cfg = document.getElementById('jupyter-config-data');",
    "        if (cfg) base = JSON.parse(cfg.textContent).baseUrl || base;",
    "        else if (document.body && document.body.getAttribute('data-base-url')) base = document.body.getAttribute('data-base-url');",
    "      } catch (e) { /* keep '/' */ }",
    "      var s = document.createElement('script');",
    "      if (base.slice(-1) !== '/') base += '/';",
    `      s.src = base + 'kernelspecs/${KERNELSPEC_NAME}/plotly.min.js';`,
    "      s.onload = function () { if (w.Plotly) resolve(); else reject(new Error(s.src + ' did not define Plotly')); };",
    "      s.onerror = function () { reject(new Error('cannot load ' + s.src)); };",
    "      document.head.appendChild(s);",
    "    });",
    "    w.__heritagePlotly.catch(function () { w.__heritagePlotly = null; });",
    "  }",
    "  w.__heritagePlotly.then(draw, function (e) {",
    "    show('plotly.js is not loaded (' + e.message + '). This figure loads it from the Jupyter server of the repository kernelspec: ' +",
    "      'open the notebook with `npm run notebook` (or JUPYTER_PATH=notebooks/jupyter), or run it with HERITAGE_PLOTLY=inline to embed plotly.js.');",
    "  });",
  ];
}

/**
 * HTML that draws `fig` into its own div. plotly.js comes from the page (an earlier output), the
 * bundle itself (`withPlotly`) or the Jupyter server (`load: "kernelspec"`).
 */
export function figureDivHtml(fig: Figure, opts: FigureDivOptions = {}): string {
  checkFigure(fig);
  const id = opts.id ?? `heritage-fig-${process.pid}-${++figureCount}-${Date.now().toString(36)}`;
  const layout = (fig.layout ?? {}) as { height?: number };
  const height = layout.height ?? opts.height ?? 450;
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  const parts: string[] = [];
  if (opts.withPlotly) parts.push(`<script type="text/javascript">${plotlySource()}</script>`);
  parts.push(
    `<div id="${id}" class="heritage-figure" style="width:100%;height:${height}px"></div>`,
    "<script>",
    "(function () {",
    `  var id = ${JSON.stringify(id)}, tries = 0;`,
    `  var fig = ${scriptJson({ data: fig.data, layout: fig.layout ?? {}, config })};`,
    "  function show(text) { var el = document.getElementById(id); if (el) el.textContent = text; }",
    "  function draw() { var el = document.getElementById(id); if (el) window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); }",
  );
  if (opts.load === "kernelspec" && !opts.withPlotly) {
    parts.push("  if (window.Plotly) { draw(); return; }", ...kernelspecLoader());
  } else {
    parts.push(
      "  function wait() {",
      "    if (window.Plotly && document.getElementById(id)) { draw(); return; }",
      "    if (++tries < 100) { setTimeout(wait, 100); return; }",
      "    show('plotly.js is not loaded: re-run the first figure cell, or showFigure(fig, { includePlotly: true }).');",
      "  }",
      "  wait();",
    );
  }
  parts.push("})();", "</script>");
  return parts.join("\n");
}

/**
 * Before the first "kernelspec" figure: make sure the kernelspec folder holds plotly.min.js (a
 * copy of node_modules' bundle). False (with a warning) when it cannot be written.
 */
let kernelspecReady: boolean | null = null;
function ensureKernelspecReady(): boolean {
  if (kernelspecReady === null) {
    try {
      ensureKernelspecPlotly();
      kernelspecReady = true;
    } catch (err) {
      warn(`plotly mode "kernelspec": ${(err as Error).message}; embedding plotly.js in the figure instead`);
      kernelspecReady = false;
    }
  }
  return kernelspecReady;
}

/** Show a plotly figure inline (see {@link PlotlyMode} for how plotly.js reaches the page). */
export function showFigure(fig: Figure, opts: ShowFigureOptions = {}): void {
  checkFigure(fig);
  if (!inNotebook()) {
    display({ data: { "text/plain": describeFigure(fig) } });
    return;
  }
  const fromServer = plotlyMode() === "kernelspec" && ensureKernelspecReady();
  const withPlotly = opts.includePlotly ?? (fromServer ? false : !plotlySent);
  if (withPlotly) plotlySent = true;
  const plain = JSON.parse(JSON.stringify({ data: fig.data, layout: fig.layout ?? {} }, typedArrayReplacer)) as object;
  const html = figureDivHtml(fig, {
    withPlotly,
    load: fromServer ? "kernelspec" : "wait",
    ...(opts.height !== undefined ? { height: opts.height } : {}),
  });
  display({
    data: {
      "application/vnd.plotly.v1+json": plain,
      "text/html": html,
      "text/plain": describeFigure(fig),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Images

/** Options of {@link showImage}. */
export interface ShowImageOptions extends PngOptions {
  /** Displayed width in pixels (the image is scaled by the browser; small GAN outputs look better larger). Default: natural size. */
  width?: number;
  /** Caption shown in text/plain. Default: the image size. */
  caption?: string;
}

function isPng(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

/** Width and height from a PNG header (IHDR), or null when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (!isPng(bytes) || bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Show an image: an {@link ImageArray} (range auto-detected unless given) or PNG bytes.
 * Asynchronous (PNG encoding): `await` it, or the image may land in the output of a later cell.
 */
export async function showImage(img: ImageArray | Uint8Array, opts: ShowImageOptions = {}): Promise<void> {
  let png: Buffer;
  if (img instanceof Uint8Array) {
    if (!isPng(img)) throw new Error("showImage: the bytes given are not a PNG (pass an ImageArray or PNG bytes)");
    png = Buffer.from(img);
  } else {
    png = await imageToPng(img, opts);
  }
  const size = pngSize(png)!;
  const metadata: Record<string, unknown> = {};
  if (opts.width) metadata["image/png"] = { width: opts.width };
  display({
    data: {
      "image/png": png.toString("base64"),
      "text/plain": `[Image ${size.width}x${size.height}${opts.caption ? `: ${opts.caption}` : ""}]`,
    },
    metadata,
  });
}

// ---------------------------------------------------------------------------------------------
// Tables

/** Options of {@link showTable} and {@link tableHtml}. */
export interface TableOptions {
  /** Caption above the table. Default: none. */
  caption?: string;
  /** Significant digits for non-integer numbers. Default 4. */
  digits?: number;
  /** Show at most this many rows (a "... n more" row follows). Default 50. */
  maxRows?: number;
  /** Column order; default: keys in first-seen order over all rows. */
  columns?: string[];
}

/** Anything with danfojs DataFrame's `columns` + `values` shape. */
export interface DataFrameLike {
  columns: string[];
  values: unknown[][];
}

function isDataFrameLike(x: unknown): x is DataFrameLike {
  return !!x && typeof x === "object" && Array.isArray((x as DataFrameLike).columns) && Array.isArray((x as DataFrameLike).values);
}

/** Rows of a danfojs DataFrame (or anything with `columns` and `values`) as objects. */
export function dataFrameRows(df: DataFrameLike): Record<string, unknown>[] {
  return df.values.map((row) => Object.fromEntries(df.columns.map((c, i) => [c, row[i]])));
}

/** Format one cell: numbers to `digits` significant digits, arrays and objects as JSON. */
export function formatCell(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    return String(Number(v.toPrecision(digits)));
  }
  if (typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v, typedArrayReplacer);
  return String(v);
}

function columnsOf(rows: Record<string, unknown>[], given?: string[]): string[] {
  if (given) return given;
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** Whether a column holds numbers (every non-empty value is a number): those are right-aligned. */
function numericColumn(rows: Record<string, unknown>[], col: string): boolean {
  let any = false;
  for (const r of rows) {
    const v = r[col];
    if (v === null || v === undefined || v === "") continue;
    if (typeof v !== "number") return false;
    any = true;
  }
  return any;
}

/**
 * An HTML table of `rows`: number columns right-aligned (tabular digits, no wrapping), text
 * columns left-aligned, wrapping (long paths and URLs too) but never squeezed below the width of
 * their content up to 30 characters. Alignment is set per cell, so it holds under JupyterLab's
 * stylesheet (which right-aligns every cell), in classic Notebook and in nbconvert HTML.
 */
export function tableHtml(rows: Record<string, unknown>[], opts: TableOptions = {}): string {
  const cols = columnsOf(rows, opts.columns);
  const max = opts.maxRows ?? 50;
  const shown = rows.slice(0, max);
  const kinds = cols.map((c) => {
    if (numericColumn(shown, c)) return { numeric: true, style: "text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums" };
    const longest = Math.max(c.length, ...shown.map((r) => formatCell(r[c], opts.digits).length));
    const minCh = Math.min(Math.max(longest, 4), 30);
    return { numeric: false, style: `text-align:left;min-width:${minCh}ch;overflow-wrap:anywhere` };
  });
  const th = cols.map((c, i) => `<th style="${kinds[i]!.numeric ? "text-align:right" : "text-align:left"}">${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map(
      (r) =>
        "<tr>" +
        cols
          .map((c, i) => {
            const k = kinds[i]!;
            return `<td${k.numeric ? ' class="heritage-num"' : ""} style="${k.style}">${escapeHtml(formatCell(r[c], opts.digits))}</td>`;
          })
          .join("") +
        "</tr>",
    )
    .join("\n");
  const more = rows.length > max ? `\n<tr><td colspan="${cols.length}" style="text-align:left">... ${rows.length - max} more rows</td></tr>` : "";
  const caption = opts.caption ? `<caption style="text-align:left;caption-side:top;font-weight:bold;padding:0.3em 0">${escapeHtml(opts.caption)}</caption>` : "";
  return `<table class="heritage-table">${caption}<thead><tr>${th}</tr></thead>\n<tbody>\n${body}${more}\n</tbody></table>`;
}

/** A fixed-width text table of `rows` (the text/plain form of {@link showTable}). */
export function tableText(rows: Record<string, unknown>[], opts: TableOptions = {}): string {
  const cols = columnsOf(rows, opts.columns);
  const shown = rows.slice(0, opts.maxRows ?? 50);
  const cells = shown.map((r) => cols.map((c) => formatCell(r[c], opts.digits)));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [line(cols), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  if (rows.length > shown.length) out.push(`... ${rows.length - shown.length} more rows`);
  if (opts.caption) out.unshift(opts.caption);
  return out.join("\n");
}

/** Show rows (objects) or a danfojs DataFrame as a table. */
export function showTable(rows: Record<string, unknown>[] | DataFrameLike, opts: TableOptions = {}): void {
  const list = isDataFrameLike(rows) ? dataFrameRows(rows) : rows;
  if (!Array.isArray(list)) throw new Error("showTable: pass an array of row objects or a DataFrame");
  display({ data: { "text/html": tableHtml(list, opts), "text/plain": tableText(list, opts) } });
}
