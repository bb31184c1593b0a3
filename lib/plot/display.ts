/**
 * Rich output in notebooks run by the tslab kernel (in Jupyter, or headless by lib/notebook/run.ts):
 * plotly figures, images and tables.
 *
 * Figures render offline: the first `showFigure` of a kernel session inlines plotly.js (4.8 MB)
 * once, later figures reuse it. Each figure is sent with three representations, and the frontend
 * picks the richest it knows: `application/vnd.plotly.v1+json` (JupyterLab with the plotly
 * extension), `text/html` (a div plus a script that draws it; Jupyter runs it when the notebook is
 * trusted, i.e. executed in this session or marked trusted) and `text/plain` (a one-line summary).
 *
 * Outside a notebook (a plain `node` script) every function prints its text/plain form to stdout
 * instead, so the same code runs anywhere.
 */
import { createRequire } from "node:module";
import type { ImageArray } from "../data/image.js";
import type { Figure } from "./figure.js";
import { checkFigure } from "./export.js";
import { escapeHtml, plotlySource, scriptJson, typedArrayReplacer } from "./plotly-source.js";
import { imageToPng, type PngOptions } from "./png.js";

const require = createRequire(import.meta.url);

/** One display message: representations keyed by MIME type, plus per-type metadata. */
export interface DisplayBundle {
  /** MIME type -> content (strings; base64 for binary types; JSON objects for +json types). */
  data: Record<string, unknown>;
  /** MIME type -> metadata, e.g. `{ "image/png": { width: 256 } }`. */
  metadata?: Record<string, unknown>;
}

type WriteDisplayData = (msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: object }, update: boolean) => void;

/** tslab's display hook when this process is a tslab kernel (or the headless runner); null otherwise. */
function tslabWriter(): WriteDisplayData | null {
  let id: string;
  try {
    id = require.resolve("tslab/dist/jupyter.js");
  } catch {
    return null;
  }
  // Only look at a module someone already loaded: loading it here would pull in TypeScript for nothing.
  const mod = require.cache[id];
  const fn = (mod?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined)?.lastWriteDisplayData;
  return typeof fn === "function" ? fn : null;
}

/** True when output goes to a notebook (tslab kernel or the headless runner). */
export function inNotebook(): boolean {
  return tslabWriter() !== null;
}

/** Send a multi-representation display message; outside a notebook print its text/plain. */
export function display(bundle: DisplayBundle): void {
  const write = tslabWriter();
  if (write) {
    write({ data: bundle.data, metadata: bundle.metadata ?? {}, transient: {} }, false);
    return;
  }
  const text = bundle.data["text/plain"];
  process.stdout.write(`${typeof text === "string" ? text : "[rich output; run in a notebook to see it]"}\n`);
}

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

let plotlySent = false;
let figureCount = 0;

/** Options of {@link showFigure}. */
export interface ShowFigureOptions {
  /**
   * Inline plotly.js with this figure. Default: only for the first figure of the session. Pass
   * true again if that first output was cleared and figures stop drawing.
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

/**
 * HTML that draws `fig` into its own div, waiting (up to 10 s) for plotly.js to be loaded by an
 * earlier output. With `withPlotly`, the plotly.js bundle is included in front.
 */
export function figureDivHtml(fig: Figure, opts: { withPlotly?: boolean; height?: number; id?: string } = {}): string {
  checkFigure(fig);
  const id = opts.id ?? `heritage-fig-${process.pid}-${++figureCount}-${Date.now().toString(36)}`;
  const layout = (fig.layout ?? {}) as { height?: number };
  const height = layout.height ?? opts.height ?? 450;
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  const parts: string[] = [];
  if (opts.withPlotly) parts.push(`<script type="text/javascript">${plotlySource()}</script>`);
  parts.push(
    `<div id="${id}" style="width:100%;height:${height}px"></div>`,
    "<script>",
    "(function () {",
    `  var id = ${JSON.stringify(id)}, tries = 0;`,
    `  var fig = ${scriptJson({ data: fig.data, layout: fig.layout ?? {}, config })};`,
    "  function draw() {",
    "    var el = document.getElementById(id);",
    "    if (window.Plotly && el) { window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); return; }",
    "    if (++tries < 100) { setTimeout(draw, 100); return; }",
    "    if (el) el.textContent = 'plotly.js is not loaded: re-run the first figure cell, or showFigure(fig, { includePlotly: true }).';",
    "  }",
    "  draw();",
    "})();",
    "</script>",
  );
  return parts.join("\n");
}

/** Show a plotly figure inline (see the module comment for how it renders offline). */
export function showFigure(fig: Figure, opts: ShowFigureOptions = {}): void {
  checkFigure(fig);
  if (!inNotebook()) {
    display({ data: { "text/plain": describeFigure(fig) } });
    return;
  }
  const withPlotly = opts.includePlotly ?? !plotlySent;
  plotlySent = true;
  const plain = JSON.parse(JSON.stringify({ data: fig.data, layout: fig.layout ?? {} }, typedArrayReplacer)) as object;
  display({
    data: {
      "application/vnd.plotly.v1+json": plain,
      "text/html": figureDivHtml(fig, { withPlotly, ...(opts.height !== undefined ? { height: opts.height } : {}) }),
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

/** An HTML table of `rows` (numbers right-aligned). */
export function tableHtml(rows: Record<string, unknown>[], opts: TableOptions = {}): string {
  const cols = columnsOf(rows, opts.columns);
  const max = opts.maxRows ?? 50;
  const shown = rows.slice(0, max);
  const th = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map(
      (r) =>
        "<tr>" +
        cols
          .map((c) => {
            const v = r[c];
            const style = typeof v === "number" ? ' style="text-align:right"' : "";
            return `<td${style}>${escapeHtml(formatCell(v, opts.digits))}</td>`;
          })
          .join("") +
        "</tr>",
    )
    .join("\n");
  const more = rows.length > max ? `\n<tr><td colspan="${cols.length}">... ${rows.length - max} more rows</td></tr>` : "";
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : "";
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
