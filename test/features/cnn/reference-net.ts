/**
 * A plain-loop reference of VGG and ResNet50 forward passes (HWC, float64), written from the Keras
 * definitions, used to check the tfjs models and the weight placement independently of tfjs.
 * Also makes deterministic weights for every layer of a tfjs model.
 */
import type * as tf from "@tensorflow/tfjs";
import { createRng } from "../../../lib/util/random.js";

export interface Map3 {
  h: number;
  w: number;
  c: number;
  d: Float64Array;
}

export type LayerWeights = Map<string, Map<string, { shape: number[]; data: Float32Array }>>;

const at = (m: Map3, y: number, x: number, c: number): number => m.d[(y * m.w + x) * m.c + c]!;

export function pad(m: Map3, top: number, bottom: number, left: number, right: number): Map3 {
  const h = m.h + top + bottom;
  const w = m.w + left + right;
  const d = new Float64Array(h * w * m.c);
  for (let y = 0; y < m.h; y++) for (let x = 0; x < m.w; x++) for (let c = 0; c < m.c; c++) d[((y + top) * w + x + left) * m.c + c] = at(m, y, x, c);
  return { h, w, c: m.c, d };
}

/** Keras conv2d: kernel [kh, kw, cin, cout], "valid" or TF "same" padding. */
export function conv(m: Map3, kernel: { shape: number[]; data: Float32Array }, bias: Float32Array | null, stride: number, padding: "valid" | "same"): Map3 {
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  if (cin !== m.c) throw new Error(`conv: input has ${m.c} channels, kernel wants ${cin}`);
  let src = m;
  if (padding === "same") {
    const oh = Math.ceil(m.h / stride);
    const ow = Math.ceil(m.w / stride);
    const ph = Math.max((oh - 1) * stride + kh - m.h, 0);
    const pw = Math.max((ow - 1) * stride + kw - m.w, 0);
    src = pad(m, Math.floor(ph / 2), ph - Math.floor(ph / 2), Math.floor(pw / 2), pw - Math.floor(pw / 2));
  }
  const h = Math.floor((src.h - kh) / stride) + 1;
  const w = Math.floor((src.w - kw) / stride) + 1;
  const d = new Float64Array(h * w * cout);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let o = 0; o < cout; o++) {
        let s = bias ? bias[o]! : 0;
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++)
            for (let c = 0; c < cin; c++) s += at(src, y * stride + i, x * stride + j, c) * kernel.data[((i * kw + j) * cin + c) * cout + o]!;
        d[(y * w + x) * cout + o] = s;
      }
  return { h, w, c: cout, d };
}

export function relu(m: Map3): Map3 {
  return { ...m, d: m.d.map((v) => (v > 0 ? v : 0)) };
}

export function maxPool(m: Map3, size: number, stride: number): Map3 {
  const h = Math.floor((m.h - size) / stride) + 1;
  const w = Math.floor((m.w - size) / stride) + 1;
  const d = new Float64Array(h * w * m.c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < m.c; c++) {
        let best = -Infinity;
        for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) best = Math.max(best, at(m, y * stride + i, x * stride + j, c));
        d[(y * w + x) * m.c + c] = best;
      }
  return { h, w, c: m.c, d };
}

export function batchNorm(m: Map3, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, eps: number): Map3 {
  const d = new Float64Array(m.d.length);
  for (let i = 0; i < d.length; i++) {
    const c = i % m.c;
    d[i] = ((m.d[i]! - mean[c]!) / Math.sqrt(variance[c]! + eps)) * gamma[c]! + beta[c]!;
  }
  return { ...m, d };
}

export function add(a: Map3, b: Map3): Map3 {
  return { ...a, d: a.d.map((v, i) => v + b.d[i]!) };
}

