/**
 * Register the wasm backend (with the kernels it lacks, see ./wasm-kernels.ts) and make it current,
 * multi-threaded where that works.
 *
 * Threads in Node: tfjs-backend-wasm turns its threaded build off in Node (tfjs issue #3830)
 * because Emscripten starts its pthread workers from `blob:` URLs, which Node's worker_threads
 * refuse. We turn it back on by (1) setting the WASM_HAS_MULTITHREAD_SUPPORT flag, (2) serving the
 * pthread worker script from a file: while the backend starts, `URL.createObjectURL` of the worker
 * blob returns the path of a copy of tfjs's own worker script written to the temp directory, which
 * loads the threaded Emscripten glue with `require` instead of from a blob, and (3) making
 * XNNPACK's thread pool as large as asked: tfjs sizes it as min(asked, logical cores / 2, 8), so
 * `os.cpus()` reports twice the asked count while the module initialises. The pool's threads are
 * XNNPACK's; the calling (main) thread is one of them.
 *
 * Thread count: `threads` argument, else HERITAGE_THREADS, else the number of cores (at most 8,
 * the size of Emscripten's pre-started worker pool). 1 uses the single-threaded SIMD build.
 * If the threaded start fails, we fall back to one thread and say so.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { warn } from "../util/log.js";
import { registerWasmKernels } from "./wasm-kernels.js";

const require = createRequire(import.meta.url);

/** Most threads the wasm backend can use (Emscripten pre-starts 8 pthread workers). */
export const MAX_WASM_THREADS = 8;

/** The thread count asked for: explicit, HERITAGE_THREADS, or the number of cores (1..8). */
export function requestedThreads(explicit?: number): number {
  let n = explicit;
  if (n == null && process.env.HERITAGE_THREADS) {
    n = Number(process.env.HERITAGE_THREADS);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`HERITAGE_THREADS=${process.env.HERITAGE_THREADS} is not a positive integer`);
    }
  }
  if (n == null) n = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(n)));
}

const WORKER_LOAD =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

/** Write (once) the pthread worker script that loads the threaded glue from a file; returns its path. */
function workerScriptFile(): string {
  const gluePath = require.resolve("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js");
  const { wasmWorkerContents } = require("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js") as {
    wasmWorkerContents: string;
  };
  if (!wasmWorkerContents.includes(WORKER_LOAD)) {
    throw new Error("the tfjs-backend-wasm pthread worker script changed; threaded wasm needs updating");
  }
  // The stock script is a template literal whose "\n" escapes became newlines; escape them back.
  const source = wasmWorkerContents
    .replace(WORKER_LOAD, `global.WasmBackendModuleThreadedSimd=require(${JSON.stringify(gluePath)});`)
    .replace(/\n/g, "\\n");
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = path.join(os.tmpdir(), "heritage-wasm");
  const file = path.join(dir, `pthread-worker-${hash}.cjs`);
  if (!existsSync(file) || readFileSync(file, "utf8") !== source) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    // rename is atomic: concurrent processes never see a half-written worker
    renameSync(tmp, file);
  }
  return file;
}

async function startWasm(threads: number): Promise<boolean> {
  if (threads <= 1) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setThreadsCount(1);
    return tf.setBackend("wasm");
  }
  const worker = workerScriptFile();
  const createObjectURL = URL.createObjectURL;
  const osMut = os as { cpus: typeof os.cpus };
  const cpus = os.cpus;
  URL.createObjectURL = (obj: Blob | MediaSource) =>
    obj instanceof Blob && obj.type === "application/javascript" ? worker : createObjectURL.call(URL, obj as Blob);
  const oneCpu = cpus()[0];
  osMut.cpus = () => Array.from({ length: 2 * threads }, () => oneCpu);
  try {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    setThreadsCount(threads);
    return await tf.setBackend("wasm");
  } finally {
    URL.createObjectURL = createObjectURL;
    osMut.cpus = cpus;
  }
}

/**
 * XNNPACK's pool threads run (blocked on a futex) for the life of the process, and Emscripten
 * keeps a running pthread's worker referenced, so Node would never exit. Unreference them:
 * they end with the process.
 */
function unrefPoolThreads(): void {
  const backend = tf.findBackend("wasm") as unknown as {
    wasm?: { PThread?: { runningWorkers?: Array<{ unref?: () => void }> } };
  } | null;
  for (const w of backend?.wasm?.PThread?.runningWorkers ?? []) w.unref?.();
}

/** Returns the thread count in use, or null when the wasm backend cannot start. */
export async function setupWasm(threadsOpt?: number): Promise<number | null> {
  registerWasmKernels();
  const threads = requestedThreads(threadsOpt);
  try {
    let ok = await startWasm(threads);
    if (!ok && threads > 1) {
      warn(`threaded wasm backend did not start; using 1 thread`);
      ok = await startWasm(1);
    }
    if (!ok) return null;
    await tf.ready();
    unrefPoolThreads();
    return getThreadsCount();
  } catch (err) {
    if (threads > 1) {
      warn(`threaded wasm backend failed (${(err as Error).message}); using 1 thread`);
      return setupWasm(1);
    }
    return null;
  }
}
