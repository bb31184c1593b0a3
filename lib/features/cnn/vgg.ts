/**
 * VGG16 and VGG19 (Simonyan & Zisserman 2014) as tfjs layers, without the classifier ("notop"),
 * with Keras's layer names so the ImageNet `.h5` weights load by name. The model's output is the
 * last convolutional layer (`block5_conv3` for VGG16, `block5_conv4` for VGG19), after its ReLU
 * and before `block5_pool`: the paper's global feature.
 */
import * as tf from "@tensorflow/tfjs";

export interface VggOptions {
  /** 16 or 19 weight layers. */
  depth: 16 | 19;
  /** Input side in pixels (square); at least 32. Default 224 (ImageNet). */
  inputSize?: number;
  /**
   * Multiplier on every layer's channel count (64, 128, 256, 512, 512), rounded, at least 1.
   * 1 is the real network; small values (e.g. 1/64) build tiny copies for tests. Default 1.
   */
  widthScale?: number;
}

/** Convolutions per block: VGG16 has 2,2,3,3,3 and VGG19 has 2,2,4,4,4. */
export function vggBlocks(depth: 16 | 19): number[] {
  return depth === 16 ? [2, 2, 3, 3, 3] : [2, 2, 4, 4, 4];
}

/** Name of the last conv layer, whose output is the feature: block5_conv3 or block5_conv4. */
export function vggFeatureLayer(depth: 16 | 19): string {
  return `block5_conv${vggBlocks(depth)[4]}`;
}

export function scaledChannels(c: number, widthScale: number): number {
  return Math.max(1, Math.round(c * widthScale));
}

/** Build the network; weights are random until loaded (see ./load-keras.ts). */
export function buildVgg(opts: VggOptions): tf.LayersModel {
  const size = opts.inputSize ?? 224;
  if (size < 32) throw new Error(`VGG needs an input of at least 32 pixels, got ${size}`);
  const scale = opts.widthScale ?? 1;
  const widths = [64, 128, 256, 512, 512].map((c) => scaledChannels(c, scale));
  const input = tf.input({ shape: [size, size, 3], name: "input_1" }); // [N, S, S, 3]
  let x: tf.SymbolicTensor = input;
  const blocks = vggBlocks(opts.depth);
  for (let b = 0; b < 5; b++) {
    for (let c = 0; c < blocks[b]!; c++) {
      // state size: [N, S/2^b, S/2^b, widths[b]]
      x = tf.layers
        .conv2d({ filters: widths[b]!, kernelSize: 3, padding: "same", activation: "relu", name: `block${b + 1}_conv${c + 1}` })
        .apply(x) as tf.SymbolicTensor;
    }
    // The last block's pool is not part of the feature: stop at its last conv.
    if (b < 4) x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as tf.SymbolicTensor;
  }
  // output: [N, S/16, S/16, 512] (14 x 14 x 512 at 224)
  return tf.model({ inputs: input, outputs: x, name: `vgg${opts.depth}` });
}
