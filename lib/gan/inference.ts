/**
 * Inference-mode forward passes of the DCGAN's layers models as plain tfjs ops.
 *
 * Why: tfjs-layers' Conv2D runs the fused conv op, whose gradient computes the filter gradient
 * together with the input gradient. In the latent search only z is optimised, so every step would
 * also compute D's filter gradients (about a quarter of a z step's work on wasm). With plain
 * `tf.conv2d`, tfjs prunes the gradient to what leads to z. Batch norm uses its moving statistics,
 * as `model.apply(x, { training: false })` does; the outputs are the same (tested).
 */
import * as tf from "@tensorflow/tfjs";

type Forward = (x: tf.Tensor) => tf.Tensor;

interface LayerConfigLike {
  strides?: number | number[];
  padding?: "same" | "valid";
  targetShape?: number[];
  alpha?: number;
  activation?: string;
  epsilon?: number;
  filters?: number;
  useBias?: boolean;
  size?: number | number[];
  interpolation?: string;
}

function pair(v: number | number[] | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === "number" ? [v, v] : [v[0]!, v[1] ?? v[0]!];
}

function layerForward(layer: tf.layers.Layer): Forward {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as LayerConfigLike;
  const w = layer.getWeights();
  const withBias = (f: Forward): Forward => (cfg.useBias && w[1] ? (x) => tf.add(f(x), w[1]!) : f);
  switch (cls) {
    case "Dense":
      return withBias((x) => tf.matMul(x as tf.Tensor2D, w[0] as tf.Tensor2D));
    case "Reshape":
      return (x) => tf.reshape(x, [x.shape[0]!, ...cfg.targetShape!]);
    case "Flatten":
      return (x) => tf.reshape(x, [x.shape[0]!, -1]);
    case "BatchNormalization": {
      const [gamma, beta, mean, variance] = w as tf.Tensor1D[];
      const eps = cfg.epsilon ?? 1e-3;
      return (x) => tf.batchNorm(x as tf.Tensor4D, mean!, variance!, beta!, gamma!, eps);
    }
    case "ReLU":
      return (x) => tf.relu(x);
    case "LeakyReLU":
      return (x) => tf.leakyRelu(x, cfg.alpha ?? 0.3);
    case "Activation":
      if (cfg.activation === "tanh") return (x) => tf.tanh(x);
      if (cfg.activation === "sigmoid") return (x) => tf.sigmoid(x);
      if (cfg.activation === "linear") return (x) => x;
      break;
    case "UpSampling2D": {
      const [fh, fw] = pair(cfg.size ?? 2);
      if ((cfg.interpolation ?? "nearest") !== "nearest") break;
      return (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1]! * fh, x.shape[2]! * fw]);
    }
    case "Conv2D":
      return withBias((x) => tf.conv2d(x as tf.Tensor4D, w[0] as tf.Tensor4D, pair(cfg.strides), cfg.padding ?? "valid"));
    case "Conv2DTranspose": {
      const [sh, sw] = pair(cfg.strides);
      const kernel = w[0] as tf.Tensor4D; // [kh, kw, out, in]
      const [kh, kw] = kernel.shape;
      return withBias((x) => {
        const [b, h, wd] = x.shape as number[];
        const same = (cfg.padding ?? "valid") === "same";
        const oh = same ? h! * sh : (h! - 1) * sh + kh;
        const ow = same ? wd! * sw : (wd! - 1) * sw + kw;
        return tf.conv2dTranspose(x as tf.Tensor4D, kernel, [b!, oh, ow, kernel.shape[2]], [sh, sw], cfg.padding ?? "valid");
      });
    }
  }
  throw new Error(`inference forward: layer ${layer.name} of class ${cls} is not supported`);
}

/**
 * A function computing `model`'s output in inference mode with plain ops. The model's current
 * weights are used (read once: rebuild after changing them).
 */
export function inferenceForward(model: tf.LayersModel): Forward {
  const steps = model.layers.filter((l) => l.getClassName() !== "InputLayer").map(layerForward);
  return (x) => steps.reduce((h, f) => f(h), x);
}
