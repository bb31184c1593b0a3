/**
 * The in-memory image type shared by every stage that works on pixels outside tfjs
 * (masks, classic inpainting, metrics, SIFT/SURF, synthetic data).
 *
 * Layout: row-major HWC, `data[(y * width + x) * channels + c]`. The value range is stated by
 * whoever produces it; the data layer produces [-1, 1] (the GAN's range), metrics take [0, 1].
 */
export interface ImageArray {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

export function createImage(width: number, height: number, channels: number, fill = 0): ImageArray {
  const data = new Float32Array(width * height * channels);
  if (fill !== 0) data.fill(fill);
  return { width, height, channels, data };
}

/** Map values from [-1, 1] to [0, 1] (a copy). */
export function toUnitRange(img: ImageArray): ImageArray {
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (img.data[i]! + 1) / 2;
  return { ...img, data };
}

/** Map values from [0, 1] to [-1, 1] (a copy). */
export function toSignedRange(img: ImageArray): ImageArray {
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i]! * 2 - 1;
  return { ...img, data };
}

/** A binary mask: 1 = missing (hole), 0 = known. Row-major, one value per pixel. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}
