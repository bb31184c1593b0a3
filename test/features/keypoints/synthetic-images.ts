/** Synthetic test images for the keypoint tests (the blob image is re-created in fixtures/make_reference.py). */
import type { GrayImage } from "../../../lib/features/keypoints/types.js";
import { createRng } from "../../../lib/util/random.js";

/** Bright Gaussian blobs (x, y, sigma) on a flat background: the blob-image spec shared with make_reference.py. */
export const BLOB_IMAGE = {
  width: 200,
  height: 160,
  background: 0.25,
  amplitude: 0.6,
  blobs: [
    { x: 50.3, y: 60.6, sigma: 2.5 },
    { x: 100.7, y: 80.2, sigma: 4 },
    { x: 150.4, y: 90.8, sigma: 6 },
  ],
} as const;

/** The blob image quantised to 8 bits (value = round(255 * v) / 255), exactly as the Python side builds it. */
export function blobImage(): GrayImage {
  const { width, height, background, amplitude, blobs } = BLOB_IMAGE;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = background;
      for (const b of blobs) v += amplitude * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.sigma * b.sigma));
      data[y * width + x] = Math.round(Math.min(1, v) * 255) / 255;
    }
  }
  return { width, height, data };
}

/**
 * A seeded "busy" image: random Gaussian blobs and rectangles of many sizes and contrasts over a
 * smooth gradient, so it has corners, edges and blobs at many scales (like a painting), 8-bit.
 */
export function texturedImage(width: number, height: number, seed: number): GrayImage {
  const rng = createRng(seed);
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = 0.3 + (0.3 * x) / width + (0.1 * y) / height;
  const n = Math.round((width * height) / 400);
  for (let i = 0; i < n; i++) {
    const cx = rng.uniform(0, width);
    const cy = rng.uniform(0, height);
    const amp = rng.uniform(-0.35, 0.35);
    if (rng.next() < 0.5) {
      const s = rng.uniform(1.5, 8);
      const r = Math.ceil(3 * s);
      for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, cy + r); y++) {
        for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, cx + r); x++) {
          data[y * width + x]! += amp * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
        }
      }
    } else {
      const w = rng.uniform(3, 25);
      const h = rng.uniform(3, 25);
      for (let y = Math.max(0, Math.floor(cy)); y < Math.min(height, cy + h); y++) {
        for (let x = Math.max(0, Math.floor(cx)); x < Math.min(width, cx + w); x++) data[y * width + x]! += amp;
      }
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.min(1, Math.max(0, data[i]!)) * 255) / 255;
  return { width, height, data };
}
