/** Grayscale conversion and resampling for the keypoint detectors. */
import type { ImageArray } from "../../data/image.js";
import type { GrayImage } from "./types.js";

export function createGray(width: number, height: number): GrayImage {
  return { width, height, data: new Float32Array(width * height) };
}

/**
 * Luminance of an HWC image (ITU-R BT.601 weights 0.299, 0.587, 0.114, as OpenCV's
 * `cvtColor(BGR2GRAY)`), mapped to [0, 1]. `range` says what the input holds: "signed" is the
 * data layer's [-1, 1] (default), "unit" is [0, 1], "byte" is [0, 255]. One-channel input is copied.
 */
export function toGray(img: ImageArray, range: "signed" | "unit" | "byte" = "signed"): GrayImage {
  const { width, height, channels, data } = img;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`toGray: expected 1, 3 or 4 channels, got ${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new Error(`toGray: data length ${data.length} does not match ${width}x${height}x${channels}`);
  }
  const [scale, offset] = range === "signed" ? [0.5, 0.5] : range === "unit" ? [1, 0] : [1 / 255, 0];
  const out = new Float32Array(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += channels) {
    const v = channels === 1 ? data[p]! : 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
    out[i] = Math.min(1, Math.max(0, v * scale + offset));
  }
  return { width, height, data: out };
}

/** Round values to 1/255 steps (what an 8-bit image holds), so ours and OpenCV see the same pixels. */
export function quantize8(img: GrayImage): GrayImage {
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.min(1, Math.max(0, img.data[i]!)) * 255) / 255;
  return { width: img.width, height: img.height, data };
}

/**
 * Bilinear resize with half-pixel centres (OpenCV's INTER_LINEAR): output pixel x samples input
 * position (x + 0.5) * inW / outW - 0.5, clamped at the borders. Used to upsample; for shrinking
 * by more than 2x use {@link resizeArea}.
 */
export function resizeBilinear(img: GrayImage, outW: number, outH: number): GrayImage {
  const { width: w, height: h, data } = img;
  const out = createGray(outW, outH);
  const sx = w / outW;
  const sy = h / outH;
  const x0 = new Int32Array(outW);
  const x1 = new Int32Array(outW);
  const fx = new Float32Array(outW);
  for (let x = 0; x < outW; x++) {
    const p = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
    x0[x] = Math.floor(p);
    x1[x] = Math.min(w - 1, x0[x]! + 1);
    fx[x] = p - x0[x]!;
  }
  for (let y = 0; y < outH; y++) {
    const p = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(p);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = p - y0;
    const r0 = y0 * w;
    const r1 = y1 * w;
    const o = y * outW;
    for (let x = 0; x < outW; x++) {
      const a = data[r0 + x0[x]!]! + (data[r0 + x1[x]!]! - data[r0 + x0[x]!]!) * fx[x]!;
      const b = data[r1 + x0[x]!]! + (data[r1 + x1[x]!]! - data[r1 + x0[x]!]!) * fx[x]!;
      out.data[o + x] = a + (b - a) * fy;
    }
  }
  return out;
}

/**
 * Area-average resize (OpenCV's INTER_AREA for shrinking): each output pixel is the mean of the
 * input area it covers, with fractional pixel weights at the edges. Enlarging falls back to bilinear.
 */
export function resizeArea(img: GrayImage, outW: number, outH: number): GrayImage {
  if (outW >= img.width && outH >= img.height) return resizeBilinear(img, outW, outH);
  const { width: w, height: h, data } = img;
  // Separable: first along x into (outW x h), then along y.
  const tmp = new Float32Array(outW * h);
  const wx = areaWeights(w, outW);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (const [i, wt] of wx[x]!) s += data[row + i]! * wt;
      tmp[y * outW + x] = s;
    }
  }
  const out = createGray(outW, outH);
  const wy = areaWeights(h, outH);
  for (let y = 0; y < outH; y++) {
    const o = y * outW;
    for (const [i, wt] of wy[y]!) {
      const r = i * outW;
      for (let x = 0; x < outW; x++) out.data[o + x] += tmp[r + x]! * wt;
    }
  }
  return out;
}

/** For each output cell, the (input index, weight) pairs of the input cells it overlaps (weights sum to 1). */
function areaWeights(n: number, m: number): Array<Array<[number, number]>> {
  const scale = n / m;
  const out: Array<Array<[number, number]>> = [];
  for (let j = 0; j < m; j++) {
    const a = j * scale;
    const b = Math.min(n, (j + 1) * scale);
    const cells: Array<[number, number]> = [];
    for (let i = Math.floor(a); i < b; i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 1e-9) cells.push([i, overlap / (b - a)]);
    }
    out.push(cells);
  }
  return out;
}

/** Resize so the longer side is `maxSide` (area for shrinking, bilinear for enlarging); same image if it already is. */
export function fitGray(img: GrayImage, maxSide: number): GrayImage {
  const long = Math.max(img.width, img.height);
  if (long === maxSide) return img;
  const s = maxSide / long;
  return resizeArea(img, Math.max(1, Math.round(img.width * s)), Math.max(1, Math.round(img.height * s)));
}
