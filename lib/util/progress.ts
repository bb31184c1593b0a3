/**
 * Progress reporting for long work. On a terminal it draws a bar (cli-progress) on stderr; in a
 * notebook (tslab kernel or the headless runner) it shows one output that updates in place and
 * ends as a one-line summary, so stderr (pink in Jupyter) stays for warnings; elsewhere (CI,
 * pipes) it prints a line at most every few seconds, so logs stay readable.
 */
import cliProgress from "cli-progress";
import { updatableDisplay, type UpdatableDisplay } from "../plot/notebook-output.js";
import { info } from "./log.js";

export interface Progress {
  /** Advance by `n` steps, optionally updating the extra text (losses, rates). */
  tick(n?: number, extra?: string): void;
  /** Finish the bar and print a closing line. */
  stop(summary?: string): void;
}

export interface ProgressOptions {
  /**
   * Force the terminal bar on or off; default: on when stderr is a TTY and HERITAGE_QUIET is
   * unset. Unset in a notebook: the notebook display is used.
   */
  bar?: boolean;
  /** Minimum seconds between plain log lines when no bar is drawn. */
  intervalSeconds?: number;
}

/** Seconds as "4.2 s", "3 min 05 s", "1 h 02 min". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, "0")} min`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** State of a progress line, as the notebook display renders it. */
export interface ProgressState {
  label: string;
  done: number;
  total: number;
  elapsedS: number;
  extra: string;
  /** Set once stopped: the closing summary ("" when none was given). */
  summary?: string;
}

/** The text of a progress line (the text/plain form of the notebook display). */
export function progressText(p: ProgressState): string {
  const count = `${p.done}/${p.total}`;
  if (p.summary !== undefined) return `${p.label}: ${p.summary ? `${p.summary} ` : ""}(${count} in ${formatSeconds(p.elapsedS)})`;
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
  const eta = p.done > 0 ? (p.elapsedS / p.done) * (p.total - p.done) : NaN;
  return `${p.label} ${count} ${pct}% (${formatSeconds(p.elapsedS)}, eta ${formatSeconds(eta)})${p.extra ? ` ${p.extra}` : ""}`;
}

/** One-line HTML of a progress line: a native <progress> bar and the text, small and grey. */
export function progressHtml(p: ProgressState): string {
  const value = Math.min(p.done, p.total);
  const bar = `<progress value="${value}" max="${Math.max(p.total, 1)}" style="width:10em;height:0.9em;vertical-align:middle;margin-right:0.6em"></progress>`;
  return `<div class="heritage-progress" style="font-family:var(--jp-code-font-family,monospace);font-size:12px;color:var(--jp-ui-font-color2,#616161);text-align:left">${bar}${escapeHtml(progressText(p))}</div>`;
}

/** Progress as one notebook output updated in place (at most every `minMs`), ending as a summary. */
function notebookProgress(label: string, total: number, out: UpdatableDisplay, minMs = 250): Progress {
  const start = Date.now();
  const state: ProgressState = { label, done: 0, total, elapsedS: 0, extra: "" };
  let last = 0;
  const render = (): void => {
    state.elapsedS = (Date.now() - start) / 1000;
    out.set({ data: { "text/html": progressHtml(state), "text/plain": progressText(state) } });
  };
  render();
  return {
    tick(n = 1, extra) {
      state.done += n;
      if (extra !== undefined) state.extra = extra;
      const now = Date.now();
      if (now - last >= minMs || state.done >= total) {
        last = now;
        render();
      }
    },
    stop(summary) {
      state.summary = summary ?? "";
      render();
    },
  };
}

export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const quiet = process.env.HERITAGE_QUIET === "1";
  if (opts.bar === undefined) {
    const out = quiet ? null : updatableDisplay();
    if (out) return notebookProgress(label, total, out);
  }
  const useBar = opts.bar ?? (Boolean(process.stderr.isTTY) && !quiet);
  const start = Date.now();
  let done = 0;
  let extraText = "";
  if (useBar) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted} | {extra}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { extra: "" });
    return {
      tick(n = 1, extra) {
        done += n;
        if (extra !== undefined) extraText = extra;
        bar.update(done, { extra: extraText });
      },
      stop(summary) {
        bar.stop();
        if (summary) info(`${label}: ${summary}`);
      },
    };
  }
  const interval = (opts.intervalSeconds ?? 5) * 1000;
  let last = start;
  return {
    tick(n = 1, extra) {
      done += n;
      if (extra !== undefined) extraText = extra;
      const now = Date.now();
      if (!quiet && (now - last >= interval || done === total)) {
        last = now;
        const s = (now - start) / 1000;
        const eta = done > 0 ? (s / done) * (total - done) : 0;
        info(`${label} ${done}/${total} (${s.toFixed(0)} s, eta ${eta.toFixed(0)} s) ${extraText}`);
      }
    },
    stop(summary) {
      if (summary) info(`${label}: ${summary}`);
    },
  };
}
