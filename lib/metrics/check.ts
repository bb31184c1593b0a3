/** Shared argument checks for the metrics (shapes must agree; the mask must fit the image). */
import type { ImageArray, Mask } from "../data/image.js";

/** Throw a clear error unless `a` and `b` have the same width, height and channel count. */
export function assertSameShape(a: ImageArray, b: ImageArray, what: string): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(
      `${what}: images differ in shape (${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels})`,
    );
  }
  if (a.data.length !== a.width * a.height * a.channels || b.data.length !== b.width * b.height * b.channels) {
    throw new Error(`${what}: image data length does not match width*height*channels`);
  }
}

/** Throw unless `mask` has the image's width and height; returns the number of hole pixels. */
export function assertMaskFits(img: ImageArray, mask: Mask, what: string): number {
  if (mask.width !== img.width || mask.height !== img.height || mask.data.length !== img.width * img.height) {
    throw new Error(`${what}: mask is ${mask.width}x${mask.height} but the image is ${img.width}x${img.height}`);
  }
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) n++;
  return n;
}
