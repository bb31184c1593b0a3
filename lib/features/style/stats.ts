/**
 * Second-order statistics of conv activations that describe style (Gatys et al. 2015-16):
 *
 *  - "gram": the channel-by-channel Gram matrix G = F^T F / (h w) of a [h, w, c] map F seen as
 *    h w rows of c values; symmetric, so only its upper triangle (diagonal included) is kept,
 *    row by row: G[0,0], G[0,1], ..., G[0,c-1], G[1,1], ... (c (c + 1) / 2 values).
 *  - "meanstd": the per-channel mean and standard deviation over positions (2 c values: all
 *    means, then all standard deviations; the population std, as in AdaIN). Much cheaper.
 *
 * And how the blocks of several layers are joined: each block scaled to unit L2 norm ("l2", so
 * every layer weighs the same whatever its size and activation range) or as is ("none").
 */
import * as tf from "@tensorflow/tfjs";

export type StyleStat = "gram" | "meanstd";
export type BlockNorm = "l2" | "none";

/** Output length of a statistic for c channels. */
export function statDim(stat: StyleStat, channels: number): number {
  return stat === "gram" ? (channels * (channels + 1)) / 2 : 2 * channels;
}

const triCache = new Map<number, Int32Array>();
/** Flat indices of the upper triangle (diagonal included) of a c x c matrix, row by row. */
export function upperTriangleIndices(c: number): Int32Array {
  let idx = triCache.get(c);
  if (!idx) {
    idx = new Int32Array((c * (c + 1)) / 2);
    let k = 0;
    for (let i = 0; i < c; i++) for (let j = i; j < c; j++) idx[k++] = i * c + j;
    triCache.set(c, idx);
  }
  return idx;
}

/** The statistic of a batch of maps [N, h, w, c] as [N, statDim] (a new tensor). */
export function styleStat(map: tf.Tensor4D, stat: StyleStat): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, c] = map.shape;
    const f = map.reshape([n, h * w, c]) as tf.Tensor3D; // [N, hw, c]
    if (stat === "meanstd") {
      const { mean, variance } = tf.moments(f, 1); // [N, c] each
      return tf.concat([mean, tf.sqrt(tf.relu(variance))], 1) as tf.Tensor2D;
    }
    const g = tf.matMul(f, f, true, false).div(h * w) as tf.Tensor3D; // [N, c, c]
    return tf.gather(g.reshape([n, c * c]), tf.tensor1d(upperTriangleIndices(c), "int32"), 1) as tf.Tensor2D;
  });
}

/** Join per-layer blocks (each [N, d_l]) into [N, sum d_l], normalising each block per `norm`. */
export function joinBlocks(blocks: tf.Tensor2D[], norm: BlockNorm): tf.Tensor2D {
  return tf.tidy(() => {
    const scaled = norm === "l2" ? blocks.map((b) => b.div(tf.maximum(tf.norm(b, "euclidean", 1, true), 1e-12))) : blocks;
    return (scaled.length === 1 ? scaled[0]!.clone() : tf.concat(scaled, 1)) as tf.Tensor2D;
  });
}

/** The same join on plain rows (for features already computed block by block). */
export function joinRows(blocks: readonly Float32Array[], norm: BlockNorm): Float32Array {
  const out = new Float32Array(blocks.reduce((s, b) => s + b.length, 0));
  let off = 0;
  for (const b of blocks) {
    let s = 1;
    if (norm === "l2") {
      let q = 0;
      for (let i = 0; i < b.length; i++) q += b[i]! * b[i]!;
      s = 1 / Math.max(Math.sqrt(q), 1e-12);
    }
    for (let i = 0; i < b.length; i++) out[off + i] = b[i]! * s;
    off += b.length;
  }
  return out;
}
