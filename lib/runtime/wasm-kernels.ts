/**
 * Kernels the tfjs wasm backend lacks or runs slowly for DCGAN training and z-optimisation.
 *
 * Registered by {@link registerWasmKernels} (called from ./wasm-setup.ts before the backend is
 * first used). Each kernel composes the wasm backend's own XNNPACK kernels (Conv2D, Transpose,
 * Slice, BatchMatMul), so they run at XNNPACK speed and use its thread pool:
 *
 * - `Conv2DBackpropFilter` (missing on wasm): the filter gradient
 *   dW[a,b,ci,co] = sum_{n,oh,ow} x[n, oh*s+a-top, ow*s+b-left, ci] * dy[n,oh,ow,co]
 *   is a stride-1 convolution of x transposed to [ci, H, W, N] (channels become the batch)
 *   with dy transposed to [OH, OW, N, co] as its filter and dilation equal to the stride.
 *   The output [ci, kh, kw, co] is transposed back to [kh, kw, ci, co].
 * - `Conv2DBackpropInput` (stock wasm: a scalar loop, ~2.7 GFLOP/s): split by stride phase.
 *   Input rows i with (i + top) mod s = r only receive filter taps k = r + s*j, so each phase is a
 *   stride-1 convolution of dy with the flipped sub-filter w[r::s] (in/out channels swapped),
 *   and the phase outputs are interleaved into dx. Same FLOPs as the direct product, no zero
 *   multiplications, and XNNPACK does the work.
 * - Both gradients, for fewer than 8 input channels (the RGB layers: D's first, G's last): XNNPACK
 *   convolutions with 3 channels on one side waste most SIMD lanes, so these use one wide matrix
 *   product plus a JS col2im (dx) or im2col (dW) instead.
 * - `BatchMatMul` / `_FusedMatMul` with transpose flags (stock wasm: 12-30x slower than without):
 *   transpose the operand explicitly, then multiply without flags.
 * - `Tile` producing whole copies of its input (batch norm's gradient): block copies.
 * - `Sum` / `Mean` over leading axes (batch norm's statistics): one contiguous pass instead of a
 *   transpose then a reduction.
 *
 * Only NHWC (`channelsLast`) data and dilation 1 are supported, as in the stock wasm kernels.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

type TensorInfo = tf.TensorInfo;
type NamedAttrMap = tf.NamedAttrMap;
type KernelFunc = tf.KernelFunc;
type PadArg = Parameters<typeof tf.backend_util.computeConv2DInfo>[4];

/** Names of the kernels this module registers or replaces on the wasm backend. */
export const HERITAGE_WASM_KERNELS = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "BatchMatMul",
  "_FusedMatMul",
  "Tile",
  "Sum",
  "Mean",
] as const;

/** The stock wasm kernels we build on, captured before any replacement. */
interface Stock {
  conv2d: KernelFunc;
  transpose: KernelFunc;
  slice: KernelFunc;
  reshape: KernelFunc;
  batchMatMul: KernelFunc;
  fusedMatMul: KernelFunc;
  conv2dBackpropInput: KernelFunc;
  tile: KernelFunc;
  sum: KernelFunc;
  mean: KernelFunc;
}

let stock: Stock | null = null;

/** Input channels below which dx and dW use one wide matrix product + col2im / im2col in JS. */
const SMALL_CI = 8;

function stockKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, "wasm");
  if (!k) throw new Error(`tfjs wasm backend has no ${name} kernel; is @tensorflow/tfjs-backend-wasm loaded?`);
  return k.kernelFunc;
}

/** The stock wasm kernel functions (before our replacements); used by tests and benchmarks. */
export function stockWasmKernels(): Stock {
  if (!stock) throw new Error("registerWasmKernels() has not run");
  return stock;
}

