/**
 * Choose the fastest TensorFlow.js backend that works here and say which.
 *
 * Order: `tensorflow` (tfjs-node-gpu, then tfjs-node, when installed and loadable) > `wasm`
 * (with our extra kernels, see ./wasm-kernels.ts) > `cpu`. Override with the environment variable
 * HERITAGE_BACKEND=tensorflow|wasm|cpu or the `prefer` option.
 */
import * as tf from "@tensorflow/tfjs";
import { info } from "../util/log.js";

export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  /** The backend in use. */
  name: BackendName;
  /** Which package provided it (for run records). */
  provider: string;
  /** Worker threads used by the backend (1 when single-threaded). */
  threads: number;
}

let current: BackendInfo | null = null;

async function tryNode(): Promise<string | null> {
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await import(pkg);
      if (tf.findBackend("tensorflow")) return pkg;
    } catch {
      // not installed or libtensorflow missing: fall through
    }
  }
  return null;
}

export interface InitBackendOptions {
  /** Backend to use; default from HERITAGE_BACKEND, else the fastest available. */
  prefer?: BackendName;
  /** Threads for the wasm backend (default: HERITAGE_THREADS or the number of cores). */
  threads?: number;
  /** Print the choice to stderr (default true). */
  announce?: boolean;
}

/** Initialise tfjs once per process; later calls return the same answer. */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (current) return current;
  const envPref = process.env.HERITAGE_BACKEND as BackendName | undefined;
  const prefer = opts.prefer ?? envPref;
  if (prefer && !["tensorflow", "wasm", "cpu"].includes(prefer)) {
    throw new Error(`HERITAGE_BACKEND=${prefer} is not one of tensorflow, wasm, cpu`);
  }
  const order: BackendName[] = prefer ? [prefer] : ["tensorflow", "wasm", "cpu"];
  for (const name of order) {
    const got = await tryBackend(name, opts);
    if (got) {
      current = got;
      if (opts.announce ?? true) {
        info(`tfjs backend: ${got.name} (${got.provider}, ${got.threads} thread${got.threads === 1 ? "" : "s"})`);
      }
      return got;
    }
    if (prefer) throw new Error(`requested tfjs backend "${prefer}" is not available in this install`);
  }
  throw new Error("no tfjs backend could be initialised");
}

async function tryBackend(name: BackendName, opts: InitBackendOptions): Promise<BackendInfo | null> {
  if (name === "tensorflow") {
    const pkg = await tryNode();
    if (!pkg || !(await tf.setBackend("tensorflow"))) return null;
    return { name, provider: pkg, threads: 0 };
  }
  if (name === "wasm") {
    const { setupWasm } = await import("./wasm-setup.js");
    const threads = await setupWasm(opts.threads);
    if (threads === null) return null;
    return { name, provider: "@tensorflow/tfjs-backend-wasm + heritage kernels", threads };
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return { name: "cpu", provider: "@tensorflow/tfjs-backend-cpu", threads: 1 };
}

/** The backend chosen by {@link initBackend}, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current;
}

export { tf };