/** Keras caffe preprocessing of one [-1, 1] RGB image, done by hand. */
export function caffe(img: { width: number; height: number; data: Float32Array }): Map3 {
  const mean = [103.939, 116.779, 123.68];
  const d = new Float64Array(img.data.length);
  for (let p = 0; p < img.width * img.height; p++) {
    for (let c = 0; c < 3; c++) {
      const rgb = (img.data[p * 3 + (2 - c)]! + 1) * 127.5; // BGR channel c comes from RGB channel 2-c
      d[p * 3 + c] = rgb - mean[c]!;
    }
  }
  return { h: img.height, w: img.width, c: 3, d };
}

function get(weights: LayerWeights, layer: string, kind: string): { shape: number[]; data: Float32Array } {
  const w = weights.get(layer)?.get(kind);
  if (!w) throw new Error(`reference: no ${kind} for ${layer}`);
  return w;
}

/** VGG16/19 up to the last conv (after ReLU). */
export function vggReference(x: Map3, depth: 16 | 19, weights: LayerWeights): Map3 {
  const blocks = depth === 16 ? [2, 2, 3, 3, 3] : [2, 2, 4, 4, 4];
  for (let b = 0; b < 5; b++) {
    for (let c = 0; c < blocks[b]!; c++) {
      const name = `block${b + 1}_conv${c + 1}`;
      x = relu(conv(x, get(weights, name, "kernel"), get(weights, name, "bias").data, 1, "same"));
    }
    if (b < 4) x = maxPool(x, 2, 2);
  }
  return x;
}

function convBn(x: Map3, weights: LayerWeights, name: string, stride: number, padding: "valid" | "same"): Map3 {
  const y = conv(x, get(weights, `${name}_conv`, "kernel"), get(weights, `${name}_conv`, "bias").data, stride, padding);
  const bn = `${name}_bn`;
  return batchNorm(y, get(weights, bn, "gamma").data, get(weights, bn, "beta").data, get(weights, bn, "moving_mean").data, get(weights, bn, "moving_variance").data, 1.001e-5);
}

/** ResNet50 up to conv5_block3_out. */
export function resnet50Reference(x: Map3, weights: LayerWeights): Map3 {
  x = relu(convBn(pad(x, 3, 3, 3, 3), weights, "conv1", 2, "valid"));
  x = maxPool(pad(x, 1, 1, 1, 1), 3, 2);
  const stages: [string, number, number][] = [["conv2", 3, 1], ["conv3", 4, 2], ["conv4", 6, 2], ["conv5", 3, 2]];
  for (const [stage, blocks, stride] of stages) {
    for (let b = 1; b <= blocks; b++) {
      const name = `${stage}_block${b}`;
      const s = b === 1 ? stride : 1;
      const shortcut = b === 1 ? convBn(x, weights, `${name}_0`, s, "valid") : x;
      let y = relu(convBn(x, weights, `${name}_1`, s, "valid"));
      y = relu(convBn(y, weights, `${name}_2`, 1, "same"));
      y = convBn(y, weights, `${name}_3`, 1, "valid");
      x = relu(add(shortcut, y));
    }
  }
  return x;
}

/**
 * Deterministic weights for every layer of `model` with weights, keyed by layer name and role.
 * Kernels are small (He-like scale) so activations stay in a sane range; BN variances are positive.
 */
export function makeWeights(model: tf.LayersModel, seed: number): LayerWeights {
  const rng = createRng(seed);
  const out: LayerWeights = new Map();
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const m = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const v of layer.weights) {
      const shape = v.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const role = v.originalName.split("/").pop()!;
      const data = new Float32Array(n);
      const fanIn = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : 1;
      for (let i = 0; i < n; i++) {
        if (role === "kernel") data[i] = rng.normal() * Math.sqrt(2 / fanIn);
        else if (role === "bias" || role === "beta" || role === "moving_mean") data[i] = rng.uniform(-0.2, 0.2);
        else if (role === "gamma") data[i] = rng.uniform(0.5, 1.5);
        else if (role === "moving_variance") data[i] = rng.uniform(0.5, 2);
        else throw new Error(`makeWeights: unknown role ${role} in ${v.originalName}`);
      }
      m.set(role, { shape, data });
    }
    out.set(layer.name, m);
  }
  return out;
}
