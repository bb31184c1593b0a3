/**
 * Training several DCGANs at once, each in its own child process (the clusters are independent).
 *
 * A pool of `workers` slots; each slot forks one child, `worker-main.js` (the compiled file next to
 * this one), and sends it tasks one at a time, reading back one message per finished epoch and the
 * result (so process start-up and tfjs warm-up are paid once per worker, not once per task).
 * A child loads each task's images through `loadImages` (the on-disk cache makes that cheap) and
 * trains with `trainGan` (so a rerun resumes, and a finished model is skipped); `trainGan` disposes
 * every tensor it makes, so a child's memory stays flat from task to task. A child that dies is
 * replaced by a fresh one for the tasks still queued.
 *
 * CPU: each child's wasm backend gets HERITAGE_THREADS = max(1, floor(cores / workers)) (the
 * parent's HERITAGE_THREADS is not passed on), so the children together do not oversubscribe the
 * cores. The children use the parent's tfjs backend (or HERITAGE_BACKEND), so a model trained in a
 * worker is the same, bit for bit on wasm, as one trained in-process with the same options. GPU (with @tensorflow/tfjs-node-gpu installed):
 * set HERITAGE_GPUS to a comma list of device ids ("0,1"); slot i then runs its children with
 * CUDA_VISIBLE_DEVICES = the i-th id (round robin), and `workers: 0` means one worker per GPU.
 *
 * Failures: a task that throws in its child, or a child that dies (crash, out of memory, killed), is
 * recorded with the task's name, the child's message and stack (or exit code / signal) and the tail
 * of its stderr; the other tasks go on, and at the end one {@link WorkerPoolError} lists every
 * failed task. SIGINT/SIGTERM in the parent kill the children first. Children exit when the parent
 * goes away (their IPC channel closes).
 *
 * Progress: one line per finished epoch per task ("gan k4/cluster-2 epoch 3/10 D .. G .. img/s");
 * children run with HERITAGE_QUIET=1 (no bars); their warnings are forwarded prefixed with the task name.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { DatasetItem } from "../data/dataset.js";
import { backendInfo, type BackendName } from "../runtime/backend.js";
import { info, warn } from "../util/log.js";
import type { EpochRecord, TrainOptions, TrainResult } from "./train.js";

/** `trainGan` options without the callback (they travel to the child as a message). */
export type GanTaskOptions = Omit<TrainOptions, "onEpoch">;

/** One GAN to train in a child process. */
export interface GanTask {
  /** Unique name, used in progress lines and error reports ("general", "k4/cluster-2"). */
  name: string;
  /** Training images, loaded in the child with `loadImages` at `options.arch.imageSize` in this order. */
  items: DatasetItem[];
  /** Output folder of `trainGan` (checkpoints, model, card.json); a rerun resumes there. */
  outDir: string;
  /** Training options, exactly as `trainGan` would get them in-process (same seed => same weights). */
  options: GanTaskOptions;
}

/** One finished epoch of one task, as reported by its child. */
export interface WorkerEpoch {
  task: string;
  /** Epochs planned for the task (after `minSteps`). */
  epochs: number;
  record: EpochRecord;
  /** `tf.memory().numTensors` in the child after the epoch (flat over epochs when nothing leaks). */
  numTensors: number;
  /** `tf.memory().numBytes` in the child after the epoch. */
  numBytes: number;
  /** Process id of the child that ran the epoch. */
  pid: number;
  /** CUDA_VISIBLE_DEVICES of that child (its GPU), or null when unset. */
  device: string | null;
}

export interface WorkerPoolOptions {
  /**
   * Child processes running at once. 0 = one per core (one per GPU when `gpus` is set), capped by
   * the number of tasks. Range 0..(cores or tasks); default 0.
   */
  workers?: number;
  /**
   * wasm threads per child (HERITAGE_THREADS in the child). Default max(1, floor(cores / workers)),
   * so the children share the cores instead of oversubscribing them.
   */
  threadsPerWorker?: number;
  /** GPU device ids, one per worker slot (round robin). Default: HERITAGE_GPUS split on commas, else none. */
  gpus?: readonly string[];
  /** tfjs backend of the children. Default: HERITAGE_BACKEND, else the parent's backend if initialised, else the child picks. */
  backend?: BackendName;
  /** Extra environment variables for the children (e.g. test hooks, see worker-main.ts). */
  env?: Record<string, string>;
  /** Called for every finished epoch of every task (in the parent). */
  onEpoch?: (e: WorkerEpoch) => void;
  /** Called when a task is handed to a worker process, with that process's id. */
  onTaskStart?: (task: string, pid: number) => void;
  /** Print a line per finished epoch and per finished task to stderr. Default true. */
  log?: boolean;
}

