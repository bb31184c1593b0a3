/**
 * Our wasm kernels (lib/runtime/wasm-kernels.ts) against the tfjs cpu backend on random inputs:
 * odd sizes, strides 1/2/3, 'same' / 'valid' / explicit padding, batch > 1, kernels smaller than
 * the stride; relative error (max |wasm - cpu| / max |cpu|) under 1e-4. Then the full gradient of
 * a small conv net (conv, transposed conv, batch norm, leaky ReLU, dense) on both backends.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend, tf } from "../../lib/runtime/backend.js";

type Pad = "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];

let seed = 1;
function rand(shape: number[]): { data: Float32Array; shape: number[] } {
  // Small LCG: the same inputs on both backends, no tensors involved.
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed++ * 2654435761;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return { data, shape };
}

/** Run `f` on `backend` with fresh tensors made from `inputs`; returns the outputs' data. */
async function onBackend(
  backend: "wasm" | "cpu",
  inputs: Array<{ data: Float32Array; shape: number[] }>,
  f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
  const out = f(...xs);
  const outs = Array.isArray(out) ? out : [out];
  const data = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([...xs, ...outs]);
  return data;
}

function relErr(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, "output sizes differ");
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? d : d / m;
}

async function compare(
  name: string,
  inputs: Array<{ data: Float32Array; shape: number[] }>,
  f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<void> {
  const w = await onBackend("wasm", inputs, f);
  const c = await onBackend("cpu", inputs, f);
  assert.equal(w.length, c.length);
  for (let i = 0; i < w.length; i++) {
    const e = relErr(w[i]!, c[i]!);
    assert.ok(e < 1e-4, `${name}: output ${i} relative error ${e}`);
  }
}

interface ConvCase {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  stride: [number, number];
  pad: Pad;
}

const CASES: ConvCase[] = [
  { n: 2, h: 9, w: 7, cin: 3, cout: 5, kh: 3, kw: 3, stride: [1, 1], pad: "same" },
  { n: 3, h: 11, w: 13, cin: 4, cout: 6, kh: 4, kw: 4, stride: [2, 2], pad: "same" },
  { n: 2, h: 13, w: 10, cin: 5, cout: 3, kh: 3, kw: 5, stride: [3, 2], pad: "valid" },
  { n: 2, h: 8, w: 8, cin: 7, cout: 17, kh: 4, kw: 4, stride: [2, 2], pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { n: 1, h: 15, w: 9, cin: 2, cout: 4, kh: 5, kw: 3, stride: [3, 3], pad: [[0, 0], [2, 0], [0, 1], [0, 0]] },
  { n: 2, h: 10, w: 11, cin: 3, cout: 2, kh: 1, kw: 2, stride: [3, 2], pad: "same" }, // kernel < stride
  { n: 2, h: 7, w: 7, cin: 20, cout: 18, kh: 2, kw: 2, stride: [3, 3], pad: "valid" }, // kernel < stride, ci >= 16
  { n: 4, h: 4, w: 4, cin: 6, cout: 1, kh: 4, kw: 4, stride: [1, 1], pad: "valid" }, // D's last layer
  { n: 3, h: 16, w: 16, cin: 8, cout: 8, kh: 4, kw: 4, stride: [2, 2], pad: "same" }, // DCGAN block
];

function label(c: ConvCase): string {
  return `x ${c.n}x${c.h}x${c.w}x${c.cin}, k ${c.kh}x${c.kw}x${c.cout}, stride ${c.stride}, pad ${JSON.stringify(c.pad)}`;
}

function outShape(c: ConvCase): number[] {
  const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.cin], [c.kh, c.kw, c.cin, c.cout], c.stride, 1, c.pad);
  return info.outShape;
}

