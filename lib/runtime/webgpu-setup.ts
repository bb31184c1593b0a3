/**
 * The `webgpu` tfjs backend in Node: @tensorflow/tfjs-backend-webgpu on Dawn (npm `webgpu`, which
 * ships Dawn's binaries: Vulkan on Linux, Metal on macOS, D3D12 on Windows; no CUDA needed).
 *
 * - tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when it is imported, so
 *   `navigator.gpu` is created first (and Dawn's globals such as GPUBufferUsage are installed).
 * - `tf.setBackend("webgpu")` returns false (it does not throw) when no adapter is found; checked.
 * - Adapters: Dawn's default (Vulkan/Metal/D3D12) first. A software adapter (llvmpipe, lavapipe,
 *   SwiftShader; architecture "software") is used only when `allowSoftware` (HERITAGE_BACKEND=webgpu):
 *   then, when the default finds nothing usable, Dawn's OpenGL ES backend on Mesa (EGL surfaceless,
 *   "compatibility" feature level; tfjs asks only for a powerPreference, so requestAdapter is wrapped).
 * - HERITAGE_WEBGPU_FLAGS="backend=opengles,..." passes Dawn toggles/flags to `create` instead
 *   (backend=opengles implies the compatibility feature level; HERITAGE_WEBGPU_COMPAT=1 forces it).
 * - A process holding `navigator.gpu` may not exit by itself: {@link releaseWebgpu} runs at
 *   `beforeExit` and can be called directly.
 * - Reading a tensor synchronously (dataSync) is impossible on this backend in Node (tfjs reads
 *   through an OffscreenCanvas); code that must run here reads with `await t.data()`.
 */
import * as tf from "@tensorflow/tfjs";

/** What we know about the adapter a backend runs on. */
export interface WebgpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU rasteriser (llvmpipe, lavapipe, SwiftShader), not a GPU. */
  software: boolean;
  /** How Dawn was created: its flags and the feature level asked for. */
  route: string;
}

export type WebgpuSetup = { ok: true; adapter: WebgpuAdapterSummary } | { ok: false; reason: string };

interface DawnModule {
  create: (flags: string[]) => GPU;
  globals: object;
}

interface Route {
  flags: string[];
  compat: boolean;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render/i;

/** Whether an adapter is a CPU rasteriser rather than a GPU. */
export function isSoftwareAdapter(info: { architecture?: string; device?: string; description?: string; vendor?: string }): boolean {
  if ((info.architecture ?? "").toLowerCase() === "software") return true;
  return SOFTWARE.test(`${info.vendor ?? ""} ${info.device ?? ""} ${info.description ?? ""}`);
}

function summarise(adapter: GPUAdapter, route: Route): WebgpuAdapterSummary {
  const i = adapter.info;
  const s = { vendor: i.vendor ?? "", architecture: i.architecture ?? "", device: i.device ?? "", description: i.description ?? "" };
  return {
    ...s,
    software: isSoftwareAdapter(s),
    route: `${route.flags.length ? route.flags.join(",") : "default"}${route.compat ? ", compatibility" : ""}`,
  };
}

/** A one-line name of the adapter for logs and tables. */
export function adapterName(a: WebgpuAdapterSummary): string {
  const name = [a.vendor, a.architecture, a.device].filter(Boolean).join(" ") || "unnamed adapter";
  return `${name}${a.description ? ` (${a.description})` : ""}${a.software ? " [software]" : ""} via ${a.route}`;
}

function routesToTry(allowSoftware: boolean): Route[] {
  const env = process.env.HERITAGE_WEBGPU_FLAGS;
  if (env !== undefined && env.trim() !== "") {
    const flags = env.split(",").map((f) => f.trim()).filter(Boolean);
    return [{ flags, compat: process.env.HERITAGE_WEBGPU_COMPAT === "1" || flags.includes("backend=opengles") }];
  }
  const routes: Route[] = [{ flags: [], compat: process.env.HERITAGE_WEBGPU_COMPAT === "1" }];
  if (allowSoftware) routes.push({ flags: ["backend=opengles"], compat: true });
  return routes;
}

let released = false;
let installed: { previous: PropertyDescriptor | undefined } | null = null;

/** Drop `navigator.gpu` and the webgpu backend (its device) so the process can exit. Idempotent. */
export function releaseWebgpu(): void {
  if (released || !installed) return;
  released = true;
  try {
    if (tf.findBackend("webgpu")) tf.removeBackend("webgpu");
  } catch {
    // already disposed
  }
  const prev = installed.previous;
  if (prev) Object.defineProperty(globalThis, "navigator", prev);
  else delete (globalThis as { navigator?: unknown }).navigator;
  installed = null;
}

function installNavigator(gpu: GPU, route: Route): void {
  const previous = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  const base = (previous?.get ? previous.get.call(globalThis) : previous?.value) as Record<string, unknown> | undefined;
  const extra: GPURequestAdapterOptions = route.compat ? ({ featureLevel: "compatibility" } as GPURequestAdapterOptions) : {};
  const wrapped = {
    requestAdapter: (o?: GPURequestAdapterOptions) => gpu.requestAdapter({ ...o, ...extra }),
    getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat(),
    get wgslLanguageFeatures() {
      return gpu.wgslLanguageFeatures;
    },
  };
  Object.defineProperty(globalThis, "navigator", {
    value: { userAgent: typeof base?.userAgent === "string" ? base.userAgent : `Node.js/${process.version}`, gpu: wrapped },
    configurable: true,
    writable: true,
  });
  installed = { previous };
  released = false;
  process.once("beforeExit", releaseWebgpu);
}

/** Whether a route of Dawn uses Vulkan (Linux: the default route, or an explicit backend=vulkan). */
function usesVulkan(route: Route): boolean {
  if (process.platform !== "linux") return false;
  const backend = route.flags.find((f) => f.startsWith("backend="));
  return backend === undefined || backend === "backend=vulkan";
}

let vulkanLoader: string | null | undefined;

/**
 * Why the Vulkan loader cannot be loaded (null: it loads). Asked before Dawn is created: without
 * libvulkan.so.1 Dawn has no hardware adapter on Linux, and creating it only prints "Couldn't load
 * Vulkan" to stderr (native code, so it cannot be silenced later) in every command.
 * process.dlopen uses the dynamic linker's search (LD_LIBRARY_PATH, ld.so.cache); for a library that
 * is not a Node addon it fails with "did not self-register" after loading it, which means found.
 */
export function vulkanLoaderProblem(): string | null {
  if (vulkanLoader !== undefined) return vulkanLoader;
  vulkanLoader = null;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, "libvulkan.so.1");
  } catch (err) {
    const msg = String((err as Error).message ?? err);
    if (!/self-register|no module/i.test(msg)) vulkanLoader = msg.split("\n")[0]!;
  }
  return vulkanLoader;
}

