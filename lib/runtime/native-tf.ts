/**
 * Load the native TensorFlow backend (`tensorflow`, libtensorflow through a Node binding).
 *
 * Two packages provide it, tried in this order:
 * - `@tensorflow/tfjs-node-gpu` (optional dependency; its install downloads libtensorflow 2.9.1
 *   built for CUDA 11.2 / cuDNN 8.1; it needs those libraries at run time).
 * - `tfjs-node-native`: npm alias of `@tensorflow/tfjs-node` 4.22.0 whose binding is built by
 *   `npm run native-tf` (scripts/native-tf.sh) against a TensorFlow wheel or libtensorflow.
 *
 * Not `@tensorflow/tfjs-node` itself: danfojs-node's override installs plain @tensorflow/tfjs under
 * that name (danfojs would otherwise need the binding), so a real tfjs-node cannot live there.
 * Every failure is kept with its reason so the chooser and `heritage backends` can say it.
 */
import { createRequire } from "node:module";
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
      : `${pkg} is not installed (optional dependency: its install needs internet and CUDA 11.2 / cuDNN 8.1)`;
  }
}

function hint(pkg: string, message: string): string {
  if (pkg === "tfjs-node-native" && /tfjs_binding\.node|could not be found|Cannot find module/i.test(message)) {
    return "; build it with `npm run native-tf`";
  }
  if (/libcud|libcublas|libcufft|libcurand|libcusolver|libcusparse/i.test(message)) {
    return "; tfjs-node-gpu needs CUDA 11.2 and cuDNN 8.1 libraries (on newer CUDA use HERITAGE_BACKEND=webgpu)";
  }
  return "";
}

const tried = new Map<string, { ok: true; tfVersion: string } | { ok: false; reason: string }>();

/** Which packages are installed (without loading them). */
export function installedNativePackages(): string[] {
  return NATIVE_PACKAGES.filter((p) => notInstalled(p) === null);
}

async function loadOne(pkg: string): Promise<{ ok: true; tfVersion: string } | { ok: false; reason: string }> {
  const missing = notInstalled(pkg);
  if (missing) return { ok: false, reason: missing };
  try {
    const spec: string = pkg;
    await import(spec);
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
