/**
 * The notebook's display channel, and nothing else: whether this process runs cells for a
 * notebook (the tslab kernel in Jupyter, or the headless runner of lib/notebook/worker.ts), and
 * sending display messages on it, including updatable ones (Jupyter's `display_id` +
 * `update_display_data`, which tslab 1.0.22 passes through).
 *
 * Kept free of heavy imports so that lib/util/log.ts and lib/util/progress.ts can use it.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** One display message: representations keyed by MIME type, plus per-type metadata. */
export interface DisplayBundle {
  /** MIME type -> content (strings; base64 for binary types; JSON objects for +json types). */
  data: Record<string, unknown>;
  /** MIME type -> metadata, e.g. `{ "image/png": { width: 256 } }`. */
  metadata?: Record<string, unknown>;
}

/** tslab's writer: `update` false sends `display_data`, true sends `update_display_data`. */
export type WriteDisplayData = (
  msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/**
 * tslab's display hook when this process is a tslab kernel (or the headless runner); null otherwise.
 * tslab sets `lastWriteDisplayData` to a new function for every executed cell, so its identity
 * also tells one cell from the next.
 */
export function tslabWriter(): WriteDisplayData | null {
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

/** An output that can be replaced in place (a progress line, a cell's log). */
export interface UpdatableDisplay {
  /** Show `bundle` (the first call) or replace what was shown (later calls). */
  set(bundle: DisplayBundle): void;
  /** The writer of the cell that showed it (null before the first `set`). */
  readonly writer: WriteDisplayData | null;
}

/**
 * A display that later calls replace in place. Only in a notebook (returns null elsewhere): the
 * first `set` sends `display_data` with a fresh `display_id`, later ones `update_display_data`.
 */
export function updatableDisplay(): UpdatableDisplay | null {
  if (!tslabWriter()) return null;
  const displayId = `heritage-${randomBytes(8).toString("hex")}`;
  let writer: WriteDisplayData | null = null;
  return {
    set(bundle) {
      const current = tslabWriter();
      if (!current) return;
      const update = writer !== null;
      writer ??= current;
      current({ data: bundle.data, metadata: bundle.metadata ?? {}, transient: { display_id: displayId } }, update);
    },
    get writer() {
      return writer;
    },
  };
}
