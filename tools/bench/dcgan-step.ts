/**
 * Time one DCGAN training step and one z-optimisation step on the current tfjs backend.
 *
 * Training step: `trainStep` of lib/gan/dcgan.ts (D then G, Adam, non-saturating BCE), on random
 * images in [-1, 1]. z step: one Adam step on a batch of latent vectors through G and D in
 * inference mode, with the completion loss of lib/inpaint/semantic.ts (weighted L1 context loss +
 * lambda * log(1 - D(G(z)))), as `semanticComplete` runs it.
 * Both read their results with `await t.data()` (not dataSync), so every backend can be timed,
 * webgpu included (it cannot read synchronously in Node).
 */
import * as tf from "@tensorflow/tfjs";
import { createGanPair, disposeGanPair, sampleLatent, trainStepAsync, type DcganArch } from "../../lib/gan/dcgan.js";
import { completionLoss, importanceWeights } from "../../lib/inpaint/semantic.js";
import { forwardFlops, trainStepFlops, zStepFlops } from "./flops.js";

export interface StepBenchOptions {
  arch: DcganArch;
  /** Batch of the training step (32 in the issue). */
  trainBatch: number;
  /** Batch of the z step (16 in the issue). */
  zBatch: number;
  /** Timed steps of each kind after `warmup` untimed ones; the median is reported. */
  steps: number;
  warmup: number;
  /** Skip the training step or the z step. */
  skipTrain?: boolean;
  skipZ?: boolean;
  seed?: number;
}

export interface StepTiming {
  /** Median wall-clock ms of one step. */
  medianMs: number;
  /** All timed steps, ms. */
  samplesMs: number[];
  /** FLOPs of one step (see ./flops.ts). */
  flops: number;
  /** flops / median time. */
  gflops: number;
  /** Median CPU time of one step, all threads of the process (user + system), ms. */
  medianCpuMs: number;
  /** flops / median CPU time: per-core throughput, much less skewed by other processes than gflops. */
  gflopsPerCpuSecond: number;
}

export interface StepBenchResult {
  train?: StepTiming & { imagesPerSecond: number };
  z?: StepTiming;
  /** Forward FLOPs per example of G and D. */
  gForwardFlops: number;
  dForwardFlops: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timing(samples: { wall: number[]; cpu: number[] }, flops: number): StepTiming {
  const ms = median(samples.wall);
  const cpu = median(samples.cpu);
  return {
    medianMs: ms,
    samplesMs: samples.wall,
    flops,
    gflops: flops / (ms * 1e6),
    medianCpuMs: cpu,
    gflopsPerCpuSecond: flops / (cpu * 1e6),
  };
}

/** Run `fn` `warmup + steps` times, returning the timed wall and CPU durations (ms); `fn` must finish its work (read a result). */
async function timeSteps(fn: () => Promise<unknown>, steps: number, warmup: number, onStep?: (ms: number) => void): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (i >= warmup) {
      wall.push(ms);
      cpu.push((c.user + c.system) / 1000);
    }
    onStep?.(ms);
  }
  return { wall, cpu };
}

/** Benchmark on whatever backend is current (call initBackend / tf.setBackend first). */
export async function benchDcganSteps(opts: StepBenchOptions, onStep?: (what: string, ms: number) => void): Promise<StepBenchResult> {
  const seed = opts.seed ?? 1;
  const pair = createGanPair(opts.arch, { lr: 2e-4, beta1: 0.5 }, seed);
  const S = opts.arch.imageSize;
  const c = opts.arch.channels;
  const gF = forwardFlops(pair.G);
  const dF = forwardFlops(pair.D);
  const result: StepBenchResult = { gForwardFlops: gF, dForwardFlops: dF };
  try {
    if (!opts.skipTrain) {
      const real = tf.randomUniform([opts.trainBatch, S, S, c], -1, 1, "float32", seed) as tf.Tensor4D;
      const z = sampleLatent(opts.trainBatch, opts.arch.nz, "normal", seed + 1);
      const samples = await timeSteps(() => trainStepAsync(pair, real, z), opts.steps, opts.warmup, (ms) => onStep?.("train", ms));
      tf.dispose([real, z]);
      const t = timing(samples, trainStepFlops(gF, dF, opts.trainBatch));
      result.train = { ...t, imagesPerSecond: (opts.trainBatch * 1000) / t.medianMs };
    }
    if (!opts.skipZ) {
      const b = opts.zBatch;
      const y = tf.randomUniform([b, S, S, c], -1, 1, "float32", seed + 2) as tf.Tensor4D;
      // A centred square hole covering a quarter of the image.
      const missing = tf.tidy(() => {
        const m = tf.buffer([b, S, S, 1]);
        for (let n = 0; n < b; n++)
          for (let i = S / 4; i < (3 * S) / 4; i++) for (let j = S / 4; j < (3 * S) / 4; j++) m.set(1, n, i, j, 0);
        return m.toTensor() as tf.Tensor4D;
      });
      const w = importanceWeights(missing, 7);
      const z = tf.variable(tf.randomUniform([b, opts.arch.nz], -1, 1, "float32", seed + 3), true);
      const optimizer = tf.train.adam(0.01, 0.9, 0.999);
      const step = async () => {
        const cost = optimizer.minimize(
          () => {
            const gz = pair.G.apply(z, { training: false }) as tf.Tensor4D;
            const logits = pair.D.apply(gz, { training: false }) as tf.Tensor;
            return tf.sum(completionLoss(gz, y, w, logits, 0.003, "l1").total) as tf.Scalar;
          },
          true,
          [z],
        )!;
        tf.tidy(() => z.assign(tf.clipByValue(z, -1, 1)));
        await cost.data();
        cost.dispose();
      };
      const samples = await timeSteps(step, opts.steps, opts.warmup, (ms) => onStep?.("z", ms));
      tf.dispose([y, missing, w, z]);
      optimizer.dispose();
      result.z = timing(samples, zStepFlops(gF, dF, b));
    }
  } finally {
    disposeGanPair(pair);
  }
  return result;
}
