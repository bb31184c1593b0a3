/**
 * Load the native TensorFlow backend (`tensorflow`, libtensorflow through a Node binding).
 *
 * Two packages provide it, tried in this order:
 * - `@tensorflow/tfjs-node-gpu` (optional dependency; its install script downloads libtensorflow
 *   2.9.1 built for CUDA 11.2 / cuDNN 8.1 from storage.googleapis.com, and npm drops the package
 *   when that fails, e.g. offline; at run time TensorFlow uses the GPU only if it finds those CUDA
 *   libraries, else it runs on the CPU: see {@link usesGpuDevice}).
 * - `tfjs-node-native`: npm alias of `@tensorflow/tfjs-node` 4.22.0 whose binding is built by
 *   `npm run native-tf` (tools/native-tf.sh) against a TensorFlow wheel or libtensorflow.
 *
 * Not `@tensorflow/tfjs-node` itself: danfojs-node's override installs plain @tensorflow/tfjs under
 * that name (danfojs would otherwise need the binding), so a real tfjs-node cannot live there.
 * Every failure is kept with its reason so the chooser and `heritage backends` can say it.
 * Packages are resolved like `require` does, so NODE_PATH finds one installed elsewhere.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";

const require = createRequire(import.meta.url);

/** Packages that provide the `tensorflow` backend, best first. */
export const NATIVE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "tfjs-node-native"] as const;

export type NativeLoad = { ok: true; pkg: string; tfVersion: string } | { ok: false; reasons: string[] };

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 2)
    .join(" ");
}

/** Why a package cannot provide the backend, before trying to load it (null: worth a try). */
function notInstalled(pkg: string): string | null {
  try {
    require.resolve(`${pkg}/package.json`);
    return null;
  } catch {
    return pkg === "tfjs-node-native"
      ? "tfjs-node-native is not installed (npm ci installs it)"
      : pkg === "@tensorflow/tfjs-node-gpu"
        ? `${pkg} is not installed (optional dependency: npm drops it when its install script cannot download libtensorflow ` +
          "from storage.googleapis.com, as on machines without internet; it needs CUDA 11.2 / cuDNN 8.1, on newer CUDA use webgpu)"
        : `${pkg} is not installed`;
  }
}

function hint(pkg: string, message: string): string {
  if (pkg === "tfjs-node-native" && /tfjs_binding\.node|could not be found|Cannot find module/i.test(message)) {
    return "; build it with `npm run native-tf`";
  }
  if (pkg === "@tensorflow/tfjs-node-gpu" && /tfjs_binding\.node|libtensorflow/i.test(message)) {
    return "; its install did not finish (libtensorflow download or binding build): reinstall it with internet access";
  }
  if (/libcud|libcublas|libcufft|libcurand|libcusolver|libcusparse/i.test(message)) {
    return "; tfjs-node-gpu needs CUDA 11.2 and cuDNN 8.1 libraries (on newer CUDA use HERITAGE_BACKEND=webgpu)";
  }
  return "";
}

const tried = new Map<string, { ok: true; tfVersion: string } | { ok: false; reason: string }>();

/** The package whose binding provides the `tensorflow` backend in this process, if one loaded. */
export function loadedNativePackage(): string | null {
  for (const [pkg, r] of tried) if (r.ok) return pkg;
  return null;
}

/**
 * Whether the current `tensorflow` backend runs on a GPU (TensorFlow found a GPU device when the
 * backend was created). tfjs-node-gpu without CUDA 11.2 / cuDNN 8.1 runs on the CPU and says so
 * only in TensorFlow's log.
 */
export function usesGpuDevice(): boolean {
  const b = tf.findBackend("tensorflow") as unknown as { isUsingGpuDevice?: boolean } | null;
  return Boolean(b?.isUsingGpuDevice);
}

/** Which packages are installed (without loading them). */
export function installedNativePackages(): string[] {
  return NATIVE_PACKAGES.filter((p) => notInstalled(p) === null);
}

async function loadOne(pkg: string): Promise<{ ok: true; tfVersion: string } | { ok: false; reason: string }> {
  const missing = notInstalled(pkg);
  if (missing) return { ok: false, reason: missing };
  try {
    // The resolved file, not the bare name: ESM import ignores NODE_PATH, require.resolve does not.
    await import(pathToFileURL(require.resolve(pkg)).href);
  } catch (err) {
    const msg = firstLine(err);
    return { ok: false, reason: `${pkg} does not load: ${msg}${hint(pkg, msg)}` };
  }
  if (!tf.findBackendFactory("tensorflow")) return { ok: false, reason: `${pkg} loaded but registered no "tensorflow" backend` };
  let tfVersion = "unknown";
  try {
    const b = tf.findBackend("tensorflow") as unknown as { binding?: { TF_Version?: string } } | null;
    tfVersion = b?.binding?.TF_Version ?? tfVersion;
  } catch {
    // the version is informative only
  }
  return { ok: true, tfVersion };
}

/**
 * Load the first of `packages` that registers the `tensorflow` backend. Each package is tried at
 * most once per process; a failure keeps its reason.
 */
export async function loadNativeTf(packages: readonly string[] = NATIVE_PACKAGES): Promise<NativeLoad> {
  const reasons: string[] = [];
  // Two bindings cannot both register "tensorflow": once one loaded, it is the only candidate.
  const loaded = loadedNativePackage();
  if (loaded) {
    const r = tried.get(loaded) as { ok: true; tfVersion: string };
    return { ok: true, pkg: loaded, tfVersion: r.tfVersion };
  }
  for (const pkg of packages) {
    let r = tried.get(pkg);
    if (!r) {
      r = await loadOne(pkg);
      tried.set(pkg, r);
    }
    if (r.ok) return { ok: true, pkg, tfVersion: r.tfVersion };
    reasons.push(r.reason);
  }
  return { ok: false, reasons };
}
