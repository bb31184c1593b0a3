/**
 * The published Keras ImageNet "notop" weight files: where they come from, their md5 (as published
 * in keras-applications), and where they live here. On a machine with internet a missing file is
 * downloaded once (fetch with a timeout, md5 checked, written atomically); offline, loading fails
 * with a message saying which file to put where.
 *
 * Folder: HERITAGE_WEIGHTS_DIR, else `cacheDir("weights")` (<root>/.cache/weights).
 * Set HERITAGE_OFFLINE=1 to never try a download.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../../util/fs.js";
import { info } from "../../util/log.js";
import { cacheDir } from "../../util/paths.js";

export interface WeightsSpec {
  /** Human name of the network, for messages. */
  model: string;
  /** File name, as Keras names it. */
  file: string;
  /** Where Keras downloads it from. */
  url: string;
  /** md5 of the file, as published in keras-applications (`file_hash`). */
  md5: string;
}

const BASE = "https://storage.googleapis.com/tensorflow/keras-applications";

/** The three networks of the paper. */
export const KERAS_WEIGHTS: Readonly<Record<"vgg16" | "vgg19" | "resnet50", WeightsSpec>> = {
  vgg16: {
    model: "VGG16",
    file: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
    url: `${BASE}/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: "6d6bbae143d832006294945121d1f1fc",
  },
  vgg19: {
    model: "VGG19",
    file: "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
    url: `${BASE}/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: "253f8cb515780f3b799900260a226db6",
  },
  resnet50: {
    model: "ResNet50",
    file: "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    url: `${BASE}/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: "4d473c1dd8becc155b73f8504c6f6626",
  },
};

/** The folder holding weight files (HERITAGE_WEIGHTS_DIR, else the cache's "weights"). */
export function weightsDir(): string {
  return process.env.HERITAGE_WEIGHTS_DIR ?? cacheDir("weights");
}

/** Where `spec`'s file is expected. */
export function weightsPath(spec: WeightsSpec, dir = weightsDir()): string {
  return path.join(dir, spec.file);
}

/** md5 of a file, streamed (the VGG files are 60-80 MB). */
export function md5File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("md5");
    createReadStream(file)
      .on("data", (d) => h.update(d))
      .on("error", (e) => reject(new Error(`cannot read ${file}: ${e.message}`)))
      .on("end", () => resolve(h.digest("hex")));
  });
}

const contentIds = new Map<string, string>();
/**
 * What identifies a weight file of your own in a cache key: the md5 of its bytes (so replacing
 * the file at the same path is noticed, and moving it is not), remembered per (path, size, mtime)
 * within a process so a 500 MB file is hashed once.
 */
export async function weightsContentId(file: string): Promise<string> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    throw new Error(`weight file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give the path of a Keras .h5 file`);
  }
  if (!st.isFile()) throw new Error(`weight file ${file} is not a file; give the path of a Keras .h5 file`);
  const key = `${path.resolve(file)}:${st.size}:${st.mtimeMs}`;
  let id = contentIds.get(key);
  if (!id) {
    id = await md5File(file);
    contentIds.set(key, id);
  }
  return id;
}

/** The message shown when a file is missing and cannot be downloaded. */
export function missingWeightsMessage(spec: WeightsSpec, dir = weightsDir(), why?: string): string {
  return (
    `${spec.model} needs ${spec.file} (md5 ${spec.md5}). Download it from ${spec.url} and put it at ` +
    `${weightsPath(spec, dir)} (or point HERITAGE_WEIGHTS_DIR at the folder that holds it)` +
    (why ? `; the automatic download failed: ${why}` : "")
  );
}

/** Whether the file is in place (no checksum, no network): for listings. */
export function weightsPresent(spec: WeightsSpec, dir = weightsDir()): boolean {
  const p = weightsPath(spec, dir);
  return existsSync(p) && statSync(p).size > 0;
}

export interface EnsureWeightsOptions {
  /** Folder to look in and download to. Default {@link weightsDir}. */
  dir?: string;
  /** Try to download a missing file. Default true unless HERITAGE_OFFLINE=1. */
  download?: boolean;
  /** Give up a download after this many milliseconds. Default 600000 (10 min). */
  timeoutMs?: number;
  /** Check the md5 of a file that is already there. Default true (about 0.3 s for VGG16). */
  verify?: boolean;
}

async function download(spec: WeightsSpec, file: string, timeoutMs: number): Promise<void> {
  info(`downloading ${spec.model} weights from ${spec.url}`);
  const res = await fetch(spec.url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const md5 = createHash("md5").update(bytes).digest("hex");
  if (md5 !== spec.md5) throw new Error(`downloaded file has md5 ${md5}, expected ${spec.md5}`);
  await writeFileAtomic(file, bytes);
  info(`saved ${spec.file} (${(bytes.length / 1e6).toFixed(1)} MB) to ${file}`);
}

/**
 * The path of `spec`'s file, downloading it first when missing and allowed; checks the md5.
 * Throws {@link missingWeightsMessage} when the file is missing and cannot be fetched.
 */
export async function ensureWeights(spec: WeightsSpec, opts: EnsureWeightsOptions = {}): Promise<string> {
  const dir = opts.dir ?? weightsDir();
  const file = weightsPath(spec, dir);
  if (!existsSync(file)) {
    const allowed = opts.download ?? process.env.HERITAGE_OFFLINE !== "1";
    if (!allowed) throw new Error(missingWeightsMessage(spec, dir));
    try {
      await download(spec, file, opts.timeoutMs ?? 600_000);
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new Error(missingWeightsMessage(spec, dir, `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ""}`));
    }
    return file;
  }
  if (opts.verify ?? true) {
    const md5 = await md5File(file);
    if (md5 !== spec.md5) {
      throw new Error(`${file} has md5 ${md5} but ${spec.model}'s published file has ${spec.md5}: it is damaged or a different file; delete it and fetch it again from ${spec.url}`);
    }
  }
  return file;
}
