/** Conversions between the project's ImageArray and tfjs tensors. */
import * as tf from "@tensorflow/tfjs";
import type { ImageArray } from "./image.js";

/**
 * Stack same-sized images into one tensor [n, H, W, C] (values copied as they are).
 * Throws when the list is empty or the shapes differ (naming the first odd one).
 */
export function imagesToTensor(images: readonly ImageArray[]): tf.Tensor4D {
  if (images.length === 0) throw new Error("imagesToTensor: no images given");
  const { width, height, channels } = images[0]!;
  const per = width * height * channels;
  const buf = new Float32Array(images.length * per);
  images.forEach((img, i) => {
    if (img.width !== width || img.height !== height || img.channels !== channels) {
      throw new Error(
        `imagesToTensor: image ${i} is ${img.width}x${img.height}x${img.channels}, expected ${width}x${height}x${channels}`,
      );
    }
    buf.set(img.data, i * per);
  });
  return tf.tensor4d(buf, [images.length, height, width, channels]);
}

/** Split a tensor [n, H, W, C] (or one image [H, W, C]) into ImageArrays (values copied as they are). */
export function tensorToImages(t: tf.Tensor): ImageArray[] {
  if (t.rank !== 3 && t.rank !== 4) throw new Error(`tensorToImages: expected rank 3 or 4, got shape [${t.shape.join(", ")}]`);
  const [n, height, width, channels] = t.rank === 4 ? t.shape : [1, ...t.shape];
  return splitImages(t.dataSync() as Float32Array, n!, height!, width!, channels!);
}

/** {@link tensorToImages} reading the tensor asynchronously (works on every backend, webgpu included). */
export async function tensorToImagesAsync(t: tf.Tensor): Promise<ImageArray[]> {
  if (t.rank !== 3 && t.rank !== 4) throw new Error(`tensorToImages: expected rank 3 or 4, got shape [${t.shape.join(", ")}]`);
  const [n, height, width, channels] = t.rank === 4 ? t.shape : [1, ...t.shape];
  return splitImages((await t.data()) as Float32Array, n!, height!, width!, channels!);
}

function splitImages(all: Float32Array, n: number, height: number, width: number, channels: number): ImageArray[] {
  const per = height * width * channels;
  const out: ImageArray[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ width, height, channels, data: Float32Array.from(all.subarray(i * per, (i + 1) * per)) });
  }
  return out;
}
