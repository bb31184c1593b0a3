/**
 * Feature cache: features are stored per (extractor id, options, image content), so a rerun, a
 * K sweep or another experiment on the same images never recomputes them.
 *
 * Layout: `<root>/<extractor id>/<key>/<sha256 of the image file>.f32` (raw little-endian Float32),
 * where `<key>` hashes the extractor's `options`, the decode size and the decode options; the same
 * folder holds `meta.json` (what the key stands for, the dimension, and measured ms per image).
 * Root: `cacheDir("features")` unless `cacheRoot` is given. Images are decoded (by the data layer)
 * only for misses, in batches, with a progress bar; files with the same content are computed once.
 * A file that cannot be read or decoded throws an error naming it, or, with `skipBad`, is left out,
 * named in `skipped` and on one stderr line each, and counted in the closing line.
 *
 * Extractors that are fitted (a visual vocabulary) must put something identifying the fit into
 * `options` (e.g. the vocabulary's hash), read after `fit`, or their cached features would be
 * mixed across vocabularies.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import type { DatasetItem } from "../data/dataset.js";
import { decodeImageBuffer, decodeOptionsKey, type DecodeOptions } from "../data/decode.js";
import type { ImageArray } from "../data/image.js";
import { readJson, sha256, writeFileAtomic, writeJsonAtomic } from "../util/fs.js";
import { cacheDir } from "../util/paths.js";
import { warn } from "../util/log.js";
import { progress } from "../util/progress.js";
import type { FeatureExtractor } from "./extractor.js";

export interface ExtractFeaturesOptions {
  /** Side the images are decoded to. Default `extractor.inputSize`. */
  size?: number;
  /** Images decoded and passed to `extract` at once. Larger uses more memory. Sensible 4..64; default 16. */
  batch?: number;
  /** How images are decoded (part of the key). Default the data layer's defaults. */
  decode?: DecodeOptions;
  /** Cache root folder. Default `cacheDir("features")`. */
  cacheRoot?: string;
  /** Ignore cached values and recompute (the new values replace the old). Default false. */
  refresh?: boolean;
  /** Label of the progress bar. Default "features <id>". */
  label?: string;
  /**
   * Leave out files that cannot be read or decoded instead of throwing: the result's `items` and
   * `features` then hold the good ones only (aligned), `skipped` names the others. Default false
   * (callers that align features with their own item list keep a throw).
   */
  skipBad?: boolean;
}

export interface ExtractFeaturesResult {
  /** The items that have features, in input order (all of them unless `skipBad` left some out). */
  items: DatasetItem[];
  /** One vector per entry of `items`, in order. */
  features: Float32Array[];
  /** Files left out with `skipBad` (unreadable or undecodable), in input order, with the reason. */
  skipped: { file: string; reason: string }[];
  /** Items answered from the cache. */
  cached: number;
  /** Distinct images computed in this call. */
  computed: number;
  /**
   * Milliseconds per image of `extract` (decoding excluded): measured in this call when it computed
   * anything, else the value recorded in meta.json when the features were computed; null if unknown.
   */
  msPerImage: number | null;
  /** Folder of this (extractor, options) in the cache. */
  dir: string;
}

/** Keys sorted recursively, so equal options give equal strings. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (ArrayBuffer.isView(value)) return stableStringify(Array.from(value as unknown as ArrayLike<number>));
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(",")}}`;
}

/** The cache key of an extractor's output at a decode size. */
export function featureKey(extractor: Pick<FeatureExtractor, "id" | "options">, size: number, decode: DecodeOptions = {}): string {
  return sha256(stableStringify({ id: extractor.id, options: extractor.options, size, decode: decodeOptionsKey(decode) })).slice(0, 16);
}

/** Where an extractor's features live in the cache. */
export function featureCacheDir(extractor: Pick<FeatureExtractor, "id" | "options">, size: number, decode: DecodeOptions = {}, root?: string): string {
  const safeId = extractor.id.replace(/[^A-Za-z0-9._-]/g, "_");
  return path.join(root ?? cacheDir("features"), safeId, featureKey(extractor, size, decode));
}

interface Meta {
  id: string;
  options: Record<string, unknown>;
  size: number;
  decode: string;
  dim: number;
  /** Total extract milliseconds and images over all calls that computed something. */
  extractMs: number;
  extractImages: number;
}

async function readVector(file: string, dim: number): Promise<Float32Array | null> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch {
    return null;
  }
  if (buf.byteLength !== dim * 4) return null; // wrong size: stale or damaged, recompute
  const out = new Float32Array(dim);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** Features of `items` with the cache in front (see the module comment), with hit counts and timing. */
