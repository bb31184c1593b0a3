/** Reading image files for the metrics: native size, sRGB, 8-bit, alpha flattened onto white, values in [0, 1]. */
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import type { ImageArray } from "../data/image.js";

/** Decode `file` at its own size into a 3-channel [0, 1] image (grey images are repeated to RGB). */
export async function loadImageUnit(file: string): Promise<ImageArray> {
  let input: Buffer;
  try {
    input = await readFile(file);
  } catch (err) {
    throw new Error(`cannot read image ${file}: ${(err as Error).message}`);
  }
  try {
    const { data, info } = await sharp(input)
      .rotate()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    const n = info.width * info.height;
    const out = new Float32Array(n * 3);
    const c = info.channels;
    for (let p = 0; p < n; p++) {
      for (let k = 0; k < 3; k++) out[p * 3 + k] = data[p * c + (c >= 3 ? k : 0)]! / 255;
    }
    return { width: info.width, height: info.height, channels: 3, data: out };
  } catch (err) {
    throw new Error(`cannot decode image ${file}: ${(err as Error).message}`);
  }
}
