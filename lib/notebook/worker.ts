/**
 * Child process that executes one notebook's code cells with tslab's own converter and executor
 * (the same code the tslab Jupyter kernel runs), so cells behave exactly as in Jupyter, while we
 * see the real error objects (Jupyter's nbconvert only shows `<Error>:` for tslab).
 *
 * Started by ./run.ts with `fork()`, cwd = the notebook's folder (as Jupyter does, so relative
 * imports such as `../dist/lib/...` resolve the same way). Protocol over the IPC channel:
 *   child -> parent: { type: "hello" } once it listens;
 *   parent -> child: { type: "run", cells: [{ index, source, quiet }], echo } in answer;
 *   child -> parent: { type: "ready", startS } once tslab is loaded,
 *                    { type: "cell", index, ok, outputs, executionCount, durationS } per cell,
 *                    { type: "done" } at the end (the child then exits).
 * Execution stops at the first failing cell.
 */
import { createRequire } from "node:module";
import { format, inspect } from "node:util";
import type { Output } from "./ipynb.js";

const require = createRequire(import.meta.url);

/** A code cell to run. */
export interface WorkerCell {
  /** Index of the cell in the notebook (for reports). */
  index: number;
  /** Cell source. */
  source: string;
  /** Drop the value of the last expression (used for the injected parameters cell). */
  quiet?: boolean;
}

/** The job message. */
export interface WorkerJob {
  type: "run";
  cells: WorkerCell[];
  /** Copy cell output to stderr as it happens (for watching a long run). */
  echo: boolean;
}

/** One executed cell as reported to the parent. */
export interface WorkerCellResult {
  type: "cell";
  index: number;
  ok: boolean;
  executionCount: number;
  durationS: number;
  outputs: Output[];
}

interface Executor {
  execute(src: string): Promise<boolean>;
  close(): void;
}

type WriteDisplayData = (
  msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient?: { display_id?: string } },
  update: boolean,
) => void;

/** Collects the outputs of the running cell, merging consecutive stream chunks as Jupyter does. */
class CellOutputs {
  outputs: Output[] = [];
  errors: unknown[] = [];
  private displays = new Map<string, Output & { output_type: "display_data" }>();

  stream(name: "stdout" | "stderr", text: string): void {
    const last = this.outputs[this.outputs.length - 1];
    if (last && last.output_type === "stream" && last.name === name) {
      last.text = (last.text as string) + text;
    } else {
      this.outputs.push({ output_type: "stream", name, text });
    }
  }

  displayData(msg: Parameters<WriteDisplayData>[0], update: boolean): void {
    const id = msg.transient?.display_id;
    if (update && id && this.displays.has(id)) {
      const out = this.displays.get(id)!;
      out.data = msg.data;
      out.metadata = msg.metadata ?? {};
      return;
    }
    const out = { output_type: "display_data" as const, data: msg.data, metadata: msg.metadata ?? {} };
    this.outputs.push(out);
    if (id) this.displays.set(id, out);
  }

  result(value: unknown, count: number): void {
    const text = typeof value === "string" ? value : inspect(value, { depth: 4, maxArrayLength: 50, breakLength: 100 });
    this.outputs.push({ output_type: "execute_result", execution_count: count, data: { "text/plain": text }, metadata: {} });
  }

  /** Turn what the executor reported as errors into one nbformat error output. */
  errorOutput(): Output {
    const err = this.errors.find((e) => e instanceof Error) as Error | undefined;
    if (err) {
      const stack = (err.stack ?? `${err.name}: ${err.message}`).split("\n");
      // Drop the frames of tslab and Node internals below the cell: they say nothing about the notebook.
      const cut = stack.findIndex((l) => /at Script\.runInThisContext|tslab[/\\]dist[/\\]executor\.js/.test(l));
      return { output_type: "error", ename: err.name, evalue: err.message, traceback: cut > 0 ? stack.slice(0, cut) : stack };
    }
    const lines = this.errors.map((e) => String(e));
    if (lines.length === 0) lines.push("the cell failed without an error message");
    const compile = lines.every((l) => /^\S*\s?\d+:\d+ - /.test(l));
    return {
      output_type: "error",
      ename: compile ? "TypeScriptError" : "Error",
      evalue: lines.join("\n"),
      traceback: lines.map((l) => (compile ? `line ${l}` : l)),
    };
  }
}