/** Find an adapter (without starting tfjs on it). */
export async function findWebgpuAdapter(
  allowSoftware: boolean,
): Promise<{ ok: true; gpu: GPU; route: Route; adapter: WebgpuAdapterSummary } | { ok: false; reason: string }> {
  let dawn: DawnModule | null = null;
  const reasons: string[] = [];
  for (const route of routesToTry(allowSoftware)) {
    const vk = usesVulkan(route) ? vulkanLoaderProblem() : null;
    if (vk) {
      reasons.push(
        `${route.flags.length ? route.flags.join(",") : "Dawn default (Vulkan)"}: no Vulkan loader (${vk}); ` +
          "a GPU needs libvulkan1 and its driver's Vulkan ICD (NVIDIA: part of the driver)",
      );
      continue;
    }
    if (route.flags.includes("backend=opengles") && process.env.EGL_PLATFORM === undefined) {
      // No display here: Mesa's EGL must not look for X11/Wayland.
      process.env.EGL_PLATFORM = "surfaceless";
    }
    if (!dawn) {
      // Loaded only when a route may work (Dawn's binary is large).
      try {
        dawn = (await import("webgpu")) as unknown as DawnModule;
      } catch (err) {
        return { ok: false, reason: `npm package "webgpu" (Dawn) does not load: ${(err as Error).message.split("\n")[0]}` };
      }
      Object.assign(globalThis, dawn.globals);
    }
    let gpu: GPU;
    try {
      gpu = dawn.create(route.flags);
    } catch (err) {
      reasons.push(`create([${route.flags.join(",")}]) failed: ${(err as Error).message}`);
      continue;
    }
    const opts = { powerPreference: "high-performance", ...(route.compat ? { featureLevel: "compatibility" } : {}) } as GPURequestAdapterOptions;
    const adapter = await gpu.requestAdapter(opts).catch(() => null);
    const label = route.flags.length ? route.flags.join(",") : "Dawn default (Vulkan/Metal/D3D12)";
    if (!adapter) {
      reasons.push(`${label}: no adapter`);
      continue;
    }
    const summary = summarise(adapter, route);
    if (summary.software && !allowSoftware) {
      reasons.push(`${label}: only a software adapter (${adapterName(summary)}); HERITAGE_BACKEND=webgpu uses it anyway`);
      continue;
    }
    return { ok: true, gpu, route, adapter: summary };
  }
  return { ok: false, reason: reasons.join("; ") || "no adapter" };
}

/** Replace tfjs's "OffscreenCanvas is not defined" from dataSync/arraySync with the fix. */
function explainSyncReads(): void {
  const backend = tf.backend() as unknown as { readSync: (dataId: object) => unknown };
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (err instanceof ReferenceError && /OffscreenCanvas/.test(err.message)) {
        throw new Error(
          "dataSync()/arraySync() cannot read a webgpu tensor in Node (tfjs reads it through an OffscreenCanvas): read it with await t.data() / t.array()",
        );
      }
      throw err;
    }
  };
}

/**
 * Start the webgpu backend on the first usable adapter and make it current.
 * `allowSoftware`: accept a CPU rasteriser (for tests and when forced).
 */
export async function setupWebgpu(allowSoftware: boolean): Promise<WebgpuSetup> {
  const found = await findWebgpuAdapter(allowSoftware);
  if (!found.ok) return found;
  installNavigator(found.gpu, found.route);
  try {
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (err) {
    releaseWebgpu();
    return { ok: false, reason: `@tensorflow/tfjs-backend-webgpu does not load: ${(err as Error).message.split("\n")[0]}` };
  }
  if (!tf.findBackendFactory("webgpu")) {
    releaseWebgpu();
    return { ok: false, reason: "@tensorflow/tfjs-backend-webgpu did not register (navigator.gpu missing when it was first imported?)" };
  }
  if (!(await tf.setBackend("webgpu"))) {
    releaseWebgpu();
    return { ok: false, reason: `tf.setBackend("webgpu") returned false on ${adapterName(found.adapter)} (see tfjs's warning above)` };
  }
  await tf.ready();
  explainSyncReads();
  return { ok: true, adapter: found.adapter };
}