function call(f: KernelFunc, inputs: Record<string, TensorInfo>, backend: BackendWasm, attrs: object): TensorInfo {
  return f({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
}

function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return call(stock!.transpose, { x }, backend, { perm });
}

function dispose(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

function checkChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== "NHWC" && dataFormat !== "channelsLast") {
    throw new Error(`heritage wasm ${kernel} supports only dataFormat NHWC, got ${String(dataFormat)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: PadArg;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
  /** Tests only: use the dilated-convolution path even for few input channels. */
  forceDilated?: boolean;
}

/**
 * dW for few input channels (an RGB image layer): the dilated convolution above would have ci = 3
 * as its batch and only kh*kw output pixels, so instead gather the transposed patches
 * PT[kh*kw*ci, N*OH*OW] in JS (im2col) and compute dW = PT x dy[N*OH*OW, co] as one matrix product.
 */
function backpropFilterCols(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: ReturnType<typeof tf.backend_util.computeConv2DInfo>,
): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: ci, outChannels: co } = info;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const taps = kh * kw * ci;
  const M = N * OH * OW;
  const pt = backend.makeOutput([1, taps, M], "float32");
  {
    const xv = backend.typedArrayFromHeap(x) as Float32Array;
    const pv = backend.typedArrayFromHeap(pt) as Float32Array;
    let p = 0;
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++, p++) {
          for (let a = 0; a < kh; a++) {
            const i = oh * sh + a - top;
            const inRow = i >= 0 && i < H;
            for (let b = 0; b < kw; b++) {
              const j = ow * sw + b - left;
              const t0 = (a * kw + b) * ci;
              if (inRow && j >= 0 && j < W) {
                const o = ((n * H + i) * W + j) * ci;
                for (let k = 0; k < ci; k++) pv[(t0 + k) * M + p] = xv[o + k]!;
              } else {
                for (let k = 0; k < ci; k++) pv[(t0 + k) * M + p] = 0;
              }
            }
          }
        }
      }
    }
  }
  const dy3 = call(stock!.reshape, { x: dy }, backend, { shape: [1, M, co] });
  const g = call(stock!.batchMatMul, { a: pt, b: dy3 }, backend, { transposeA: false, transposeB: false }); // [1, taps, co]
  dispose(backend, pt, dy3);
  const out = call(stock!.reshape, { x: g }, backend, { shape: [kh, kw, ci, co] });
  dispose(backend, g);
  return out;
}

/** dW of a conv2d (NHWC, dilation 1) as one XNNPACK convolution; see the module comment. */
export function conv2dBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: BackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  checkChannelsLast("Conv2DBackpropFilter", attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, batchSize: N, inChannels: ci, outChannels: co } = info;
  if (ci < SMALL_CI && !attrs.forceDilated) return backpropFilterCols(backend, x, dy, info);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Padding below / right so that the stride-1 dilated convolution yields exactly kh x kw.
  let bottom = kh + (OH - 1) * sh - H - top;
  let right = kw + (OW - 1) * sw - W - left;
  const temps: TensorInfo[] = [];
  let xs = x;
  if (bottom < 0 || right < 0) {
    // Rows/columns of x that no output reads: crop them (XNNPACK takes no negative padding).
    const hUse = H + Math.min(bottom, 0);
    const wUse = W + Math.min(right, 0);
    xs = call(stock!.slice, { x }, backend, { begin: [0, 0, 0, 0], size: [N, hUse, wUse, ci] });
    temps.push(xs);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const xT = transpose(backend, xs, [3, 1, 2, 0]); // [ci, H, W, N]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, N, co]
  temps.push(xT, dyT);
  const g = call(stock!.conv2d, { x: xT, filter: dyT }, backend, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dataFormat: "NHWC",
    dilations: [sh, sw],
    dimRoundingMode: undefined,
  }); // [ci, kh, kw, co]
  temps.push(g);
  const out = transpose(backend, g, [1, 2, 0, 3]); // [kh, kw, ci, co]
  dispose(backend, ...temps);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput

interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: PadArg;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
  /** Tests only: use the stride-phase path even for few input channels. */
  forcePhases?: boolean;
}

/** One stride phase along one axis: which filter taps, which dy rows, which dx rows. */
interface Phase {
  /** Remainder r: dx rows i with (i + pad) mod s = r. */
  r: number;
  /** Taps in this phase: k = r, r+s, ... < K. */
  taps: number;
  /** First phase index q0; dx row of phase index q is q*s + r - pad. */
  q0: number;
  /** Number of dx rows in this phase. */
  n: number;
  /** Padding of dy before / after for the stride-1 convolution (negative: crop). */
  before: number;
  after: number;
}

function phases(K: number, s: number, pad: number, inLen: number, outLen: number): Phase[] {
  const list: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const taps = r < K ? Math.ceil((K - r) / s) : 0;
    const q0 = Math.ceil((pad - r) / s);
    const q1 = Math.floor((inLen - 1 + pad - r) / s);
    const n = q1 - q0 + 1;
    if (n <= 0) continue;
    const before = taps - 1 - q0;
    const after = n + taps - 1 - outLen - before;
    list.push({ r, taps, q0, n, before, after });
  }
  return list;
}

/**
 * dx for few input channels (an RGB image layer): XNNPACK convolutions with 3 output channels
 * use a fraction of their SIMD lanes, so compute cols = dy[N*OH*OW, co] x W^T[co, kh*kw*ci]
 * (one wide matrix product) and scatter-add the columns into dx (col2im) in JS.
 */
function backpropInputCols(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ReturnType<typeof tf.backend_util.computeConv2DInfo>,
): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: ci, outChannels: co } = info;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const taps = kh * kw * ci;
  const wt = backend.makeOutput([1, co, taps], "float32");
  {
    const w = backend.typedArrayFromHeap(filter) as Float32Array; // [kh, kw, ci, co]
    const v = backend.typedArrayFromHeap(wt) as Float32Array;
    for (let t = 0; t < taps; t++) for (let c = 0; c < co; c++) v[c * taps + t] = w[t * co + c]!;
  }
  const dy3 = call(stock!.reshape, { x: dy }, backend, { shape: [1, N * OH * OW, co] });
  const cols = call(stock!.batchMatMul, { a: dy3, b: wt }, backend, { transposeA: false, transposeB: false }); // [1, N*OH*OW, taps]
  dispose(backend, dy3, wt);
  const out = backend.makeOutput([N, H, W, ci], "float32");
  const cv = backend.typedArrayFromHeap(cols) as Float32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  ov.fill(0);
  let p = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, p += taps) {
        for (let a = 0; a < kh; a++) {
          const i = oh * sh + a - top;
          if (i < 0 || i >= H) continue;
          for (let b = 0; b < kw; b++) {
            const j = ow * sw + b - left;
            if (j < 0 || j >= W) continue;
            const o = ((n * H + i) * W + j) * ci;
            const q = p + (a * kw + b) * ci;
            for (let k = 0; k < ci; k++) ov[o + k] += cv[q + k]!;
          }
        }
      }
    }
  }
  dispose(backend, cols);
  return out;
}

/** dx of a conv2d (NHWC, dilation 1) as s_h*s_w stride-1 XNNPACK convolutions; see the module comment. */
export function conv2dBackpropInputWasm(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: BackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  checkChannelsLast("Conv2DBackpropInput", attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: ci, outChannels: co } = info;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw } = info;
  if (ci < SMALL_CI && !attrs.forcePhases) return backpropInputCols(backend, dy, filter, info);
  const rows = phases(kh, sh, info.padInfo.top, H, OH);
  const cols = phases(kw, sw, info.padInfo.left, W, OW);
  const single = sh === 1 && sw === 1;

  const out = single ? null : backend.makeOutput([N, H, W, ci], "float32");
  if (out && (rows.some((p) => p.taps === 0) || cols.some((p) => p.taps === 0) || rows.length < sh || cols.length < sw)) {
    backend.typedArrayFromHeap(out).fill(0); // some dx entries receive no tap (kernel smaller than stride)
  }
  for (const ph of rows) {
    for (const pw of cols) {
      if (ph.taps === 0 || pw.taps === 0) continue;
      // Flipped sub-filter with channels swapped: f[th, tw, c, k] = w[rh + sh*(Th-1-th), rw + sw*(Tw-1-tw), k, c].
      const f = backend.makeOutput([ph.taps, pw.taps, co, ci], "float32");
      {
        const w = backend.typedArrayFromHeap(filter) as Float32Array;
        const fv = backend.typedArrayFromHeap(f) as Float32Array;
        for (let th = 0; th < ph.taps; th++) {
          const ih = ph.r + sh * (ph.taps - 1 - th);
          for (let tw = 0; tw < pw.taps; tw++) {
            const iw = pw.r + sw * (pw.taps - 1 - tw);
            const wBase = (ih * kw + iw) * ci * co;
            const fBase = (th * pw.taps + tw) * co * ci;
            for (let k = 0; k < ci; k++) {
              const wRow = wBase + k * co;
              for (let c = 0; c < co; c++) fv[fBase + c * ci + k] = w[wRow + c];
            }
          }
        }
      }
      // dy, cropped where the phase reads no rows/cols beyond its ends.
      let src = dy;
      const cropTop = Math.max(0, -ph.before);
      const cropBottom = Math.max(0, -ph.after);
      const cropLeft = Math.max(0, -pw.before);
      const cropRight = Math.max(0, -pw.after);
      if (cropTop || cropBottom || cropLeft || cropRight) {
        src = call(stock!.slice, { x: dy }, backend, {
          begin: [0, cropTop, cropLeft, 0],
          size: [N, OH - cropTop - cropBottom, OW - cropLeft - cropRight, co],
        });
      }
      const part = call(stock!.conv2d, { x: src, filter: f }, backend, {
        strides: [1, 1],
        pad: [
          [0, 0],
          [Math.max(ph.before, 0), Math.max(ph.after, 0)],
          [Math.max(pw.before, 0), Math.max(pw.after, 0)],
          [0, 0],
        ],
        dataFormat: "NHWC",
        dilations: [1, 1],
        dimRoundingMode: undefined,
      }); // [N, ph.n, pw.n, ci]
      if (src !== dy) dispose(backend, src);
      dispose(backend, f);
      if (single) return part;
      // Interleave: dx[n, (q0h+u)*sh + rh - top, (q0w+v)*sw + rw - left, :] = part[n, u, v, :].
      const pv = backend.typedArrayFromHeap(part) as Float32Array;
      const ov = backend.typedArrayFromHeap(out!) as Float32Array;
      const i0 = ph.q0 * sh + ph.r - info.padInfo.top;
      const j0 = pw.q0 * sw + pw.r - info.padInfo.left;
      let p = 0;
      for (let n = 0; n < N; n++) {
        for (let u = 0; u < ph.n; u++) {
          const rowBase = (n * H + i0 + u * sh) * W;
          for (let v = 0; v < pw.n; v++) {
            const o = (rowBase + j0 + v * sw) * ci;
            if (ci >= 16) {
              ov.set(pv.subarray(p, p + ci), o);
            } else {
              for (let k = 0; k < ci; k++) ov[o + k] = pv[p + k];
            }
            p += ci;
          }
        }
      }
      dispose(backend, part);
    }
  }
  if (!out) {
    // Stride 1 but no phase with taps: dx is all zeros.
    const z = backend.makeOutput([N, H, W, ci], "float32");
    backend.typedArrayFromHeap(z).fill(0);
    return z;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// BatchMatMul / _FusedMatMul with transpose flags

function swapLast2(backend: BackendWasm, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return transpose(backend, t, perm);
}

function withExplicitTranspose(base: () => KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (!attrs.transposeA && !attrs.transposeB) return base()(args);
    const temps: TensorInfo[] = [];
    const a2 = attrs.transposeA ? swapLast2(backend, a) : a;
    const b2 = attrs.transposeB ? swapLast2(backend, b) : b;
    if (a2 !== a) temps.push(a2);
    if (b2 !== b) temps.push(b2);
    try {
      return base()({
        ...args,
        inputs: { ...args.inputs, a: a2, b: b2 },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      dispose(backend, ...temps);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Tile

/**
 * Tile where the output is whole copies of the input (every tiled axis comes before every input
 * axis longer than 1), e.g. batch norm's gradient tiling [1,1,1,C] to [N,H,W,C]: block copies
 * (copyWithin doubling) instead of the stock per-element index loop (~10 % of a training step).
 * Other cases go to the stock kernel.
 */
function tileWasm(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const reps = (args.attrs as { reps: number[] }).reps;
  const firstLong = x.shape.findIndex((d) => d > 1);
  const wholeCopies =
    x.dtype !== "string" &&
    reps.length === x.shape.length &&
    reps.every((r, i) => r === 1 || firstLong === -1 || i < firstLong);
  if (!wholeCopies) return stock!.tile(args) as TensorInfo;
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const n = src.length;
  if (n === 0 || dst.length === 0) return out;
  dst.set(src, 0);
  let filled = n;
  while (filled < dst.length) {
    const len = Math.min(filled, dst.length - filled);
    dst.copyWithin(filled, 0, len);
    filled += len;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sum / Mean over leading axes

/**
 * Sum or Mean of float32 data over a leading run of axes (batch norm's statistics and its
 * gradients reduce [N, H, W, C] over N, H, W): stock wasm transposes the whole tensor to put the
 * reduced axes last, then reduces; here one contiguous pass accumulates rows in float64.
 * Other cases go to the stock kernel.
 */
function reduceLeading(kind: "sum" | "mean"): KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const k = axes.length;
    const leading = k > 0 && k < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== "float32") return (kind === "sum" ? stock!.sum : stock!.mean)(args) as TensorInfo;
    const R = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(k);
    const C = rest.reduce((a, b) => a * b, 1);
    const acc = new Float64Array(C);
    const xv = backend.typedArrayFromHeap(x) as Float32Array;
    for (let r = 0; r < R; r++) {
      const base = r * C;
      for (let c = 0; c < C; c++) acc[c]! += xv[base + c]!;
    }
    const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest, "float32");
    const ov = backend.typedArrayFromHeap(out) as Float32Array;
    const scale = kind === "mean" ? 1 / R : 1;
    for (let c = 0; c < C; c++) ov[c] = acc[c]! * scale;
    return out;
  };
}

// ---------------------------------------------------------------------------------------------

let registered = false;

/**
 * Register the kernels above on the wasm backend (idempotent). Must run after
 * `@tensorflow/tfjs-backend-wasm` is imported; it may run before or after `setBackend("wasm")`.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  stock = {
    conv2d: stockKernel("Conv2D"),
    transpose: stockKernel("Transpose"),
    slice: stockKernel("Slice"),
    reshape: stockKernel("Reshape"),
    batchMatMul: stockKernel("BatchMatMul"),
    fusedMatMul: stockKernel("_FusedMatMul"),
    conv2dBackpropInput: stockKernel("Conv2DBackpropInput"),
    tile: stockKernel("Tile"),
    sum: stockKernel("Sum"),
    mean: stockKernel("Mean"),
  };
  const replace = (kernelName: string, kernelFunc: KernelFunc, keepSetup = false) => {
    const old = tf.getKernel(kernelName, "wasm");
    if (old) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc,
      // The stock kernel's setup (cwrap of its C function) must still run when we delegate to it.
      setupFunc: keepSetup ? old?.setupFunc : undefined,
      disposeFunc: keepSetup ? old?.disposeFunc : undefined,
    });
  };
  replace("Conv2DBackpropFilter", conv2dBackpropFilterWasm as unknown as KernelFunc);
  replace("Conv2DBackpropInput", conv2dBackpropInputWasm as unknown as KernelFunc, true);
  replace("BatchMatMul", withExplicitTranspose(() => stock!.batchMatMul), true);
  replace("_FusedMatMul", withExplicitTranspose(() => stock!.fusedMatMul), true);
  replace("Tile", tileWasm, true);
  replace("Sum", reduceLeading("sum"), true);
  replace("Mean", reduceLeading("mean"), true);
  registered = true;
}

/**
 * Put the stock wasm Conv2DBackpropInput / BatchMatMul / _FusedMatMul / Tile / Sum / Mean back (keeping our
 * Conv2DBackpropFilter, without which training cannot run): for benchmarks that measure what the
 * replacements gain.
 */
export function useStockWasmKernels(): void {
  registerWasmKernels();
  const s = stockWasmKernels();
  for (const [name, fn] of [
    ["Conv2DBackpropInput", s.conv2dBackpropInput],
    ["BatchMatMul", s.batchMatMul],
    ["_FusedMatMul", s.fusedMatMul],
    ["Tile", s.tile],
    ["Sum", s.sum],
    ["Mean", s.mean],
  ] as const) {
    const old = tf.getKernel(name, "wasm");
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: fn, setupFunc: old?.setupFunc, disposeFunc: old?.disposeFunc });
  }
}
