/** Writing images: PNG encoding (sharp), atomic PNG files, and contact-sheet grids. */
import sharp from "sharp";
import { writeFileAtomic } from "../util/fs.js";
import { createImage, type ImageArray } from "./image.js";

/** How an image's values map to 0..255: "signed" means [-1, 1] (the data layer's range), "unit" means [0, 1], "byte" means [0, 255]. */
export type ValueRange = "signed" | "unit" | "byte";

/** Quantise to 8-bit (values clamped, rounded to nearest, NaN to 0). 1, 3 or 4 channels kept as they are. */
export function toBytes(img: ImageArray, range: ValueRange = "signed"): Uint8Array {
  const out = new Uint8Array(img.data.length);
  const scale = range === "byte" ? 1 : 255;
  for (let i = 0; i < out.length; i++) {
    const x = img.data[i]!;
    const v = (range === "signed" ? (x + 1) / 2 : x) * scale;
    out[i] = Number.isNaN(v) ? 0 : Math.round(v < 0 ? 0 : v > 255 ? 255 : v);
  }
  return out;
}

/**
 * Encode an image as PNG. Deterministic: the same pixels give the same bytes.
 * @param range value range of `img` (default "signed", i.e. [-1, 1])
 */
export async function encodePng(img: ImageArray, range: ValueRange = "signed"): Promise<Buffer> {
  if (![1, 2, 3, 4].includes(img.channels)) throw new Error(`encodePng: cannot encode ${img.channels} channels`);
  if (img.data.length !== img.width * img.height * img.channels) {
    throw new Error(`encodePng: data length ${img.data.length} does not match ${img.width}x${img.height}x${img.channels}`);
  }
  const bytes = toBytes(img, range);
  return sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels as 1 | 2 | 3 | 4 },
  })
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer();
}

/** Encode `img` as PNG and write it to `file` atomically (folders are created). Default range "signed". */
export async function saveImagePng(img: ImageArray, file: string, range: ValueRange = "signed"): Promise<void> {
  await writeFileAtomic(file, await encodePng(img, range));
}

/**
 * Tile images into one grid image, row by row, `cols` per row, with `pad` pixels between tiles and
 * around the border filled with `padValue` (in the images' own range; default 1 = white for [-1, 1]
 * and for [0, 1]). Tiles may differ in size: each cell is as large as the largest tile.
 * Grey (1-channel) tiles are replicated when mixed with colour ones.
 */
export function imageGrid(images: readonly ImageArray[], cols: number, pad = 2, padValue = 1): ImageArray {
  if (images.length === 0) throw new Error("imageGrid: no images given");
  const c = Math.max(1, Math.min(Math.floor(cols), images.length));
  const rows = Math.ceil(images.length / c);
  const cw = Math.max(...images.map((i) => i.width));
  const ch = Math.max(...images.map((i) => i.height));
  const channels = Math.max(...images.map((i) => (i.channels >= 3 ? 3 : 1)));
  const W = c * cw + (c + 1) * pad;
  const H = rows * ch + (rows + 1) * pad;
  const grid = createImage(W, H, channels, padValue);
  images.forEach((img, k) => {
    const ox = pad + (k % c) * (cw + pad);
    const oy = pad + Math.floor(k / c) * (ch + pad);
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const s = (y * img.width + x) * img.channels;
        const d = ((oy + y) * W + ox + x) * channels;
        for (let q = 0; q < channels; q++) grid.data[d + q] = img.data[s + (img.channels >= 3 ? q : 0)]!;
      }
    }
  });
  return grid;
}
