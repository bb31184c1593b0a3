/**
 * Write figures to files: standalone HTML (plotly.js inlined, opens offline in any browser) and
 * PNG or SVG for publication, rendered by plotly itself (`Plotly.toImage`) inside headless Chromium
 * driven by playwright-core.
 *
 * One browser is started on the first image export and reused by later ones; it closes itself after
 * a few idle seconds, or at once with {@link closeBrowser} (call it at the end of a script so the
 * process can exit without waiting).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { writeFileAtomic } from "../util/fs.js";
import type { Figure } from "./figure.js";
import { escapeHtml, plotlySource, scriptJson } from "./plotly-source.js";

const require = createRequire(import.meta.url);

/** The flags that make Chromium start headless in a container with no GPU, sandbox or network. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** Message of the error thrown when image export is asked for and Chromium cannot be used. */
export const NO_CHROMIUM_MESSAGE = "PNG/SVG export needs Chromium: apt-get install chromium";

/** The Chromium executable to use (HERITAGE_CHROMIUM, else the first of /usr/bin/chromium, ...), or null. */
export function chromiumPath(): string | null {
  const env = process.env.HERITAGE_CHROMIUM;
  if (env) return existsSync(env) ? env : null;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function playwrightInstalled(): boolean {
  try {
    require.resolve("playwright-core");
    return true;
  } catch {
    return false;
  }
}

/** True when PNG/SVG export can run here: Chromium is installed and playwright-core is resolvable. */
export function chromiumAvailable(): boolean {
  return chromiumPath() !== null && playwrightInstalled();
}

// ---------------------------------------------------------------------------------------------
// HTML

/** Options of {@link figureHtml} and {@link saveFigureHtml}. */
export interface HtmlOptions {
  /** Page title (browser tab). Default: the figure's layout title, else "figure". */
  title?: string;
}

function layoutTitle(fig: Figure): string | undefined {
  const t = (fig.layout as { title?: string | { text?: string } } | undefined)?.title;
  return typeof t === "string" ? t : t?.text;
}

/**
 * A standalone HTML page showing `fig`, with the whole plotly.js bundle inlined, so the file opens
 * offline. The figure fills the window unless its layout fixes width/height.
 */
export function figureHtml(fig: Figure, opts: HtmlOptions = {}): string {
  checkFigure(fig);
  const title = escapeHtml(opts.title ?? layoutTitle(fig) ?? "figure");
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    "<style>html,body{margin:0;height:100%;font-family:sans-serif}#figure{width:100%;height:100%}</style>",
    `<script type="text/javascript">${plotlySource()}</script>`,
    "</head>",
    "<body>",
    '<div id="figure"></div>',
    "<script>",
    `Plotly.newPlot("figure", ${scriptJson(fig.data)}, ${scriptJson(fig.layout ?? {})}, ${scriptJson(config)});`,
    "</script>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** Write `fig` as a standalone, offline HTML page (atomically). Returns the file written. */
export async function saveFigureHtml(fig: Figure, file: string, opts: HtmlOptions = {}): Promise<string> {
  await writeFileAtomic(file, figureHtml(fig, opts));
  return file;
}

/** Throws a clear error when `fig` is not a {data, layout?, config?} object. */
export function checkFigure(fig: Figure): void {
  if (!fig || typeof fig !== "object" || !Array.isArray(fig.data)) {
    throw new Error("not a plotly figure: expected { data: [...traces], layout?, config? }");
  }
}

// ---------------------------------------------------------------------------------------------
// PNG / SVG through headless Chromium

/** Options of {@link saveFigureImage} and {@link renderFigureImage}. */
export interface ImageOptions {
  /** "png" (raster, for slides and the web) or "svg" (vector, for papers). Default: from the file extension, else "png". */
  format?: "png" | "svg";
  /** Width in CSS pixels. Default: the layout's width, else 800. */
  width?: number;
  /** Height in CSS pixels. Default: the layout's height, else 500. */
  height?: number;
  /** Pixel-density multiplier (2 gives a 1600-pixel-wide PNG from width 800). Range 1..5. Default 2 for PNG, 1 for SVG. */
  scale?: number;
}

// Minimal structural types for the parts of playwright-core we use (keeps its types out of our API).
interface PwPage {
  setContent(html: string, opts?: { waitUntil?: "load" }): Promise<void>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}
interface PwBrowser {
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}

let session: { browser: PwBrowser; page: PwPage } | null = null;
let starting: Promise<{ browser: PwBrowser; page: PwPage }> | null = null;
let idleTimer: NodeJS.Timeout | null = null;
let queue: Promise<unknown> = Promise.resolve();

/** Seconds an unused browser stays open before it closes itself (HERITAGE_BROWSER_IDLE_S, default 5). */
function idleMs(): number {
  const s = Number(process.env.HERITAGE_BROWSER_IDLE_S ?? 5);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 5000;
}

async function startBrowser(): Promise<{ browser: PwBrowser; page: PwPage }> {
  const exe = chromiumPath();
  if (!exe || !playwrightInstalled()) throw new Error(NO_CHROMIUM_MESSAGE);
  const { chromium } = (await import("playwright-core")) as unknown as {
    chromium: { launch(o: object): Promise<PwBrowser> };
  };
  // playwright gives the browser a fresh temporary profile (--user-data-dir) per launch.
  let browser: PwBrowser;
  try {
    browser = await chromium.launch({ executablePath: exe, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (err) {
    throw new Error(`cannot start Chromium (${exe}) for PNG/SVG export: ${(err as Error).message.split("\n")[0]}`);
  }
  const page = await browser.newPage();
  const empty = '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div id="figure"></div></body></html>';
  await page.setContent(empty);
  // Load plotly once per browser; every export reuses it.
  await page.evaluate((src: string) => {
    const s = document.createElement("script");
    s.textContent = src;
    document.head.appendChild(s);
  }, plotlySource());
  session = { browser, page };
  return { browser, page };
}

async function getPage(): Promise<PwPage> {
  if (idleTimer) {
    clearTimeout(idleTimer);
    idleTimer = null;
  }
  if (session) return session.page;
  if (!starting) {
    starting = startBrowser().finally(() => {
      starting = null;
    });
  }
  return (await starting).page;
}

function scheduleIdleClose(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    void closeBrowser();
  }, idleMs());
}

/** Close the shared export browser now (safe to call when none is open). */
export async function closeBrowser(): Promise<void> {
  if (idleTimer) {
    clearTimeout(idleTimer);
    idleTimer = null;
  }
  const s = session;
  session = null;
  if (s) await s.browser.close().catch(() => undefined);
}

function formatFor(file: string | null, opts: ImageOptions): "png" | "svg" {
  if (opts.format) {
    if (opts.format !== "png" && opts.format !== "svg") throw new Error(`unknown image format "${opts.format}": use png or svg`);
    return opts.format;
  }
  const ext = file ? path.extname(file).toLowerCase() : "";
  return ext === ".svg" ? "svg" : "png";
}

/**
 * Render `fig` to PNG bytes or SVG text with plotly's own exporter in headless Chromium.
 * Throws "PNG/SVG export needs Chromium: apt-get install chromium" when Chromium is absent.
 */
export async function renderFigureImage(fig: Figure, opts: ImageOptions = {}): Promise<Buffer> {
  checkFigure(fig);
  const format = formatFor(null, opts);
  const layout = (fig.layout ?? {}) as { width?: number; height?: number };
  const width = opts.width ?? layout.width ?? 800;
  const height = opts.height ?? layout.height ?? 500;
  const scale = opts.scale ?? (format === "svg" ? 1 : 2);
  if (!(width > 0 && height > 0)) throw new Error(`image size must be positive, got ${width}x${height}`);
  if (!(scale > 0 && scale <= 10)) throw new Error(`scale must be in (0, 10], got ${scale}`);
  const job = queue.then(async () => {
    const page = await getPage();
    try {
      const figJson = scriptJson({ data: fig.data, layout: fig.layout ?? {}, config: fig.config ?? {} });
      const url = await page.evaluate(
        async (a: { fig: string; format: string; width: number; height: number; scale: number }) => {
          const P = (globalThis as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }).Plotly;
          return P.toImage(JSON.parse(a.fig), { format: a.format, width: a.width, height: a.height, scale: a.scale });
        },
        { fig: figJson, format, width, height, scale },
      );
      return decodeDataUrl(url);
    } finally {
      scheduleIdleClose();
    }
  });
  queue = job.catch(() => undefined);
  return job;
}

/** Decode the data: URL plotly's toImage returns (base64 for PNG, percent-encoded for SVG). */
export function decodeDataUrl(url: string): Buffer {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma < 0) throw new Error(`unexpected image data from plotly: ${url.slice(0, 40)}...`);
  const head = url.slice(5, comma);
  const body = url.slice(comma + 1);
  return head.endsWith(";base64") ? Buffer.from(body, "base64") : Buffer.from(decodeURIComponent(body), "utf8");
}

/**
 * Write `fig` as PNG or SVG (format from `opts.format`, else the file extension), atomically.
 * Returns the file written.
 */
export async function saveFigureImage(fig: Figure, file: string, opts: ImageOptions = {}): Promise<string> {
  const bytes = await renderFigureImage(fig, { ...opts, format: formatFor(file, opts) });
  await writeFileAtomic(file, bytes);
  return file;
}

/**
 * Write `fig` next to each other as `<base>.html`, and `<base>.png` + `<base>.svg` when Chromium is
 * available (otherwise only the HTML, and `images` is false). Returns the files written.
 */
export async function saveFigure(fig: Figure, base: string, opts: HtmlOptions & ImageOptions = {}): Promise<{
  files: string[];
  images: boolean;
}> {
  const files = [await saveFigureHtml(fig, `${base}.html`, opts)];
  if (!chromiumAvailable()) return { files, images: false };
  files.push(await saveFigureImage(fig, `${base}.png`, { ...opts, format: "png" }));
  files.push(await saveFigureImage(fig, `${base}.svg`, { ...opts, format: "svg" }));
  return { files, images: true };
}
