/**
 * Cache of fitted extractor state (a bag of visual words' vocabulary, a style extractor's PCA), so
 * `features compare` and reruns do not fit the same thing twice.
 *
 * Key: the extractor id, the options it was created with, the decode size and the content
 * (sha256) of every fitting image, in order (and their labels, for a supervised extractor). Value: the JSON the extractor's `saveVocabulary`
 * writes, at `<root>/<id>/<key>.json`; `createExtractor(id, { ...options, vocabulary: json })`
 * restores it. Root: `cacheDir("vocabularies")` unless `cacheRoot` is given.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import type { DatasetItem } from "../data/dataset.js";
import { decodeImage } from "../data/decode.js";
import type { ImageArray } from "../data/image.js";
import { readJson, sha256 } from "../util/fs.js";
import { info } from "../util/log.js";
import { cacheDir } from "../util/paths.js";
import { stableStringify } from "./cache.js";
import { labelledForFit, type FeatureExtractor } from "./extractor.js";
import { createExtractor } from "./registry.js";

export interface FitCacheOptions {
  /** Fit on at most this many items, evenly spaced through the list (so every label is represented). Default all. */
  limit?: number;
  /** Cache root. Default `cacheDir("vocabularies")`. */
  cacheRoot?: string;
  /** Fit again even when a cached fit exists (the new fit replaces it). Default false. */
  refresh?: boolean;
}

export interface FitResult {
  /** The fitted extractor: `ex` itself after a fit, or a new one restored from the cache (then `ex` is disposed). */
  extractor: FeatureExtractor;
  /** "fitted" now, "cached" (restored), or "none" (the extractor needs no fit). */
  how: "fitted" | "cached" | "none";
  /** Images the fit used. */
  images: number;
  /** The cache file, when the extractor can save its fit. */
  file?: string;
  /** Seconds the fit took (decoding included); 0 unless fitted now. */
  seconds: number;
}

/** Items `fit` uses: all, or `limit` of them evenly spaced. */
export function fitItems(items: readonly DatasetItem[], limit?: number): DatasetItem[] {
  const n = Math.min(items.length, limit ?? items.length);
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

/** Cache key of a fit (see the module comment); a supervised fit's key includes the labels. */
export async function fitKey(id: string, createOptions: Record<string, unknown>, size: number, fitFiles: readonly string[], labels?: readonly (string | null)[]): Promise<string> {
  const hashes: string[] = [];
  for (const f of fitFiles) hashes.push(sha256(await fsp.readFile(f)));
  return sha256(stableStringify({ id, options: createOptions, size, images: hashes, ...(labels ? { labels } : {}) })).slice(0, 16);
}

/**
 * Fit `ex` (created as `createExtractor(id, createOptions)`) on `items`, or restore the same fit
 * from the cache. Extractors without `fit` are returned as they are.
 */
export async function fitWithCache(id: string, createOptions: Record<string, unknown>, ex: FeatureExtractor, items: readonly DatasetItem[], opts: FitCacheOptions = {}): Promise<FitResult> {
  if (!ex.fit) return { extractor: ex, how: "none", images: 0, seconds: 0 };
  const use = fitItems(items, opts.limit);
  if (ex.supervised) labelledForFit(id, use.map((i) => i.label)); // before decoding anything
  const canSave = typeof ex.saveVocabulary === "function";
  let file: string | undefined;
  if (canSave) {
    const key = await fitKey(id, createOptions, ex.inputSize, use.map((i) => i.file), ex.supervised ? use.map((i) => i.label) : undefined);
    file = path.join(opts.cacheRoot ?? cacheDir("vocabularies"), id.replace(/[^A-Za-z0-9._-]/g, "_"), `${key}.json`);
    if (!opts.refresh) {
      let saved: unknown = null;
      try {
        saved = await readJson(file);
      } catch {
        saved = null; // absent or damaged: fit again
      }
      if (saved !== null) {
        try {
          const restored = await createExtractor(id, { ...createOptions, vocabulary: saved });
          ex.dispose();
          info(`${id}: fit restored from ${file}`);
          return { extractor: restored, how: "cached", images: use.length, file, seconds: 0 };
        } catch (err) {
          info(`${id}: cached fit ${file} not usable (${(err as Error).message}); fitting again`);
        }
      }
    }
  }
  info(`fitting ${id} on ${use.length} images`);
  const t0 = performance.now();
  const images: ImageArray[] = [];
  for (const item of use) images.push(await decodeImage(item.file, ex.inputSize));
  await ex.fit(images, use.map((i) => i.label));
  if (canSave && file) {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await ex.saveVocabulary!(file);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { extractor: ex, how: "fitted", images: use.length, ...(file ? { file } : {}), seconds };
}
