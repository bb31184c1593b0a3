/**
 * A backend probe: the computations training and completion need, on whatever tfjs backend is
 * current, reduced to numbers that can be compared across backends (see ./probe-child.ts, which
 * runs it in its own process, and `heritage backends` / test/runtime/backend-matrix.test.ts).
 *
 * - `smoke` (a few seconds): a conv + conv-transpose with their gradients, and one DCGAN training
 *   step (Adam, batch norm) on a toy 32x32 model.
 * - `full`: three training steps, the generator's output on a fixed z afterwards, and a short
 *   Yeh et al. latent search (gradients to z through G and D) with its losses and completions.
 * Every random input is seeded, so two backends see the same numbers.
 */
import * as tf from "@tensorflow/tfjs";
import { createGanPair, disposeGanPair, trainStepAsync, type DcganArch } from "../gan/dcgan.js";
import { defaultExperiment } from "../config/experiment.js";
import { semanticComplete } from "../inpaint/semantic.js";
import { centerSquareMask } from "../masks/center.js";
import { createRng } from "../util/random.js";

/** The child's result line starts with this. */
export const PROBE_PREFIX = "HERITAGE_PROBE ";

export const PROBE_ARCH: DcganArch = { imageSize: 32, nz: 8, ngf: 4, ndf: 4, channels: 3 };

export type ProbeKind = "smoke" | "full";

export interface ProbeResult {
  kind: ProbeKind;
  /** Named vectors of results; compare the same name across backends. */
  values: Record<string, number[]>;
  /** Wall ms of each part. */
  ms: Record<string, number>;
}

function seeded(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * (2 * rng.next() - 1);
  return out;
}

async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
}

/** conv2d / conv2dTranspose forward and their input + filter gradients. */
async function convProbe(values: ProbeResult["values"]): Promise<void> {
  const x = tf.tensor4d(seeded(2 * 9 * 9 * 4, 1), [2, 9, 9, 4]);
  const w = tf.tensor4d(seeded(3 * 3 * 4 * 6, 2, 0.5), [3, 3, 4, 6]);
  const wt = tf.tensor4d(seeded(4 * 4 * 5 * 4, 3, 0.5), [4, 4, 5, 4]);
  const f = (...[a, b, c]: tf.Tensor[]) =>
    tf.add(
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same"))),
      tf.sum(tf.tanh(tf.conv2dTranspose(a as tf.Tensor4D, c as tf.Tensor4D, [2, 18, 18, 5], 2, "same"))),
    );
  const { value, grads } = tf.valueAndGrads(f)([x, w, wt]);
  values.conv = await read(value);
  values.convGradX = await read(grads[0]!);
  values.convGradW = await read(grads[1]!);
  values.convGradWt = await read(grads[2]!);
  tf.dispose([x, w, wt, value, ...grads]);
}

/** Run the probe on the current backend. */
export async function runProbe(kind: ProbeKind): Promise<ProbeResult> {
  const values: ProbeResult["values"] = {};
  const ms: ProbeResult["ms"] = {};
  let t0 = Date.now();
  await convProbe(values);
  ms.conv = Date.now() - t0;

  const arch = PROBE_ARCH;
  const S = arch.imageSize;
  const batch = 4;
  const pair = createGanPair(arch, { lr: 2e-4, beta1: 0.5 }, 5);
  const real = tf.tensor4d(seeded(batch * S * S * 3, 11), [batch, S, S, 3]);
  const z = tf.tensor2d(seeded(batch * arch.nz, 12), [batch, arch.nz]);
  const steps = kind === "smoke" ? 1 : 3;
  const losses: number[] = [];
  t0 = Date.now();
  for (let s = 0; s < steps; s++) {
    const st = await trainStepAsync(pair, real, z);
    losses.push(st.lossD, st.lossG, st.dReal, st.dFake);
  }
  ms.trainSteps = Date.now() - t0;
  values.trainStats = losses;
  const sample = tf.tidy(() => pair.G.apply(z, { training: false }) as tf.Tensor);
  values.generatorAfterTraining = await read(sample);
  sample.dispose();

  if (kind === "full") {
    const images = [0, 1].map((i) => ({ width: S, height: S, channels: 3, data: seeded(S * S * 3, 20 + i, 0.8) }));
    const mask = centerSquareMask(S, 0.25);
    t0 = Date.now();
    const res = await semanticComplete(pair.G, pair.D, images, [mask, mask], {
      ...defaultExperiment().completion,
      prior: "uniform",
      iterations: 8,
      candidates: 2,
      lr: 0.03,
      seed: 3,
      reportEvery: 1,
    });
    ms.latentSearch = Date.now() - t0;
    values.latentHistory = res.history.map((h) => h.loss);
    values.latentLoss = res.loss;
    values.latentGenerated = res.generated.flatMap((g) => Array.from(g.data));
  }
  tf.dispose([real, z]);
  disposeGanPair(pair);
  return { kind, values, ms };
}

/** Largest absolute difference per named vector (NaN where lengths differ or a name is missing). */
export function compareProbes(a: ProbeResult, b: ProbeResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, va] of Object.entries(a.values)) {
    const vb = b.values[name];
    if (!vb || vb.length !== va.length) {
      out[name] = NaN;
      continue;
    }
    let m = 0;
    for (let i = 0; i < va.length; i++) {
      const d = Math.abs(va[i]! - vb[i]!);
      m = Number.isNaN(d) ? NaN : Math.max(m, d);
      if (Number.isNaN(m)) break;
    }
    out[name] = m;
  }
  return out;
}

export interface ProbeOutcome {
  ok: boolean;
  stage?: "start" | "probe";
  info?: import("./backend.js").BackendInfo;
  probe?: ProbeResult | null;
  ms?: number;
  error?: string;
  /** Wall seconds of the whole child process (start included). */
  seconds?: number;
}

/** Run ./probe-child.js for `backend` in its own process (HERITAGE_BACKEND semantics: forced). */
export async function probeInChild(backend: string, kind: ProbeKind | "none", opts: { timeoutS?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ProbeOutcome> {
  const { spawn } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const script = fileURLToPath(new URL("./probe-child.js", import.meta.url));
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, backend, kind], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), (opts.timeoutS ?? 300) * 1000);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - t0) / 1000;
      const line = out.split("\n").find((l) => l.startsWith(PROBE_PREFIX));
      let parsed: ProbeOutcome | null = null;
      try {
        if (line) parsed = JSON.parse(line.slice(PROBE_PREFIX.length)) as ProbeOutcome;
      } catch {
        parsed = { ok: false, stage: "probe", error: `unreadable probe line (${line!.length} characters; cut off?)` };
      }
      if (parsed) resolve({ ...parsed, seconds });
      else {
        const last = err.trim().split("\n").slice(-3).join(" | ");
        resolve({ ok: false, stage: "start", error: signal ? `killed by ${signal} after ${seconds.toFixed(0)} s` : `exit ${code}: ${last || "no output"}`, seconds });
      }
    });
  });
}