describe("heritage wasm kernels vs the cpu backend", () => {
  before(async () => {
    await initBackend({ prefer: "wasm", announce: false });
  });

  for (const c of CASES) {
    for (const forceDilated of [false, true]) {
      test(`Conv2DBackpropFilter${forceDilated ? " (dilated conv)" : ""}: ${label(c)}`, async () => {
        const x = rand([c.n, c.h, c.w, c.cin]);
        const dy = rand(outShape(c));
        await compare("Conv2DBackpropFilter", [x, dy], (xt, dyt) =>
          tf.engine().runKernel("Conv2DBackpropFilter", { x: xt!, dy: dyt! }, {
            strides: c.stride,
            pad: c.pad,
            dataFormat: "NHWC",
            filterShape: [c.kh, c.kw, c.cin, c.cout],
            forceDilated, // ignored by the cpu backend
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        );
      });
    }

    for (const forcePhases of [false, true]) {
      test(`Conv2DBackpropInput${forcePhases ? " (stride phases)" : ""}: ${label(c)}`, async () => {
        const dy = rand(outShape(c));
        const filter = rand([c.kh, c.kw, c.cin, c.cout]);
        await compare("Conv2DBackpropInput", [dy, filter], (dyt, ft) =>
          tf.engine().runKernel("Conv2DBackpropInput", { dy: dyt!, filter: ft! }, {
            strides: c.stride,
            pad: c.pad,
            dataFormat: "NHWC",
            inputShape: [c.n, c.h, c.w, c.cin],
            forcePhases, // ignored by the cpu backend
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        );
      });
    }
  }

  test("conv2dTranspose (Conv2DBackpropInput as a layer's forward pass), 5x5 -> 10x10", async () => {
    const x = rand([3, 5, 5, 9]);
    const f = rand([4, 4, 4, 9]);
    await compare("conv2dTranspose", [x, f], (xt, ft) => tf.conv2dTranspose(xt as tf.Tensor4D, ft as tf.Tensor4D, [3, 10, 10, 4], 2, "same"));
  });

  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    test(`BatchMatMul transposeA=${ta} transposeB=${tb}, broadcast batch`, async () => {
      const a = rand(ta ? [3, 7, 5] : [3, 5, 7]);
      const b = rand(tb ? [1, 9, 7] : [1, 7, 9]);
      await compare("BatchMatMul", [a, b], (at, bt) => tf.matMul(at!, bt!, ta, tb));
    });

    test(`_FusedMatMul transposeA=${ta} transposeB=${tb} with bias and relu`, async () => {
      const a = rand(ta ? [6, 11] : [11, 6]);
      const b = rand(tb ? [13, 6] : [6, 13]);
      const bias = rand([13]);
      await compare("_FusedMatMul", [a, b, bias], (at, bt, biast) =>
        tf.fused.matMul({ a: at as tf.Tensor2D, b: bt as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: biast, activation: "relu" }),
      );
    });
  }

  for (const [shape, reps] of [
    [[1, 1, 1, 7], [3, 5, 4, 1]],
    [[1, 3], [4, 1]],
    [[2, 3], [1, 2]], // not whole copies: stock kernel
    [[2, 1, 3], [2, 3, 1]],
    [[1, 1, 1], [2, 2, 2]],
  ] as const) {
    test(`Tile ${JSON.stringify(shape)} by ${JSON.stringify(reps)}`, async () => {
      await compare("Tile", [rand([...shape])], (t) => tf.tile(t!, [...reps]));
    });
  }

  for (const [shape, axis, keepDims] of [
    [[5, 7, 3, 6], [0, 1, 2], false],
    [[5, 7, 3, 6], [2, 0, 1], true], // unsorted axes
    [[4, 9], 0, false],
    [[3, 5, 2], [0, 2], false], // not leading: stock kernel
    [[3, 5, 2], [-3, -2], true], // negative axes
    [[6, 4], [0, 1], false], // full reduction: stock kernel
  ] as const) {
    for (const op of ["sum", "mean"] as const) {
      test(`${op === "sum" ? "Sum" : "Mean"} of ${JSON.stringify(shape)} over ${JSON.stringify(axis)}${keepDims ? " keepDims" : ""}`, async () => {
        await compare(op, [rand([...shape])], (t) => tf[op](t!, axis as number | number[], keepDims));
      });
    }
  }

  test("Sum of int32 stays int32 (stock kernel)", async () => {
    await tf.setBackend("wasm");
    const t = tf.sum(tf.tensor([[1, 2], [3, 4]], [2, 2], "int32"), 0);
    assert.deepEqual(Array.from(await t.data()), [4, 6]);
    assert.equal(t.dtype, "int32");
    t.dispose();
  });

  test("Tile of int32 keeps values", async () => {
    await tf.setBackend("wasm");
    const t = tf.tile(tf.tensor([[1, 2, 3]], [1, 3], "int32"), [2, 1]);
    assert.deepEqual(Array.from(await t.data()), [1, 2, 3, 1, 2, 3]);
    assert.equal(t.dtype, "int32");
    t.dispose();
  });

  test("full gradient of a small conv net (tf.grads) matches", async () => {
    const x = rand([3, 10, 10, 3]);
    const w1 = rand([3, 3, 3, 8]);
    const w2 = rand([4, 4, 8, 6]);
    const w3 = rand([4, 4, 5, 6]); // conv2dTranspose filter [kh, kw, out, in]
    const gamma = rand([6]);
    const beta = rand([6]);
    const wd = rand([10 * 10 * 5, 4]);
    const net = (xt: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, g: tf.Tensor, be: tf.Tensor, d: tf.Tensor) => {
      let h: tf.Tensor = tf.leakyRelu(tf.conv2d(xt as tf.Tensor4D, a as tf.Tensor4D, 1, "same"), 0.2); // [3,10,10,8]
      h = tf.conv2d(h as tf.Tensor4D, b as tf.Tensor4D, 2, "same"); // [3,5,5,6]
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.relu(tf.batchNorm(h, mean, variance, be as tf.Tensor1D, g as tf.Tensor1D, 1e-5));
      h = tf.conv2dTranspose(h as tf.Tensor4D, c as tf.Tensor4D, [3, 10, 10, 5], 2, [[0, 0], [1, 1], [1, 1], [0, 0]] as never); // [3,10,10,5]
      h = tf.tanh(h);
      const logits = tf.matMul(tf.reshape(h, [3, -1]) as tf.Tensor2D, d as tf.Tensor2D);
      return tf.mean(tf.softplus(logits));
    };
    await compare("tf.grads", [x, w1, w2, w3, gamma, beta, wd], (...ts) => {
      const g = tf.grads((a, b, c, d, e, f, h) => net(a!, b!, c!, d!, e!, f!, h!));
      return g(ts);
    });
  });

  test("kernels free their intermediates", async () => {
    await tf.setBackend("wasm");
    const x = tf.randomNormal([2, 9, 9, 3]);
    const f = tf.randomNormal([4, 4, 3, 5]);
    const before = tf.memory().numTensors;
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.conv2d(xx as tf.Tensor4D, f as tf.Tensor4D, 2, "same")))(x);
    const gf = tf.grad((ff: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, ff as tf.Tensor4D, 2, "same")))(f);
    const mm = tf.tidy(() => tf.matMul(tf.reshape(x, [2, 81, 3]), tf.reshape(x, [2, 81, 3]), true, false));
    tf.dispose([g, gf, mm]);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(backend.numDataIds(), ids);
    tf.dispose([x, f]);
  });
});
