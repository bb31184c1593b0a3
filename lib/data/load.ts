/**
 * Loading a dataset into memory: list → decode (with an on-disk cache) → arrays.
 *
 * Cache: one binary file of little-endian Float32 values (H*W*3) per (file content, size, decode
 * options), under `cacheDir("images")`, named by sha256 of the file's bytes, so renamed or copied files
 * hit the cache and edited files miss it. Writes are atomic; a cache file of the wrong length is ignored.
 *
 * Bad files (missing, empty, truncated, not an image) never abort a load: each is reported on one
 * stderr line naming it, passed to `onSkip`, returned in `skipped`, and counted in the closing summary
 * "loaded N, from cache M, skipped K".
 */
import { promises as fsp } from "node:fs";
import { sha256, writeFileAtomic } from "../util/fs.js";
import { info, warn } from "../util/log.js";
import { cacheDir } from "../util/paths.js";
import { progress } from "../util/progress.js";
import { listDataset, type DatasetItem } from "./dataset.js";
import { decodeImageBuffer, decodeOptionsKey, type DecodeOptions } from "./decode.js";
import type { ImageArray } from "./image.js";

export { imagesToTensor, tensorToImages } from "./tensor.js";

export interface LoadOptions extends DecodeOptions {
  /** Side length S of the square output images, in pixels (typically 32..256). Required. */
  size: number;
  /** Read and write the on-disk cache of decoded arrays. Default true. */
  cache?: boolean;
  /** Load at most this many items (the first ones in listing order). Default: all. */
  limit?: number;
  /** Called for every file that cannot be loaded, with the file and the reason. */
  onSkip?: (file: string, reason: string) => void;
  /** Files decoded at the same time (sharp runs them on its thread pool). Range 1..16, default 4. */
  concurrency?: number;
  /** Label of the progress bar and summary line. Default "load images". */
  label?: string;
  /** Print a warning line per skipped file and the summary line. Default true. */
  verbose?: boolean;
}

export interface LoadResult {
  /** The items that loaded, in listing order, aligned with `images`. */
  items: DatasetItem[];
  /** S x S x 3 images, values in [-1, 1] (or [0, 1] with `range: "unit"`). */
  images: ImageArray[];
  /** Files that could not be loaded, in listing order. */
  skipped: { file: string; reason: string }[];
  /** How many of `images` came from the cache. */
  fromCache: number;
}

/** The cache file for an image of the given content hash, size and decode options. */
export function imageCachePath(contentSha256: string, size: number, opts: DecodeOptions = {}): string {
  const key = sha256(decodeOptionsKey(opts)).slice(0, 12);
  return cacheDir("images", `${size}`, contentSha256.slice(0, 2), `${contentSha256}-${key}.f32`);
}

async function readCache(file: string, size: number): Promise<ImageArray | null> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch {
    return null;
  }
  const n = size * size * 3;
  if (buf.byteLength !== n * 4) return null;
  const data = new Float32Array(n);
  // copy (the Buffer's offset need not be 4-byte aligned); values are stored little-endian
  new Uint8Array(data.buffer).set(buf);
  return { width: size, height: size, channels: 3, data };
}

let cacheWarned = false;

/** Load one item: from the cache when possible, else decode (and fill the cache). */
async function loadOne(
  item: DatasetItem,
  opts: LoadOptions,
): Promise<{ image: ImageArray; cached: boolean }> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(item.file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? "file not found" : `cannot read: ${code ?? (err as Error).message}`);
  }
  const useCache = opts.cache ?? true;
  const cfile = useCache ? imageCachePath(sha256(bytes), opts.size, opts) : "";
  if (useCache) {
    const hit = await readCache(cfile, opts.size);
    if (hit) return { image: hit, cached: true };
  }
  let image: ImageArray;
  try {
    image = await decodeImageBuffer(bytes, opts.size, opts, "image");
  } catch (err) {
    throw new Error((err as Error).message.replace(/^image: cannot decode image: /, ""));
  }
  if (useCache) {
    const d = image.data;
    try {
      await writeFileAtomic(cfile, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    } catch (err) {
      // a cache that cannot be written slows later loads down but must not lose the image
      if (!cacheWarned) warn(`cannot write the image cache (${(err as Error).message}); continuing without it`);
      cacheWarned = true;
    }
  }
  return { image, cached: false };
}

/**
 * Load a dataset folder (listed with {@link listDataset}) or a given list of items as S x S x 3 arrays.
 * Never throws for a bad image file (see the module comment); throws only for a missing folder or bad options.
 */
export async function loadImages(source: string | readonly DatasetItem[], opts: LoadOptions): Promise<LoadResult> {
  if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`loadImages: size must be a positive integer, got ${opts.size}`);
  let all: readonly DatasetItem[] = typeof source === "string" ? (await listDataset(source)).items : source;
  if (opts.limit !== undefined) all = all.slice(0, Math.max(0, opts.limit));
  const label = opts.label ?? "load images";
  const verbose = opts.verbose ?? true;
  const concurrency = Math.min(16, Math.max(1, Math.floor(opts.concurrency ?? 4)));
  const results: ({ image: ImageArray; cached: boolean } | { reason: string })[] = new Array(all.length);
  const bar = verbose && all.length > 0 ? progress(label, all.length) : null;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= all.length) return;
      const item = all[i]!;
      try {
        results[i] = await loadOne(item, opts);
      } catch (err) {
        results[i] = { reason: (err as Error).message };
      }
      bar?.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, all.length) }, worker));

  const out: LoadResult = { items: [], images: [], skipped: [], fromCache: 0 };
  all.forEach((item, i) => {
    const r = results[i]!;
    if ("reason" in r) {
      out.skipped.push({ file: item.file, reason: r.reason });
      if (verbose) warn(`skipped ${item.file}: ${r.reason}`);
      opts.onSkip?.(item.file, r.reason);
    } else {
      out.items.push(item);
      out.images.push(r.image);
      if (r.cached) out.fromCache++;
    }
  });
  const summary = `loaded ${out.images.length}, from cache ${out.fromCache}, skipped ${out.skipped.length}`;
  if (bar) bar.stop(summary);
  else if (verbose) info(`${label}: ${summary}`);
  return out;
}

/** Remove the whole decoded-image cache (all sizes). */
export async function clearImageCache(): Promise<void> {
  await fsp.rm(cacheDir("images"), { recursive: true, force: true });
}

