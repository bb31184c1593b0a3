/** Test helpers for the data layer: temp folders and fixture images made with sharp. */
import { mkdtempSync, rmSync } from "node:fs";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp, { type Sharp } from "sharp";
import type { ImageArray } from "../../lib/data/image.js";

const made: string[] = [];
process.on("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix = "heritage-data-"): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Raw 8-bit RGB pixels from a function of (x, y). */
export function rgbPixels(w: number, h: number, f: (x: number, y: number) => [number, number, number]): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b.set(f(x, y), (y * w + x) * 3);
  return b;
}

/** A sharp pipeline over raw pixels. */
export function fromRaw(buf: Buffer | Uint16Array, w: number, h: number, channels: 1 | 2 | 3 | 4 = 3): Sharp {
  return sharp(buf, { raw: { width: w, height: h, channels } });
}

export async function writeFile(file: string, data: Buffer | string): Promise<string> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, data);
  return file;
}

/** Mean of each channel of an HWC image. */
export function channelMeans(img: ImageArray): number[] {
  const m = new Array<number>(img.channels).fill(0);
  for (let i = 0; i < img.data.length; i++) m[i % img.channels]! += img.data[i]!;
  return m.map((v) => v / (img.width * img.height));
}

/** Pixel (x, y) as an array of channel values. */
export function pixel(img: ImageArray, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  return Array.from(img.data.subarray(i, i + img.channels));
}

export function near(actual: readonly number[], expected: readonly number[], tol: number, what = "value"): void {
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]!) <= tol)) {
      throw new Error(`${what}: got [${actual.map((v) => v.toFixed(4)).join(", ")}], expected [${expected.join(", ")}] within ${tol}`);
    }
  });
}