function send(msg: object): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error("notebook worker must be started by fork() with an IPC channel"));
      return;
    }
    process.send(msg, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

async function runJob(job: WorkerJob): Promise<void> {
  const start = Date.now();
  const realErr = process.stderr.write.bind(process.stderr);
  const echo = (text: string): void => {
    if (job.echo) realErr(text);
  };

  let current = new CellOutputs();
  let asyncFailure = false;
  const capture =
    (name: "stdout" | "stderr") =>
    (chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      current.stream(name, text);
      echo(text);
      const done = typeof encoding === "function" ? encoding : cb;
      if (typeof done === "function") (done as () => void)();
      return true;
    };
  process.stdout.write = capture("stdout") as typeof process.stdout.write;
  process.stderr.write = capture("stderr") as typeof process.stderr.write;
  // Errors thrown later from callbacks or promises nobody awaited: record them, fail the cell.
  const late = (err: unknown): void => {
    current.errors.push(err);
    asyncFailure = true;
    echo(`${err instanceof Error ? err.stack : String(err)}\n`);
  };
  process.on("uncaughtException", late);
  process.on("unhandledRejection", late);

  const { createConverter } = require("tslab/dist/converter.js") as {
    createConverter(o: { isJS: boolean; isBrowser: boolean }): { close(): void };
  };
  const { createExecutor } = require("tslab/dist/executor.js") as {
    createExecutor(rootDir: string, convs: object, console: { log(...a: unknown[]): void; error(...a: unknown[]): void }): Executor;
  };
  const jupyter = require("tslab/dist/jupyter.js") as { lastWriteDisplayData: WriteDisplayData | null };

  let node: { close(): void } | null = null;
  const convs = {
    get node() {
      return (node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser(): never {
      throw new Error("browser-mode cells (//%browser) are not supported by the headless runner");
    },
    close() {
      node?.close();
    },
  };
  let count = 0;
  let lastValue: { value: unknown } | null = null;
  const executor = createExecutor(process.cwd(), convs, {
    // The executor logs the value of a cell's last expression with log() and errors with error().
    log: (...args: unknown[]) => {
      lastValue = { value: args.length === 1 ? args[0] : format(...args) };
    },
    error: (...args: unknown[]) => {
      current.errors.push(args.length === 1 ? args[0] : format(...(args as [string, ...unknown[]])));
    },
  });
  // Echo of displays updated in place (progress lines, cell logs): at most one line per display
  // every few seconds, and the last state at the end of the cell.
  const echoed = new Map<string, number>();
  const pending = new Map<string, string>();
  const textOf = (msg: Parameters<WriteDisplayData>[0]): string => {
    const text = msg.data["text/plain"];
    return typeof text === "string" ? `${text}\n` : `[${Object.keys(msg.data).join(", ")}]\n`;
  };
  const flushEcho = (): void => {
    for (const text of pending.values()) echo(text);
    pending.clear();
    echoed.clear();
  };
  // Like tslab's kernel, a new writer for every cell (lib/util/log.ts tells cells apart by it).
  const cellWriter = (): WriteDisplayData => (msg, update) => {
    current.displayData(msg, update);
    const id = msg.transient?.display_id;
    if (!id) {
      echo(textOf(msg));
      return;
    }
    const now = Date.now();
    if (now - (echoed.get(id) ?? -Infinity) >= 5000) {
      echoed.set(id, now);
      pending.delete(id);
      echo(textOf(msg));
    } else {
      pending.set(id, textOf(msg));
    }
  };
  jupyter.lastWriteDisplayData = cellWriter();
  convs.node; // warm the TypeScript compiler before the first cell (as tslab's kernel does)
  await send({ type: "ready", startS: (Date.now() - start) / 1000 });

  for (const cell of job.cells) {
    current = new CellOutputs();
    jupyter.lastWriteDisplayData = cellWriter();
    lastValue = null;
    asyncFailure = false;
    count++;
    const t0 = Date.now();
    let ok = await executor.execute(cell.source);
    // Let already-queued callbacks run, so their output and errors land in this cell.
    await new Promise((r) => setImmediate(r));
    if (asyncFailure) ok = false;
    flushEcho();
    if (lastValue && !cell.quiet) current.result((lastValue as { value: unknown }).value, count);
    if (!ok) current.outputs.push(current.errorOutput());
    const result: WorkerCellResult = {
      type: "cell",
      index: cell.index,
      ok,
      executionCount: count,
      durationS: (Date.now() - t0) / 1000,
      outputs: current.outputs,
    };
    await send(result);
    if (!ok) break;
  }
  executor.close();
  await send({ type: "done" });
}

process.on("message", (msg: WorkerJob) => {
  if (!msg || msg.type !== "run") return;
  process.removeAllListeners("message");
  runJob(msg).then(
    () => process.exit(0),
    async (err: unknown) => {
      await send({ type: "fatal", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }).catch(() => undefined);
      process.exit(1);
    },
  );
});
// Ask for the job only now that the listener is in place (a message sent earlier could be lost).
void send({ type: "hello" });
