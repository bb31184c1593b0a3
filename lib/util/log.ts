/**
 * Logging. From the CLI, lines go to stderr, so stdout stays clean for `--json` output. In a
 * notebook (tslab kernel or the headless runner), `info` lines of one cell gather in one small
 * output that updates in place (collapsed to its last line; click to see all), because Jupyter
 * shows stderr in pink boxes that read as errors; `warn` still goes to stderr there.
 */
import { tslabWriter, updatableDisplay, type UpdatableDisplay, type WriteDisplayData } from "../plot/notebook-output.js";

let quiet = process.env.HERITAGE_QUIET === "1";

export function setQuiet(q: boolean): void {
  quiet = q;
}

/** Lines kept in a cell's log output (the oldest go first). */
const MAX_LOG_LINES = 200;

let cellLog: { writer: WriteDisplayData; out: UpdatableDisplay; lines: string[]; dropped: number } | null = null;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** HTML of a cell's log: a one-line summary (the last line) that opens to every line. */
export function logHtml(lines: readonly string[], dropped = 0): string {
  const last = lines[lines.length - 1] ?? "";
  const n = lines.length + dropped;
  const style = "font-family:var(--jp-code-font-family,monospace);font-size:12px;color:var(--jp-ui-font-color2,#616161);text-align:left";
  const all = (dropped ? `(${dropped} earlier lines not kept)\n` : "") + lines.join("\n");
  const count = n > 1 ? ` <span style="opacity:0.7">(log: ${n} lines)</span>` : "";
  return (
    `<details class="heritage-log" style="${style}"><summary style="cursor:pointer">${escapeHtml(last)}${count}</summary>` +
    `<pre style="margin:0.3em 0 0 1em;font-size:12px;white-space:pre-wrap">${escapeHtml(all)}</pre></details>`
  );
}

/** Add a line to the running cell's log output; false when not in a notebook. */
function notebookInfo(message: string): boolean {
  const writer = tslabWriter();
  if (!writer) return false;
  if (!cellLog || cellLog.writer !== writer) {
    const out = updatableDisplay();
    if (!out) return false;
    cellLog = { writer, out, lines: [], dropped: 0 };
  }
  cellLog.lines.push(...message.split("\n"));
  if (cellLog.lines.length > MAX_LOG_LINES) {
    const drop = cellLog.lines.length - MAX_LOG_LINES;
    cellLog.lines.splice(0, drop);
    cellLog.dropped += drop;
  }
  cellLog.out.set({ data: { "text/html": logHtml(cellLog.lines, cellLog.dropped), "text/plain": cellLog.lines.join("\n") } });
  return true;
}

export function info(message: string): void {
  if (quiet) return;
  if (notebookInfo(message)) return;
  process.stderr.write(message + "\n");
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
