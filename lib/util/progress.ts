/**
 * Progress reporting for long work. On a terminal it draws a bar (cli-progress); elsewhere
 * (CI, notebooks, pipes) it prints a line at most every few seconds, so logs stay readable.
 */
import cliProgress from "cli-progress";
import { info } from "./log.js";

export interface Progress {
  /** Advance by `n` steps, optionally updating the extra text (losses, rates). */
  tick(n?: number, extra?: string): void;
  /** Finish the bar and print a closing line. */
  stop(summary?: string): void;
}

export interface ProgressOptions {
  /** Force the bar on or off; default: on when stderr is a TTY and HERITAGE_QUIET is unset. */
  bar?: boolean;
  /** Minimum seconds between plain log lines when no bar is drawn. */
  intervalSeconds?: number;
}

export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const quiet = process.env.HERITAGE_QUIET === "1";
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
