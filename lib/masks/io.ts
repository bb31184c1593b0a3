/**
 * Masks to and from image files (white = missing), and the damaged image for display.
 * File I/O is here, at the edge; the generators are pure.
 */
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import type { ImageArray, Mask } from "../data/image.js";
import { writeFileAtomic } from "../util/fs.js";
import { resolveSize, type MaskSize } from "./raster.js";

/**
 * Read a mask image (any format sharp reads): white = missing. The image is flattened onto black
 * (transparent pixels count as known), converted to grey, resized to `size` with nearest-neighbour sampling when given, and thresholded at
 * 0.5 (grey >= 128 is a hole).
 */
export async function maskFromImage(file: string, size?: MaskSize): Promise<Mask> {
  let input: Buffer;
  try {
    input = await readFile(file);
  } catch (err) {
    throw new Error(`cannot read mask image ${file}: ${(err as Error).message}`);
  }
  try {
    let pipe = sharp(input).flatten({ background: "#000000" }).greyscale();
    if (size !== undefined) {
      const { width, height } = resolveSize(size);
      pipe = pipe.resize(width, height, { fit: "fill", kernel: "nearest" });
    }
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    const n = info.width * info.height;
    const out = new Uint8Array(n);
    const c = info.channels;
    for (let p = 0; p < n; p++) out[p] = data[p * c]! >= 128 ? 1 : 0;
    return { width: info.width, height: info.height, data: out };
  } catch (err) {
    throw new Error(`cannot decode mask image ${file}: ${(err as Error).message}`);
  }
}

/** Read a mask PNG at its own size (white = missing); the inverse of {@link saveMaskPng}. */
export async function loadMask(file: string): Promise<Mask> {
  return maskFromImage(file);
}

/** Encode a mask as an 8-bit grey PNG (hole = 255, known = 0). */
export async function encodeMaskPng(mask: Mask): Promise<Buffer> {
  const px = Buffer.alloc(mask.width * mask.height);
  for (let i = 0; i < px.length; i++) px[i] = mask.data[i] ? 255 : 0;
  return sharp(px, { raw: { width: mask.width, height: mask.height, channels: 1 } }).png().toBuffer();
}

/** Write a mask as a grey PNG (hole = white), atomically. */
export async function saveMaskPng(mask: Mask, file: string): Promise<void> {
  await writeFileAtomic(file, await encodeMaskPng(mask));
}

/**
 * The damaged image for display: a copy of `img` with the hole filled by `fill` (one value for all
 * channels, or one per channel). Default 1 (white in [0, 1] images); use e.g. [1, 0, 1] for magenta.
 */
export function applyMask(img: ImageArray, mask: Mask, fill: number | readonly number[] = 1): ImageArray {
  if (mask.width !== img.width || mask.height !== img.height) {
    throw new Error(`applyMask: mask is ${mask.width}x${mask.height} but the image is ${img.width}x${img.height}`);
  }
  const c = img.channels;
  const colour = typeof fill === "number" ? new Array<number>(c).fill(fill) : fill;
  if (colour.length !== c) throw new Error(`applyMask: fill has ${colour.length} values for a ${c}-channel image`);
  const data = new Float32Array(img.data);
  for (let p = 0; p < mask.data.length; p++) {
    if (!mask.data[p]) continue;
    for (let k = 0; k < c; k++) data[p * c + k] = colour[k]!;
  }
  return { width: img.width, height: img.height, channels: c, data };
}