/** Why a task did not produce a model. */
export interface TaskFailure {
  task: string;
  /** The child's error message, or how the child died. */
  message: string;
  /** The child's stack trace when it threw. */
  stack?: string;
  exitCode: number | null;
  signal: string | null;
  /** Last lines the child wrote to stderr. */
  stderrTail: string;
}

/** Thrown after all tasks ran when at least one failed; `results` holds those that finished. */
export class WorkerPoolError extends Error {
  constructor(
    readonly failures: TaskFailure[],
    readonly results: Map<string, TrainResult>,
  ) {
    super(
      `${failures.length} of ${failures.length + results.size} GAN training job(s) failed:\n` +
        failures.map((f) => `  ${f.task}: ${f.message}${f.stderrTail ? `\n    stderr: ${f.stderrTail.trim().split("\n").slice(-5).join("\n    ")}` : ""}`).join("\n"),
    );
    this.name = "WorkerPoolError";
  }
}

/** Messages from the parent to a child: train a task, or exit. */
export type TaskMessage = { type: "task"; task: GanTask } | { type: "exit" };

/** Messages from a child to the parent. */
export type ChildMessage =
  | { type: "epoch"; epochs: number; record: EpochRecord; numTensors: number; numBytes: number; pid: number; device: string | null }
  | { type: "done"; result: TrainResult }
  | { type: "error"; message: string; stack?: string };

/** Logical cores available to this process. */
export function availableCores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** GPU ids from HERITAGE_GPUS ("0,1" -> ["0", "1"]); empty when unset. */
export function gpusFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.HERITAGE_GPUS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Workers to start: `requested` (0 = one per core, or per GPU when there are GPUs), capped by the tasks, at least 1. */
export function resolveWorkerCount(requested: number, tasks: number, opts: { cores?: number; gpus?: number } = {}): number {
  if (!Number.isInteger(requested) || requested < 0) throw new Error(`workers must be an integer >= 0, got ${requested}`);
  const auto = opts.gpus ? opts.gpus : (opts.cores ?? availableCores());
  const n = requested === 0 ? auto : requested;
  return Math.max(1, Math.min(n, tasks));
}

/** wasm threads per worker so that `workers` children share `cores`: max(1, floor(cores / workers)). */
export function threadsPerWorker(workers: number, cores: number = availableCores()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}

/** The compiled child entry next to this module (dist/lib/gan/ or .build/<x>/lib/gan/). */
export function workerMainPath(): string {
  const file = fileURLToPath(new URL("./worker-main.js", import.meta.url));
  if (!existsSync(file)) throw new Error(`GAN worker entry ${file} is missing; build the project (npm run build) first`);
  return file;
}

/**
 * The parent's Node flags minus those that must not reach a worker: an `-e`/`-p` script (the child
 * would run it instead of the worker), `--input-type`, test-runner, watch and inspector flags.
 * Memory and diagnostics flags (--max-old-space-size, --enable-source-maps, ...) are kept.
 */
export function childExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (["-e", "--eval", "-p", "--print"].includes(a)) {
      i++; // and its script
      continue;
    }
    if (/^(--eval|--print|--input-type|--test|--watch|--inspect|--debug-port)/.test(a)) continue;
    out.push(a);
  }
  return out;
}

const STDERR_TAIL_LINES = 40;

type TaskOutcome =
  | { kind: "done"; result: TrainResult }
  | { kind: "error"; message: string; stack?: string }
  | { kind: "died"; message: string; exitCode: number | null; signal: string | null };

/**
 * One child process. It runs tasks one at a time (startup and tfjs warm-up are paid once per
 * worker, not per task) until told to exit, or until it dies, which ends its current task.
 */
