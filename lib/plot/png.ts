/** Encode an in-memory {@link ImageArray} as PNG bytes (for notebook display and quick saves). */
import sharp from "sharp";
import { toBytes } from "../data/encode.js";
import type { ImageArray } from "../data/image.js";

export { toBytes };

/** Options of {@link imageToPng}. */
export interface PngOptions {
  /**
   * Value range of the pixels: "unit" for [0, 1], "signed" for [-1, 1] (the GAN's range), "byte" for
   * [0, 255]. Default "auto": "signed" when any value is below 0, "byte" when any is above 1.5, else "unit".
   */
  range?: "auto" | "unit" | "signed" | "byte";
}

/** The range "auto" resolves to for `img` (see {@link PngOptions.range}). */
export function detectRange(img: ImageArray): "unit" | "signed" | "byte" {
  let min = Infinity;
  let max = -Infinity;
  for (const v of img.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min < 0) return "signed";
  if (max > 1.5) return "byte";
  return "unit";
}

/** PNG bytes of `img` (1 = grey, 2 = grey+alpha, 3 = RGB, 4 = RGBA channels). */
export async function imageToPng(img: ImageArray, opts: PngOptions = {}): Promise<Buffer> {
  const { width, height, channels } = img;
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`cannot encode an image with ${channels} channels as PNG (need 1 to 4)`);
  if (img.data.length !== width * height * channels) {
    throw new Error(`image data has ${img.data.length} values, expected ${width}x${height}x${channels}`);
  }
  const range = !opts.range || opts.range === "auto" ? detectRange(img) : opts.range;
  const bytes = toBytes(img, range);
  return sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    raw: { width, height, channels: channels as 1 | 2 | 3 | 4 },
  })
    .png()
    .toBuffer();
}
