/**
 * Screening a dataset before a study: which images can be studied at all. Three kinds are left out,
 * each named on its own line and counted:
 * - **undecodable**: missing, empty, truncated or not an image (the study would abort on it later,
 *   or hold it in split.json so that deleting the file is refused);
 * - **too small**: a side under `minSide` pixels (a 1x1 "painting" upscaled to the GAN's side is
 *   one flat colour);
 * - **flat**: one colour (every channel's spread under `flatSpread`), whose hole any method fills
 *   perfectly, so its PSNR is infinite and a mean over the study means nothing.
 *
 * Decoding goes through the data layer's loader and its on-disk cache, so a rerun costs a read and
 * a hash per file. Pure helpers ({@link isFlat}) are exported for tests.
 */
import type { DatasetItem } from "./dataset.js";
import { probeImage } from "./decode.js";
import type { ImageArray } from "./image.js";
import { loadImages } from "./load.js";

export interface ScreenOptions {
  /** Side the images are decoded to for the check (values in [-1, 1]). Default 32. */
  size?: number;
  /** Smallest accepted width and height of the original file, in pixels. Default 8. */
  minSide?: number;
  /**
   * Largest max-min spread (per channel, in [0, 1] units) an image may have and still count as one
   * flat colour. Default 2/255: two 8-bit levels, which absorbs JPEG and resampling noise.
   */
  flatSpread?: number;
  /** Label of the progress bar. Default "check images". */
  label?: string;
}

/** Defaults of {@link ScreenOptions}, in one place. */
export const SCREEN_DEFAULTS = { size: 32, minSide: 8, flatSpread: 2 / 255 } as const;

export interface ScreenedOut {
  file: string;
  relPath: string;
  reason: string;
}

export interface ScreenResult {
  /** Items that can be studied, in input order. */
  usable: DatasetItem[];
  /** Files that cannot be read or decoded. */
  undecodable: ScreenedOut[];
  /** Files with a side under `minSide`. */
  tooSmall: ScreenedOut[];
  /** Files of one colour. */
  flat: ScreenedOut[];
}

/** True when every channel of `image` (values in [-1, 1]) spreads less than `spread` in [0, 1] units. */
export function isFlat(image: ImageArray, spread: number = SCREEN_DEFAULTS.flatSpread): boolean {
  const c = image.channels;
  const lo = new Array<number>(c).fill(Infinity);
  const hi = new Array<number>(c).fill(-Infinity);
  const d = image.data;
  for (let i = 0; i < d.length; i++) {
    const k = i % c;
    const v = d[i]!;
    if (v < lo[k]!) lo[k] = v;
    if (v > hi[k]!) hi[k] = v;
  }
  // signed values: a spread of s in [0, 1] units is 2s here
  return lo.every((l, k) => hi[k]! - l <= 2 * spread);
}

type Kind = "undecodable" | "tooSmall" | "flat";

/**
 * Which of the decoded `items` (aligned with `images`, any side) are too small or flat; the
 * original size comes from the file header. Map from file to the kind and the reason.
 */
export async function classifyDecoded(
  items: readonly DatasetItem[],
  images: readonly ImageArray[],
  opts: Pick<ScreenOptions, "minSide" | "flatSpread"> = {},
): Promise<Map<string, { kind: Kind; reason: string }>> {
  const minSide = opts.minSide ?? SCREEN_DEFAULTS.minSide;
  const spread = opts.flatSpread ?? SCREEN_DEFAULTS.flatSpread;
  const bad = new Map<string, { kind: Kind; reason: string }>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    let dims: { width: number; height: number };
    try {
      dims = await probeImage(item.file);
    } catch (err) {
      bad.set(item.file, { kind: "undecodable", reason: (err as Error).message });
      continue;
    }
    if (dims.width < minSide || dims.height < minSide) {
      bad.set(item.file, { kind: "tooSmall", reason: `${dims.width}x${dims.height} px, under ${minSide} px on a side` });
    } else if (isFlat(images[i]!, spread)) {
      bad.set(item.file, { kind: "flat", reason: "a single flat colour (any hole is filled perfectly: infinite PSNR)" });
    }
  }
  return bad;
}

/** Screen `items` (see the module comment). Never throws for a bad file. */
export async function screenImages(items: readonly DatasetItem[], opts: ScreenOptions = {}): Promise<ScreenResult> {
  const size = opts.size ?? SCREEN_DEFAULTS.size;
  const byFile = new Map(items.map((it) => [it.file, it]));
  const loaded = await loadImages(items, { size, label: opts.label ?? "check images", verbose: false });
  const out: ScreenResult = { usable: [], undecodable: [], tooSmall: [], flat: [] };
  const bad = await classifyDecoded(loaded.items, loaded.images, opts);
  for (const s of loaded.skipped) bad.set(s.file, { kind: "undecodable", reason: s.reason });
  for (const item of items) {
    const b = bad.get(item.file);
    if (!b) out.usable.push(item);
    else out[b.kind].push({ file: item.file, relPath: byFile.get(item.file)!.relPath, reason: b.reason });
  }
  return out;
}

/** One line per left-out file, then nothing when all are usable; for logs. */
export function describeScreen(r: ScreenResult, total: number): string[] {
  const lines: string[] = [];
  const groups: [ScreenedOut[], string][] = [
    [r.undecodable, "cannot be read or decoded"],
    [r.tooSmall, "too small to study"],
    [r.flat, "flat (one colour), cannot be studied"],
  ];
  for (const [list, what] of groups) for (const s of list) lines.push(`skipped ${s.relPath} (${what}): ${s.reason}`);
  const left = total - r.usable.length;
  if (left > 0) {
    lines.push(
      `${left} of ${total} image(s) left out: ${r.undecodable.length} undecodable, ${r.tooSmall.length} too small, ${r.flat.length} flat; ` +
        `${r.usable.length} used`,
    );
  }
  return lines;
}
