/**
 * Choose the fastest TensorFlow.js backend that works here and say which, and why each faster one
 * was not used.
 *
 * Automatic order: `tensorflow` from tfjs-node-gpu (CUDA) > `webgpu` on a real GPU adapter (Dawn:
 * Vulkan/Metal/D3D12, see ./webgpu-setup.ts) > `tensorflow` from tfjs-node-native (CPU libtensorflow,
 * built by `npm run native-tf`, see ./native-tf.ts) > `wasm` (with our extra kernels, see
 * ./wasm-kernels.ts) > `cpu`. Override with HERITAGE_BACKEND=tensorflow|webgpu|wasm|cpu or the
 * `prefer` option; a forced `webgpu` also accepts a software adapter (llvmpipe, lavapipe).
 */
import * as tf from "@tensorflow/tfjs";
import { info } from "../util/log.js";
import { loadNativeTf, NATIVE_PACKAGES, usesGpuDevice } from "./native-tf.js";
import type { WebgpuAdapterSummary } from "./webgpu-setup.js";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";

export const BACKEND_NAMES: BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];

export interface BackendInfo {
  /** The backend in use. */
  name: BackendName;
  /** Which package provided it (for run records). */
  provider: string;
  /** Worker threads used by the backend (1 when single-threaded, 0 when the backend decides). */
  threads: number;
  /** The device it runs on: adapter name (webgpu), TensorFlow version (tensorflow), or "CPU". */
  device?: string;
  /** webgpu only: the adapter. */
  adapter?: WebgpuAdapterSummary;
  /** Faster backends that were not used, and why. */
  skipped?: Array<{ name: BackendName | "tensorflow-gpu"; reason: string }>;
}

let current: BackendInfo | null = null;

export interface InitBackendOptions {
  /** Backend to use; default from HERITAGE_BACKEND, else the fastest available. */
  prefer?: BackendName;
  /** Threads for the wasm backend (default: HERITAGE_THREADS or the number of cores). */
  threads?: number;
  /** Print the choice to stderr (default true). */
  announce?: boolean;
}

/** Parse HERITAGE_BACKEND (undefined when unset or empty). */
export function requestedBackend(value = process.env.HERITAGE_BACKEND): BackendName | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(BACKEND_NAMES as string[]).includes(value)) {
    throw new Error(`HERITAGE_BACKEND=${value} is not one of ${BACKEND_NAMES.join(", ")}`);
  }
  return value as BackendName;
}

type Attempt = { ok: true; info: BackendInfo } | { ok: false; reason: string };

/** A step of the automatic order: which backend, and (tensorflow) which kind of package. */
type Step = { name: BackendName; nativeKind?: "gpu" | "cpu" };

const AUTO_ORDER: Step[] = [
  { name: "tensorflow", nativeKind: "gpu" },
  { name: "webgpu" },
  { name: "tensorflow", nativeKind: "cpu" },
  { name: "wasm" },
  { name: "cpu" },
];

/** Initialise tfjs once per process; later calls return the same answer. */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (current) return current;
  const prefer = opts.prefer ?? requestedBackend();
  if (prefer && !BACKEND_NAMES.includes(prefer)) {
    throw new Error(`backend "${prefer}" is not one of ${BACKEND_NAMES.join(", ")}`);
  }
  const skipped: NonNullable<BackendInfo["skipped"]> = [];
  const order: Step[] = prefer ? [{ name: prefer }] : AUTO_ORDER;
  for (const step of order) {
    const got = await tryBackend(step, opts, Boolean(prefer));
    if (got.ok) {
      current = { ...got.info, ...(skipped.length ? { skipped } : {}) };
      if (opts.announce ?? true) {
        const t = current.threads;
        const dev = current.device ? `, ${current.device}` : "";
        info(`tfjs backend: ${current.name} (${current.provider}${dev}, ${t === 0 ? "threads chosen by the backend" : `${t} thread${t === 1 ? "" : "s"}`})`);
        for (const s of skipped) info(`  not ${s.name}: ${s.reason}`);
      }
      return current;
    }
    if (prefer) throw new Error(`requested tfjs backend "${prefer}" is not available: ${got.reason}`);
    const label = step.name === "tensorflow" && step.nativeKind === "gpu" ? "tensorflow-gpu" : step.name;
    skipped.push({ name: label, reason: got.reason });
  }
  throw new Error("no tfjs backend could be initialised");
}

async function tryTensorflow(kind: "gpu" | "cpu" | undefined): Promise<Attempt> {
  // libtensorflow's C++ logging (oneDNN notices, CPU feature lines) is noise in our logs.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
  const pkgs = kind === "gpu" ? ["@tensorflow/tfjs-node-gpu"] : kind === "cpu" ? ["tfjs-node-native"] : NATIVE_PACKAGES;
  // Only one binding can register "tensorflow" per process: after tfjs-node-gpu loaded (and found no
  // GPU), the CPU step uses it rather than tfjs-node-native.
  const load = await loadNativeTf(pkgs);
  if (!load.ok) return { ok: false, reason: load.reasons.join("; ") };
  if (!(await tf.setBackend("tensorflow"))) return { ok: false, reason: `tf.setBackend("tensorflow") returned false (${load.pkg})` };
  await tf.ready();
  const gpu = usesGpuDevice();
  if (kind === "gpu" && !gpu) {
    return {
      ok: false,
      reason:
        `${load.pkg} loads (TensorFlow ${load.tfVersion}) but TensorFlow found no GPU device: it needs an NVIDIA driver and the ` +
        "CUDA 11.2 / cuDNN 8.1 libraries (libcudart.so.11.0, libcudnn.so.8) on the library path; on newer CUDA use webgpu",
    };
  }
  const provider = load.pkg === "@tensorflow/tfjs-node-gpu" && !gpu ? `${load.pkg}, no GPU device: on the CPU` : load.pkg;
  return { ok: true, info: { name: "tensorflow", provider, threads: 0, device: `TensorFlow ${load.tfVersion}, ${gpu ? "GPU" : "CPU"}` } };
}

async function tryBackend(step: Step, opts: InitBackendOptions, forced: boolean): Promise<Attempt> {
  if (step.name === "tensorflow") return tryTensorflow(step.nativeKind);
  if (step.name === "webgpu") {
    const { setupWebgpu, adapterName } = await import("./webgpu-setup.js");
    const got = await setupWebgpu(forced);
    if (!got.ok) return got;
    return {
      ok: true,
      info: { name: "webgpu", provider: "@tensorflow/tfjs-backend-webgpu on Dawn (npm webgpu)", threads: 0, device: adapterName(got.adapter), adapter: got.adapter },
    };
  }
  if (step.name === "wasm") {
    const { setupWasm } = await import("./wasm-setup.js");
    const threads = await setupWasm(opts.threads);
    if (threads === null) return { ok: false, reason: "the wasm backend did not start (see the warning above)" };
    return { ok: true, info: { name: "wasm", provider: "@tensorflow/tfjs-backend-wasm + heritage kernels", threads, device: "CPU" } };
  }
  if (!(await tf.setBackend("cpu"))) return { ok: false, reason: 'tf.setBackend("cpu") returned false' };
  await tf.ready();
  return { ok: true, info: { name: "cpu", provider: "@tensorflow/tfjs-backend-cpu", threads: 1, device: "CPU" } };
}

/** The backend chosen by {@link initBackend}, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current;
}

export { tf };
