/**
 * Where plotly.js comes from: the minified bundle of `plotly.js-dist-min` (4.8 MB), falling back to
 * the unminified `plotly.js-dist` bundle. Read once per process and kept, since standalone HTML,
 * notebook display and image export all inline it (no CDN: everything works offline).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let cached: { file: string; source: string } | null = null;

/** Path of the plotly.js bundle that will be inlined. Throws a clear error when neither package is installed. */
export function plotlyBundlePath(): string {
  for (const id of ["plotly.js-dist-min/plotly.min.js", "plotly.js-dist/plotly.js"]) {
    try {
      return require.resolve(id);
    } catch {
      // try the next one
    }
  }
  throw new Error("cannot find plotly.js: install plotly.js-dist-min (npm install) to export or show figures");
}

/** The plotly.js bundle source (cached after the first read). */
export function plotlySource(): string {
  if (!cached) {
    const file = plotlyBundlePath();
    cached = { file, source: readFileSync(file, "utf8") };
  }
  return cached.source;
}

/** The plotly.js version inlined (from the bundle header), e.g. "3.7.0". */
export function plotlyVersion(): string {
  const m = /plotly\.js v(\d+\.\d+\.\d+)/.exec(plotlySource().slice(0, 200));
  return m ? m[1]! : "unknown";
}

/**
 * JSON for embedding inside an HTML `<script>`: `<`, `>`, `&` and the line separators are escaped
 * so that a string such as "</script>" inside the figure data cannot end the script early.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, typedArrayReplacer)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON.stringify replacer turning typed arrays (Float32Array, ...) into plain arrays, as plotly expects. */
export function typedArrayReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}