class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly closed: Promise<void>;
  private isClosed = false;
  private tail: string[] = [];
  private partial = "";
  private current: { task: GanTask; resolve: (o: TaskOutcome) => void } | null = null;
  private spawnError: Error | null = null;

  constructor(
    entry: string,
    env: NodeJS.ProcessEnv,
    execArgv: string[],
    private readonly label: string,
    private readonly onEpoch: (task: GanTask, msg: Extract<ChildMessage, { type: "epoch" }>) => void,
  ) {
    this.child = fork(entry, [], { env, execArgv, stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "advanced" });
    this.child.stdout?.on("data", (c: Buffer) => this.onText(c));
    this.child.stderr?.on("data", (c: Buffer) => this.onText(c));
    this.child.on("message", (m) => this.onMessage(m as ChildMessage));
    this.child.on("error", (err) => {
      this.spawnError ??= err;
    });
    this.closed = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.isClosed = true;
        if (this.partial.trim()) this.onText(Buffer.from("\n"));
        const cur = this.current;
        this.current = null;
        if (cur) {
          const message = this.spawnError
            ? `worker process could not run: ${this.spawnError.message}`
            : signal
              ? `worker process was killed by ${signal}${signal === "SIGKILL" ? " (out of memory, or killed)" : ""}`
              : `worker process exited with code ${code} before reporting a result`;
          cur.resolve({ kind: "died", message, exitCode: code, signal: signal ?? null });
        }
        resolve();
      });
    });
  }

  /** The last lines the child wrote to stdout/stderr during the current (or last) task. */
  get stderrTail(): string {
    return this.tail.join("\n");
  }

  get alive(): boolean {
    return !this.isClosed;
  }

  /** The child's process id (undefined when it could not be started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  run(task: GanTask): Promise<TaskOutcome> {
    this.tail = [];
    return new Promise((resolve) => {
      this.current = { task, resolve };
      try {
        this.child.send({ type: "task", task } satisfies TaskMessage, (err) => {
          if (err) this.spawnError ??= err;
        });
      } catch (err) {
        this.spawnError ??= err as Error;
      }
    });
  }

  /** Ask the child to exit and wait for it. */
  async close(): Promise<void> {
    if (!this.isClosed && this.child.connected) {
      try {
        this.child.send({ type: "exit" } satisfies TaskMessage);
      } catch {
        this.kill("SIGTERM");
      }
    }
    await this.closed;
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.isClosed) this.child.kill(signal);
  }

  private onText(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString("utf8")).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      this.tail.push(line);
      if (this.tail.length > STDERR_TAIL_LINES) this.tail.shift();
      if (line.trim()) process.stderr.write(`[${this.current?.task.name ?? this.label}] ${line}\n`);
    }
  }

  private onMessage(msg: ChildMessage): void {
    const cur = this.current;
    if (!cur) return;
    if (msg.type === "epoch") {
      this.onEpoch(cur.task, msg);
      return;
    }
    this.current = null;
    cur.resolve(msg.type === "done" ? { kind: "done", result: msg.result } : { kind: "error", message: msg.message, stack: msg.stack });
  }
}

/**
 * Train every task in child processes, `workers` at a time (each worker process runs its tasks one
 * after another). Resolves with each task's result by name, in task order; when some tasks failed,
 * rejects (after the others finished) with a {@link WorkerPoolError} that names every failed task
 * and carries the results of the others. Tasks start largest first (most images), which shortens
 * the total time. A worker that dies is replaced for the tasks still queued.
 */
