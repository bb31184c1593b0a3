/**
 * Decoding one image file into the project's image type with sharp.
 *
 * Pipeline: read → EXIF auto-orientation → centre crop to a square and resize to `size` x `size`
 * (one step, sharp's `fit: "cover"`, alpha-premultiplied) → sRGB → alpha composited onto a background
 * colour → Float32 HWC, 3 channels, in [-1, 1]. JPEG, PNG (8/16-bit, grey, palette, alpha), WebP, TIFF, GIF (first frame)
 * and AVIF are read. 16-bit inputs keep their precision (decoded as 16-bit RGB).
 * Truncated or corrupt files fail (sharp's default `failOn: "warning"`) with an Error naming the file.
 */
import { promises as fsp } from "node:fs";
import sharp from "sharp";
import type { ImageArray } from "./image.js";

export interface DecodeOptions {
  /**
   * Colour that transparent pixels are composited onto, as [r, g, b] in 0..255.
   * Default [255, 255, 255] (white, like paper or a museum photo background).
   */
  background?: readonly [number, number, number];
  /**
   * Resampling kernel for the resize. "lanczos3" (sharp's default) is sharpest; "cubic" and
   * "linear" are softer; "nearest" only for tests. Default "lanczos3".
   */
  kernel?: "nearest" | "linear" | "cubic" | "mitchell" | "lanczos2" | "lanczos3";
  /**
   * Output value range: "signed" gives [-1, 1] (the GAN's range), "unit" gives [0, 1]. Default "signed".
   */
  range?: "signed" | "unit";
}

/** Defaults of {@link DecodeOptions}, in one place. */
export const DECODE_DEFAULTS: Required<DecodeOptions> = {
  background: [255, 255, 255],
  kernel: "lanczos3",
  range: "signed",
};

/** A short string that changes whenever decoding would give different numbers (used in cache keys). */
export function decodeOptionsKey(opts: DecodeOptions = {}): string {
  const o = { ...DECODE_DEFAULTS, ...opts };
  return `v1-${o.kernel}-${o.background.join(".")}-${o.range}`;
}

/**
 * Decode an encoded image held in memory. `name` is used in error messages (normally the file path).
 * Throws `Error("<name>: cannot decode image: <reason>")` on bad input.
 */
export async function decodeImageBuffer(
  input: Buffer,
  size: number,
  opts: DecodeOptions = {},
  name = "<buffer>",
): Promise<ImageArray> {
  if (!Number.isInteger(size) || size < 1 || size > 8192) {
    throw new Error(`decode size must be an integer in 1..8192, got ${size}`);
  }
  const o = { ...DECODE_DEFAULTS, ...opts };
  if (input.length === 0) throw new Error(`${name}: cannot decode image: the file is empty`);
  let data: Buffer;
  let channels: number;
  let depth16: boolean;
  try {
    const meta = await sharp(input).metadata();
    depth16 = meta.depth === "ushort" || meta.depth === "short" || meta.depth === "float" || meta.depth === "double";
    const out = await sharp(input)
      .rotate() // EXIF orientation
      .resize(size, size, { fit: "cover", position: "centre", kernel: o.kernel })
      .toColourspace(depth16 ? "rgb16" : "srgb")
      .raw({ depth: depth16 ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
    data = out.data;
    channels = out.info.channels;
    if (out.info.width !== size || out.info.height !== size) {
      throw new Error(`decoder returned ${out.info.width}x${out.info.height}, expected ${size}x${size}`);
    }
  } catch (err) {
    throw new Error(`${name}: cannot decode image: ${(err as Error).message}`);
  }
  const n = size * size;
  const src = depth16 ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : data;
  const maxv = depth16 ? 65535 : 255;
  const signed = o.range === "signed";
  const outData = new Float32Array(n * 3);
  // alpha (the last of 2 or 4 channels) is composited here, after the resize, in full precision:
  // sharp resizes with premultiplied alpha, so this equals flattening before the resize
  const hasAlpha = channels === 2 || channels === 4;
  const bg = o.background.map((v) => v / 255);
  for (let p = 0; p < n; p++) {
    const a = hasAlpha ? src[p * channels + channels - 1]! / maxv : 1;
    for (let c = 0; c < 3; c++) {
      // grey outputs (1-2 channels) are replicated
      let v = src[p * channels + (channels >= 3 ? c : 0)]! / maxv;
      if (hasAlpha) v = v * a + bg[c]! * (1 - a);
      outData[p * 3 + c] = signed ? v * 2 - 1 : v;
    }
  }
  return { width: size, height: size, channels: 3, data: outData };
}

/**
 * Decode an image file to `size` x `size` x 3, values in [-1, 1] (or [0, 1] with `range: "unit"`).
 * Throws an Error naming the file and the problem for missing, empty, truncated or non-image files.
 */
export async function decodeImage(file: string, size: number, opts: DecodeOptions = {}): Promise<ImageArray> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return decodeImageBuffer(buf, size, opts, file);
}

/** Image dimensions and format from the header only (fast; no pixel decoding). */
export async function probeImage(file: string): Promise<{ width: number; height: number; format: string; channels: number; depth: string }> {
  try {
    const m = await sharp(file).metadata();
    const swap = (m.orientation ?? 1) >= 5;
    return {
      width: (swap ? m.height : m.width) ?? 0,
      height: (swap ? m.width : m.height) ?? 0,
      format: m.format ?? "unknown",
      channels: m.channels ?? 0,
      depth: m.depth ?? "unknown",
    };
  } catch (err) {
    throw new Error(`${file}: cannot read image header: ${(err as Error).message}`);
  }
}
