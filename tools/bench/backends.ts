/**
 * `heritage bench`: time one DCGAN training step and one z-optimisation step on each usable tfjs
 * backend, each measurement in its own process (./child.ts).
 *
 * Rows (default): tensorflow (when tfjs-node-gpu or tfjs-node-native is installed), webgpu (timed
 * only on a hardware adapter unless asked for by name: the software adapter takes minutes per step),
 * wasm with the default thread count,
 * wasm with 1 thread (when the default is more), wasm with the stock kernels (what our kernels
 * gain; 1 step), and the stock cpu backend (1 step of each kind, each stopped after
 * `cpuLimitS` seconds: its Conv2DBackpropFilter makes a 64x64 batch-32 step take minutes).
 */
import { spawn } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { DEFAULT_ARCH, type DcganArch } from "../../lib/gan/dcgan.js";
import { requestedThreads } from "../../lib/runtime/wasm-setup.js";
import { installedNativePackages } from "../../lib/runtime/native-tf.js";
import type { StepBenchOptions, StepBenchResult } from "./dcgan-step.js";

const require = createRequire(import.meta.url);

/** What ./child.ts measures (passed as JSON in argv[2]). */
export interface ChildSpec {
  backend: "tensorflow" | "webgpu" | "wasm" | "cpu";
  /** webgpu only: report a software adapter instead of timing it. */
  hardwareOnly?: boolean;
  /** wasm only: thread count. */
  threads?: number;
  /** wasm only: stock kernels (only the missing Conv2DBackpropFilter added). */
  stockKernels?: boolean;
  steps: StepBenchOptions;
}

/** The child's result line starts with this. */
export const RESULT_PREFIX = "HERITAGE_BENCH_RESULT ";

/** A benchmark row: a backend (and its options) to measure. */
export type BenchTarget = "tensorflow" | "webgpu" | "wasm" | "wasm-1" | "wasm-stock" | "cpu";

export const ALL_TARGETS: BenchTarget[] = ["tensorflow", "webgpu", "wasm", "wasm-1", "wasm-stock", "cpu"];

export interface BenchOptions {
  /** Rows to measure (default: every usable one, see the module comment). */
  targets?: BenchTarget[];
  /** Timed steps per row for tensorflow / wasm (default 5), after one warm-up step. */
  steps?: number;
  /** Timed steps for the slow rows, cpu and wasm-stock (default 1, no warm-up). */
  slowSteps?: number;
  /** Seconds after which a cpu / wasm-stock measurement is stopped (default 120). */
  slowLimitS?: number;
  /** Seconds after which any other measurement is stopped (default 1200). */
  limitS?: number;
  arch?: DcganArch;
  trainBatch?: number;
  zBatch?: number;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

export interface BenchRow {
  target: BenchTarget;
  backend: string;
  provider: string;
  threads: number;
  /** Median ms of one training step (D+G, Adam), null when stopped or failed. */
  trainMs: number | null;
  trainSteps: number;
  trainGflops: number | null;
  /** FLOPs per CPU-second of the training step (all threads; robust to other load). */
  trainGflopsPerCpuS: number | null;
  /** Training images per second at the benchmark's image size. */
  imagesPerSecond: number | null;
  /** Median ms of one z-optimisation step. */
  zMs: number | null;
  zSteps: number;
  zGflops: number | null;
  zGflopsPerCpuS: number | null;
  /** Why a value is missing, or how it was measured. */
  note: string;
}

export interface BenchReport {
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    tfjs: string;
    /** 1-minute load average before and after (other processes skew timings). */
    loadBefore: number;
    loadAfter: number;
  };
  setup: { arch: DcganArch; trainBatch: number; zBatch: number; gForwardFlops: number; dForwardFlops: number };
  rows: BenchRow[];
  flopCounting: string;
}

export const FLOP_COUNTING =
  "conv and dense layers only, 2 FLOPs per multiply-add; forward conv 2*outH*outW*kh*kw*cin*cout per image " +
  "(transposed conv: inH*inW instead of outH*outW); a backward pass = 2x its forward (input + weight gradients); " +
  "training step (lib/gan/dcgan.ts trainStep) = batch*(4*Fg + 9*Fd); z step = 2*batch*(Fg + Fd)";

