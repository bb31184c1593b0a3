/**
 * The resumable state of an output folder: `<out>/.harvest/journal.jsonl`, one JSON line per
 * decision (an image done, a record rejected for good, a transient failure to retry next run).
 * Lines are appended with O_APPEND; a line cut short by a killed process is ignored on load, so a
 * rerun redoes at most that one record. The manifest is rebuilt from the journal, never the reverse.
 *
 * A lock file (`<out>/.harvest/lock`, holding the pid) stops two harvests writing one folder; a lock
 * left by a dead process (SIGKILL) is taken over.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { warn } from "../util/log.js";
import type { HarvestRecord } from "./manifest.js";

/** One journal line. `done` carries the manifest row; the others a reason. */
export type JournalEntry =
  | { id: string; source: string; status: "done"; record: HarvestRecord; at: string }
  | { id: string; source: string; status: "rejected" | "failed"; reason: string; at: string };

/** The journal file of an output folder. */
export function journalPath(outDir: string): string {
  return path.join(outDir, ".harvest", "journal.jsonl");
}

/** Loaded journal: the latest entry per id, in first-seen order, plus an appender. */
export class Journal {
  private constructor(
    readonly file: string,
    readonly entries: Map<string, JournalEntry>,
    /** Lines that did not parse (a line cut by a kill); they are skipped. */
    readonly brokenLines: number,
  ) {}

  /** Read `<outDir>/.harvest/journal.jsonl` (absent = empty). */
  static async open(outDir: string): Promise<Journal> {
    const file = journalPath(outDir);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const entries = new Map<string, JournalEntry>();
    let broken = 0;
    let text = "";
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`cannot read ${file}: ${(err as Error).message}`);
    }
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const e = JSON.parse(line) as JournalEntry;
        if (typeof e?.id !== "string" || typeof e?.status !== "string") throw new Error("not a journal entry");
        entries.set(e.id, e);
      } catch {
        broken++;
        if (i !== lines.length - 1) warn(`${file}: line ${i + 1} is not a journal entry; ignored`);
      }
    });
    // a line cut short by a kill: start the next append on a fresh line
    if (text.length > 0 && !text.endsWith("\n")) await fsp.appendFile(file, "\n");
    return new Journal(file, entries, broken);
  }

  get(id: string): JournalEntry | undefined {
    return this.entries.get(id);
  }

  /** Append one entry (a single write of one line) and remember it. */
  async append(entry: JournalEntry): Promise<void> {
    await fsp.appendFile(this.file, JSON.stringify(entry) + "\n");
    this.entries.set(entry.id, entry);
  }

  /** The manifest rows: every `done` entry, in journal order. */
  doneRecords(): HarvestRecord[] {
    const out: HarvestRecord[] = [];
    for (const e of this.entries.values()) if (e.status === "done") out.push(e.record);
    return out;
  }
}

/** The lock file of an output folder. */
export function lockPath(outDir: string): string {
  return path.join(outDir, ".harvest", "lock");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Take the folder's lock or throw naming the holder. Returns a release function (also run on
 * process exit). A lock whose pid is dead is stale and taken over.
 */
export function acquireLock(outDir: string): () => void {
  const file = lockPath(outDir);
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          if (readFileSync(file, "utf8") === String(process.pid)) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`cannot create lock ${file}: ${(err as Error).message}`);
      const pid = Number(existsSync(file) ? readFileSync(file, "utf8").trim() : NaN);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`another harvest (pid ${pid}) is writing to ${outDir}; wait for it or remove ${file} if it is gone`);
      }
      rmSync(file, { force: true }); // stale: its process is dead
    }
  }
  throw new Error(`cannot take the lock ${file}`);
}
