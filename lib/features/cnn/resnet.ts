/**
 * ResNet50 (He et al. 2016) as tfjs layers, without the classifier ("notop"), with the layer names
 * of `keras.applications.ResNet50` (Keras >= 2.2.5: `conv1_conv`, `conv2_block1_1_conv`, ...,
 * `conv5_block3_out`), so the ImageNet file `resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`
 * loads by name. Convolutions carry biases and batch norms use epsilon 1.001e-5, as in Keras.
 * The model's output is `conv5_block3_out`, the last residual block after its ReLU.
 */
import * as tf from "@tensorflow/tfjs";
import { scaledChannels } from "./vgg.js";

export interface ResNetOptions {
  /** Input side in pixels (square); at least 32. Default 224 (ImageNet). */
  inputSize?: number;
  /** Multiplier on every layer's channel count, rounded, at least 1. 1 is the real network. Default 1. */
  widthScale?: number;
}

/** Keras's batch-norm epsilon for ResNet. */
export const RESNET_BN_EPSILON = 1.001e-5;

/** The stages of ResNet50: [name, base filters, blocks, stride of the first block]. */
export const RESNET50_STAGES: readonly [string, number, number, number][] = [
  ["conv2", 64, 3, 1],
  ["conv3", 128, 4, 2],
  ["conv4", 256, 6, 2],
  ["conv5", 512, 3, 2],
];

/** Name of the output layer: the last residual block's ReLU. */
export const RESNET50_FEATURE_LAYER = "conv5_block3_out";

/**
 * The layer name used by the first Keras ResNet50 (keras-applications <= 1.0.7, file release v0.2:
 * `conv1`, `bn_conv1`, `res2a_branch2a`, `bn2a_branch2a`, `res2a_branch1`, ...) for one of ours,
 * or null when there is none. Lets the loader read those files too. (That network used Keras's
 * default batch-norm epsilon 1e-3 rather than 1.001e-5; outputs differ slightly.)
 */
export function resnet50LegacyName(name: string): string | null {
  if (name === "conv1_conv") return "conv1";
  if (name === "conv1_bn") return "bn_conv1";
  const m = /^conv(\d)_block(\d+)_(\d)_(conv|bn)$/.exec(name);
  if (!m) return null;
  const block = "abcdef"[Number(m[2]) - 1];
  const branch = ["1", "2a", "2b", "2c"][Number(m[3])];
  if (!block || !branch) return null;
  return `${m[4] === "conv" ? "res" : "bn"}${m[1]}${block}_branch${branch}`;
}

type T = tf.SymbolicTensor;

function convBn(x: T, filters: number, kernel: number, stride: number, name: string, padding: "valid" | "same" = "valid"): T {
  x = tf.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding, useBias: true, name: `${name}_conv` }).apply(x) as T;
  return tf.layers.batchNormalization({ axis: 3, epsilon: RESNET_BN_EPSILON, name: `${name}_bn` }).apply(x) as T;
}

function relu(x: T, name: string): T {
  return tf.layers.activation({ activation: "relu", name }).apply(x) as T;
}

/** One bottleneck block: 1x1 (stride) -> 3x3 -> 1x1 (4 x filters), plus the shortcut, then ReLU. */
function bottleneck(x: T, filters: number, stride: number, convShortcut: boolean, name: string): T {
  const shortcut = convShortcut ? convBn(x, 4 * filters, 1, stride, `${name}_0`) : x;
  let y = relu(convBn(x, filters, 1, stride, `${name}_1`), `${name}_1_relu`);
  y = relu(convBn(y, filters, 3, 1, `${name}_2`, "same"), `${name}_2_relu`);
  y = convBn(y, 4 * filters, 1, 1, `${name}_3`);
  const sum = tf.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as T;
  return relu(sum, `${name}_out`);
}

/** Build the network; weights are random until loaded (see ./load-keras.ts). */
export function buildResNet50(opts: ResNetOptions = {}): tf.LayersModel {
  const size = opts.inputSize ?? 224;
  if (size < 32) throw new Error(`ResNet50 needs an input of at least 32 pixels, got ${size}`);
  const scale = opts.widthScale ?? 1;
  const input = tf.input({ shape: [size, size, 3], name: "input_1" }); // [N, S, S, 3]
  let x: T = tf.layers.zeroPadding2d({ padding: [[3, 3], [3, 3]], name: "conv1_pad" }).apply(input) as T;
  x = relu(convBn(x, scaledChannels(64, scale), 7, 2, "conv1"), "conv1_relu"); // [N, S/2, S/2, 64]
  x = tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: "pool1_pad" }).apply(x) as T;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "pool1_pool" }).apply(x) as T; // [N, S/4, S/4, 64]
  for (const [stage, filters, blocks, stride] of RESNET50_STAGES) {
    const f = scaledChannels(filters, scale);
    x = bottleneck(x, f, stride, true, `${stage}_block1`);
    for (let b = 2; b <= blocks; b++) x = bottleneck(x, f, 1, false, `${stage}_block${b}`);
    // after conv2: [N, S/4, S/4, 256]; conv3: S/8 x 512; conv4: S/16 x 1024; conv5: S/32 x 2048
  }
  // output: [N, S/32, S/32, 2048] (7 x 7 x 2048 at 224)
  return tf.model({ inputs: input, outputs: x, name: "resnet50" });
}