function tensorflowInstalled(): boolean {
  return installedNativePackages().length > 0;
}

interface ChildOutcome {
  ok: boolean;
  timedOut: boolean;
  info?: { name: string; provider: string; threads: number; device?: string };
  result?: StepBenchResult;
  /** The child started the backend but did not time it, and why. */
  skipped?: string;
  error?: string;
}

function firstError(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => !l.startsWith("  ") && l.trim());
  return lines.find((l) => /error|failed|not available/i.test(l))?.trim() ?? lines.slice(-1)[0]?.trim() ?? "no output";
}

function runChild(spec: ChildSpec, limitS: number, log: (l: string) => void): Promise<ChildOutcome> {
  const script = fileURLToPath(new URL("./child.js", import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, limitS * 1000);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const s = d.toString();
      err += s;
      for (const line of s.split("\n")) if (line.startsWith("  ")) log(line);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line) {
        const parsed = JSON.parse(line.slice(RESULT_PREFIX.length)) as Pick<ChildOutcome, "info" | "result" | "skipped">;
        resolve({ ok: true, timedOut: false, ...parsed });
      } else {
        resolve({ ok: false, timedOut, error: timedOut ? `stopped after ${limitS} s` : `exit ${code}: ${firstError(err)}` });
      }
    });
  });
}

/** Measure every target; rows whose backend is not available are left out. */
export async function runBench(opts: BenchOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? (() => {});
  const arch = opts.arch ?? DEFAULT_ARCH;
  const trainBatch = opts.trainBatch ?? 32;
  const zBatch = opts.zBatch ?? 16;
  const steps = opts.steps ?? 5;
  const slowSteps = opts.slowSteps ?? 1;
  const slowLimitS = opts.slowLimitS ?? 120;
  const limitS = opts.limitS ?? 1200;
  const defaultThreads = requestedThreads();
  let targets = opts.targets ?? ALL_TARGETS.filter((t) => t !== "wasm-1" || defaultThreads > 1);
  if (!opts.targets && !tensorflowInstalled()) targets = targets.filter((t) => t !== "tensorflow");

  const loadBefore = os.loadavg()[0]!;
  const rows: BenchRow[] = [];
  let gF = 0;
  let dF = 0;
  for (const target of targets) {
    const slow = target === "cpu" || target === "wasm-stock";
    const base: Omit<ChildSpec, "steps"> =
      target === "wasm-1"
        ? { backend: "wasm", threads: 1 }
        : target === "wasm-stock"
          ? { backend: "wasm", stockKernels: true }
          : target === "webgpu"
            ? { backend: "webgpu", hardwareOnly: !opts.targets?.includes("webgpu") }
            : { backend: target as ChildSpec["backend"] };
    const stepOpts = { arch, trainBatch, zBatch, steps: slow ? slowSteps : steps, warmup: slow ? 0 : 1 };
    const notes: string[] = [];
    // Slow rows: train and z in separate processes, each with its own time limit.
    const parts: Array<{ skipTrain?: boolean; skipZ?: boolean }> = slow ? [{ skipZ: true }, { skipTrain: true }] : [{}];
    const row: BenchRow = {
      target,
      backend: base.backend,
      provider: "",
      threads: 0,
      trainMs: null,
      trainSteps: 0,
      trainGflops: null,
      trainGflopsPerCpuS: null,
      imagesPerSecond: null,
      zMs: null,
      zSteps: 0,
      zGflops: null,
      zGflopsPerCpuS: null,
      note: "",
    };
    let available = true;
    for (const part of parts) {
      log(`bench ${target}${part.skipZ ? " (training step)" : part.skipTrain ? " (z step)" : ""} ...`);
      const outcome = await runChild({ ...base, steps: { ...stepOpts, ...part } }, slow ? slowLimitS : limitS, log);
      if (!outcome.ok) {
        if (/not available/.test(outcome.error ?? "")) {
          available = false;
          break;
        }
        const what = part.skipZ ? "training step" : part.skipTrain ? "z step" : "steps";
        notes.push(`${what}: ${outcome.timedOut ? `not finished in ${slow ? slowLimitS : limitS} s` : outcome.error}`);
        continue;
      }
      const { info, result } = outcome;
      row.provider = info!.provider;
      row.threads = info!.threads;
      if (info!.device && base.backend !== "wasm" && base.backend !== "cpu") notes.push(info!.device);
      if (outcome.skipped || !result) {
        notes.push(outcome.skipped ?? "not timed");
        continue;
      }
      gF = result.gForwardFlops;
      dF = result!.dForwardFlops;
      if (result!.train) {
        row.trainMs = result!.train.medianMs;
        row.trainSteps = result!.train.samplesMs.length;
        row.trainGflops = result!.train.gflops;
        row.trainGflopsPerCpuS = result!.train.gflopsPerCpuSecond;
        row.imagesPerSecond = result!.train.imagesPerSecond;
      }
      if (result!.z) {
        row.zMs = result!.z.medianMs;
        row.zSteps = result!.z.samplesMs.length;
        row.zGflops = result!.z.gflops;
        row.zGflopsPerCpuS = result!.z.gflopsPerCpuSecond;
      }
    }
    if (!available) continue;
    if (!row.provider) {
      // Nothing finished: say what would have run.
      row.provider = base.backend === "cpu" ? "@tensorflow/tfjs-backend-cpu" : base.backend;
      row.threads = base.backend === "wasm" ? (base.threads ?? defaultThreads) : 1;
    }
    if (slow) notes.unshift(`timed on ${slowSteps} step${slowSteps === 1 ? "" : "s"} of each kind, no warm-up`);
    if (target === "wasm-stock") notes.unshift("stock wasm kernels + our Conv2DBackpropFilter");
    row.note = notes.join("; ");
    rows.push(row);
  }
  const cpus = os.cpus();
  return {
    machine: {
      cpu: cpus[0]?.model ?? "unknown",
      cores: cpus.length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      tfjs: (require("@tensorflow/tfjs/package.json") as { version: string }).version,
      loadBefore,
      loadAfter: os.loadavg()[0]!,
    },
    setup: { arch, trainBatch, zBatch, gForwardFlops: gF, dForwardFlops: dF },
    rows,
    flopCounting: FLOP_COUNTING,
  };
}