export async function trainInWorkers(tasks: readonly GanTask[], opts: WorkerPoolOptions = {}): Promise<Map<string, TrainResult>> {
  const names = new Set<string>();
  for (const t of tasks) {
    if (names.has(t.name)) throw new Error(`trainInWorkers: two tasks are named "${t.name}"`);
    names.add(t.name);
  }
  const results = new Map<string, TrainResult>();
  if (tasks.length === 0) return results;
  const gpus = opts.gpus ?? gpusFromEnv();
  const workers = resolveWorkerCount(opts.workers ?? 0, tasks.length, { gpus: gpus.length });
  const threads = opts.threadsPerWorker ?? threadsPerWorker(workers);
  const backend = opts.backend ?? (process.env.HERITAGE_BACKEND as BackendName | undefined) ?? backendInfo()?.name;
  const entry = workerMainPath();
  const log = opts.log ?? true;
  const queue = [...tasks].sort((a, b) => b.items.length - a.items.length);
  const failures: TaskFailure[] = [];
  const live = new Set<WorkerProcess>();
  if (log) {
    info(
      `training ${tasks.length} GANs in ${workers} worker process${workers === 1 ? "" : "es"}` +
        (gpus.length ? ` on GPUs ${gpus.join(",")}` : ` (${threads} thread${threads === 1 ? "" : "s"} each)`),
    );
  }

  const killAll = (signal: NodeJS.Signals): void => {
    for (const w of live) w.kill(signal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    killAll("SIGTERM");
    removeHandlers();
    // other handlers of this signal already got it; with none, re-raise it for its default action (exit)
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const onExit = (): void => killAll("SIGKILL");
  const removeHandlers = (): void => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", onExit);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", onExit);

  const execArgv = childExecArgv(process.execArgv);
  const spawn = (slot: number): WorkerProcess => {
    const env: NodeJS.ProcessEnv = { ...process.env, HERITAGE_QUIET: "1", HERITAGE_THREADS: String(threads), ...opts.env };
    if (backend) env.HERITAGE_BACKEND = backend;
    if (gpus.length) env.CUDA_VISIBLE_DEVICES = gpus[slot % gpus.length];
    const w = new WorkerProcess(entry, env, execArgv, `worker ${slot}`, (task, msg) => {
      const r = msg.record;
      if (log) {
        info(
          `${task.options.label ?? task.name} epoch ${r.epoch}/${msg.epochs} D ${r.lossD.toFixed(3)} G ${r.lossG.toFixed(3)} ` +
            `D(x) ${r.dReal.toFixed(2)} D(G(z)) ${r.dFake.toFixed(2)} ${r.imagesPerSecond.toFixed(1)} img/s${msg.device !== null ? ` (GPU ${msg.device})` : ""}`,
        );
      }
      opts.onEpoch?.({ task: task.name, epochs: msg.epochs, record: r, numTensors: msg.numTensors, numBytes: msg.numBytes, pid: msg.pid, device: msg.device });
    });
    live.add(w);
    return w;
  };

  const slotLoop = async (slot: number): Promise<void> => {
    let w: WorkerProcess | null = null;
    try {
      for (let task = queue.shift(); task; task = queue.shift()) {
        w ??= spawn(slot);
        const running = w.run(task);
        if (w.pid !== undefined) opts.onTaskStart?.(task.name, w.pid);
        const out = await running;
        if (out.kind === "done") {
          results.set(task.name, out.result);
          if (log) {
            const r = out.result;
            info(
              r.resumedFrom === null
                ? `${task.name}: already trained (${r.outDir})`
                : `${task.name}: done, ${r.epochs} epochs in ${r.seconds.toFixed(1)} s${r.resumedFrom ? ` (resumed after epoch ${r.resumedFrom})` : ""} -> ${r.outDir}`,
            );
          }
          continue;
        }
        const failure: TaskFailure =
          out.kind === "error"
            ? { task: task.name, message: out.message, stack: out.stack, exitCode: null, signal: null, stderrTail: w.stderrTail }
            : { task: task.name, message: out.message, exitCode: out.exitCode, signal: out.signal, stderrTail: w.stderrTail };
        failures.push(failure);
        if (log) warn(`${task.name}: ${failure.message}`);
        if (!w.alive || out.kind === "died") {
          live.delete(w);
          w = null;
        }
      }
    } finally {
      if (w) {
        await w.close();
        live.delete(w);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, (_, slot) => slotLoop(slot)));
  } finally {
    removeHandlers();
    killAll("SIGKILL");
  }
  if (failures.length) {
    const order = new Map(tasks.map((t, i) => [t.name, i]));
    failures.sort((a, b) => order.get(a.task)! - order.get(b.task)!);
    throw new WorkerPoolError(failures, orderedBy(tasks, results));
  }
  return orderedBy(tasks, results);
}

function orderedBy(tasks: readonly GanTask[], results: Map<string, TrainResult>): Map<string, TrainResult> {
  const out = new Map<string, TrainResult>();
  for (const t of tasks) {
    const r = results.get(t.name);
    if (r) out.set(t.name, r);
  }
  return out;
}