export async function extractFeaturesDetailed(extractor: FeatureExtractor, items: readonly DatasetItem[], opts: ExtractFeaturesOptions = {}): Promise<ExtractFeaturesResult> {
  const size = opts.size ?? extractor.inputSize;
  const batch = Math.max(1, opts.batch ?? 16);
  const decode = opts.decode ?? {};
  const dir = featureCacheDir(extractor, size, decode, opts.cacheRoot);
  await fsp.mkdir(dir, { recursive: true });
  const metaFile = path.join(dir, "meta.json");
  let meta: Meta | null = null;
  try {
    meta = await readJson<Meta>(metaFile);
  } catch {
    meta = null;
  }
  const dim = extractor.dim();

  // Content hashes; the bytes of misses are kept only until their batch is decoded.
  const hashes: string[] = [];
  const features: (Float32Array | null)[] = new Array(items.length).fill(null);
  const bad = new Map<number, string>(); // item index -> reason (skipBad only)
  const missByHash = new Map<string, number[]>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(item.file);
    } catch (err) {
      const reason = `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      if (!opts.skipBad) throw new Error(`${item.file}: ${reason}`);
      bad.set(i, reason);
      hashes.push("");
      continue;
    }
    const h = sha256(bytes);
    hashes.push(h);
    const hit = opts.refresh ? null : await readVector(path.join(dir, `${h}.f32`), dim);
    if (hit) features[i] = hit;
    else missByHash.set(h, [...(missByHash.get(h) ?? []), i]);
  }
  const cached = features.filter((f) => f !== null).length;
  const misses = [...missByHash.entries()];
  let extractMs = 0;
  let computed = 0;
  if (misses.length > 0) {
    const bar = progress(opts.label ?? `features ${extractor.id}`, misses.length);
    for (let b = 0; b < misses.length; b += batch) {
      const images: ImageArray[] = [];
      const chunk: [string, number[]][] = [];
      for (const [h, idx] of misses.slice(b, b + batch)) {
        const item = items[idx[0]!]!;
        try {
          images.push(await decodeImageBuffer(await fsp.readFile(item.file), size, decode, item.file));
          chunk.push([h, idx]);
        } catch (err) {
          if (!opts.skipBad) throw err;
          const reason = (err as Error).message.replace(`${item.file}: `, "").replace(/^cannot decode image: /, "");
          for (const i of idx) bad.set(i, reason);
        }
      }
      if (chunk.length === 0) {
        bar.tick(Math.min(batch, misses.length - b));
        continue;
      }
      const t0 = performance.now();
      const out = await extractor.extract(images);
      extractMs += performance.now() - t0;
      if (out.length !== chunk.length) throw new Error(`extractor ${extractor.id} returned ${out.length} vectors for ${chunk.length} images`);
      for (let j = 0; j < chunk.length; j++) {
        const [h, idx] = chunk[j]!;
        const v = out[j]!;
        if (v.length !== dim) throw new Error(`extractor ${extractor.id} returned ${v.length} values, but dim() says ${dim}`);
        await writeFileAtomic(path.join(dir, `${h}.f32`), new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        for (const i of idx) features[i] = v;
      }
      computed += chunk.length;
      bar.tick(Math.min(batch, misses.length - b), `${(extractMs / computed).toFixed(0)} ms/image`);
    }
    bar.stop(`${computed} computed, ${cached} cached${bad.size ? `, ${bad.size} skipped (cannot be read or decoded)` : ""}`);
    const prev = meta && meta.dim === dim ? meta : null;
    meta = {
      id: extractor.id,
      options: extractor.options,
      size,
      decode: decodeOptionsKey(decode),
      dim,
      extractMs: (prev?.extractMs ?? 0) + extractMs,
      extractImages: (prev?.extractImages ?? 0) + computed,
    };
    if (computed > 0) await writeJsonAtomic(metaFile, meta);
  }
  const msPerImage = computed > 0 ? extractMs / computed : meta && meta.extractImages > 0 ? meta.extractMs / meta.extractImages : null;
  const kept: DatasetItem[] = [];
  const keptFeatures: Float32Array[] = [];
  const skipped: { file: string; reason: string }[] = [];
  items.forEach((item, i) => {
    const why = bad.get(i);
    if (why !== undefined) {
      skipped.push({ file: item.file, reason: why });
      warn(`skipped ${item.file}: ${why}`);
    } else {
      kept.push(item);
      keptFeatures.push(features[i]!);
    }
  });
  return { items: kept, features: keptFeatures, skipped, cached, computed, msPerImage, dir };
}

/** Features of `items` (one per item, in order), computing only what the cache lacks. */
export async function extractFeatures(extractor: FeatureExtractor, items: readonly DatasetItem[], opts: ExtractFeaturesOptions = {}): Promise<Float32Array[]> {
  return (await extractFeaturesDetailed(extractor, items, opts)).features;
}