function fmt(x: number | null, digits = 0): string {
  return x == null ? "-" : x.toFixed(digits);
}

/** A plain-text table of the report (for the terminal and the README). */
export function formatBenchTable(r: BenchReport): string {
  const head = [
    "backend",
    "threads",
    "train step ms",
    "train GFLOP/s",
    "images/s",
    "z step ms",
    "z GFLOP/s",
    "train GFLOP/cpu-s",
    "z GFLOP/cpu-s",
    "note",
  ];
  const body = r.rows.map((row) => [
    row.target,
    String(row.threads),
    fmt(row.trainMs),
    fmt(row.trainGflops, 1),
    fmt(row.imagesPerSecond, 2),
    fmt(row.zMs),
    fmt(row.zGflops, 1),
    fmt(row.trainGflopsPerCpuS, 1),
    fmt(row.zGflopsPerCpuS, 1),
    row.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  const m = r.machine;
  const s = r.setup;
  return [
    `DCGAN ${s.arch.imageSize}x${s.arch.imageSize} (nz ${s.arch.nz}, ngf ${s.arch.ngf}, ndf ${s.arch.ndf}); training batch ${s.trainBatch}, z batch ${s.zBatch}`,
    `forward GFLOP per image: G ${(s.gForwardFlops / 1e9).toFixed(3)}, D ${(s.dForwardFlops / 1e9).toFixed(3)}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, tfjs ${m.tfjs}; load average ${m.loadBefore.toFixed(1)} before, ${m.loadAfter.toFixed(1)} after`,
    "",
    line(head),
    "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|",
    ...body.map(line),
    "",
    `FLOPs: ${r.flopCounting}`,
    "GFLOP/cpu-s: FLOPs per second of CPU time of the benchmark process (all its threads); other load on the machine skews it far less than GFLOP/s.",
  ].join("\n");
}
