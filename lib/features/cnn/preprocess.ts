/**
 * Input preprocessing for the CNNs, from the project's image range [-1, 1].
 *
 *  - "caffe" (VGG16, VGG19, ResNet50 from Keras): RGB in 0..255, channels reversed to BGR, then the
 *    ImageNet channel means subtracted (B 103.939, G 116.779, R 123.68), no scaling — Keras's
 *    `imagenet_utils.preprocess_input(mode="caffe")`.
 *  - "tf": [-1, 1] unchanged (Keras MobileNet/Inception `mode="tf"`).
 *  - "unit": [0, 1] (what the nsfwjs models were fine-tuned with).
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageArray } from "../../data/image.js";

export type Preprocessing = "caffe" | "tf" | "unit";

/** ImageNet channel means in BGR order, as Keras's caffe mode uses them. */
export const CAFFE_MEAN_BGR: readonly [number, number, number] = [103.939, 116.779, 123.68];

/** Preprocess a batch [N, H, W, 3] with values in [-1, 1] (returns a new tensor). */
export function preprocessBatch(x: tf.Tensor4D, mode: Preprocessing): tf.Tensor4D {
  return tf.tidy(() => {
    if (mode === "tf") return x.clone();
    if (mode === "unit") return x.add(1).mul(0.5) as tf.Tensor4D;
    const rgb255 = x.add(1).mul(127.5);
    const bgr = tf.reverse(rgb255, -1);
    return bgr.sub(tf.tensor1d([...CAFFE_MEAN_BGR])) as tf.Tensor4D;
  });
}

/**
 * Stack images into one [N, size, size, 3] tensor. Images must have 3 channels; images of another
 * side are resized bilinearly (callers normally decode at the right size already).
 */
export function imagesToBatch(images: readonly ImageArray[], size: number): tf.Tensor4D {
  if (images.length === 0) throw new Error("imagesToBatch: no images");
  return tf.tidy(() => {
    const parts = images.map((img, i) => {
      if (img.channels !== 3) throw new Error(`image ${i} has ${img.channels} channels; the CNN extractors need 3 (RGB)`);
      const t = tf.tensor3d(img.data, [img.height, img.width, 3], "float32");
      return img.width === size && img.height === size ? t : tf.image.resizeBilinear(t, [size, size], false, true);
    });
    return tf.stack(parts) as tf.Tensor4D;
  });
}
