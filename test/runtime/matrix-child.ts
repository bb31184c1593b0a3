/**
 * Helper process of backend-matrix.test.ts (not a test by itself: without arguments it does
 * nothing). argv[2]: "resume" | "workers" | "study"; argv[3]: a scratch folder. The backend comes
 * from HERITAGE_BACKEND. Prints one line `MATRIX <json>`.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { loadExperiment } from "../../lib/config/experiment.js";
import { listDataset } from "../../lib/data/dataset.js";
import type { ImageArray } from "../../lib/data/image.js";
import { loadImages } from "../../lib/data/load.js";
import { writeSynthDataset } from "../../lib/data/synth/index.js";
import { loadLayersModel } from "../../lib/gan/checkpoint.js";
import type { DcganArch } from "../../lib/gan/dcgan.js";
import { trainGan, type TrainOptions } from "../../lib/gan/train.js";
import { trainInWorkers, type GanTask } from "../../lib/gan/workers.js";
import { runExperiment } from "../../lib/pipeline/run.js";
import { initBackend } from "../../lib/runtime/backend.js";
import { projectRoot } from "../../lib/util/paths.js";
import { createRng } from "../../lib/util/random.js";

const arch: DcganArch = { imageSize: 32, nz: 8, ngf: 4, ndf: 4, channels: 3 };
const base: TrainOptions = { arch, epochs: 2, batchSize: 4, lr: 2e-4, beta1: 0.5, latentPrior: "uniform", flip: true, checkpointEvery: 1, seed: 5 };

function toyImages(n: number, seed: number): ImageArray[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const data = new Float32Array(32 * 32 * 3);
    const c = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    for (let p = 0; p < 32 * 32; p++) for (let k = 0; k < 3; k++) data[p * 3 + k] = Math.max(-1, Math.min(1, c[k]! + 0.2 * rng.normal()));
    return { width: 32, height: 32, channels: 3, data };
  });
}

async function generator(dir: string): Promise<number[]> {
  const g = await loadLayersModel(path.join(dir, "generator"));
  const out: number[] = [];
  for (const w of g.getWeights()) out.push(...((await w.data()) as Float32Array));
  g.dispose();
  return out;
}

async function resume(tmp: string): Promise<unknown> {
  const images = toyImages(8, 1);
  const straight = await trainGan(images, path.join(tmp, "a"), base);
  let killed = false;
  await trainGan(images, path.join(tmp, "b"), {
    ...base,
    onEpoch: (r) => {
      if (r.epoch === 1) throw new Error("killed");
    },
  }).catch((err: Error) => (killed = err.message === "killed"));
  const resumed = await trainGan(images, path.join(tmp, "b"), base);
  return {
    killed,
    resumedFrom: resumed.resumedFrom,
    losses: straight.history.flatMap((h) => [h.lossD, h.lossG]),
    straight: await generator(path.join(tmp, "a")),
    resumed: await generator(path.join(tmp, "b")),
  };
}

async function workers(tmp: string): Promise<unknown> {
  process.env.HERITAGE_CACHE = path.join(tmp, "cache");
  await writeSynthDataset({ out: path.join(tmp, "data"), perStyle: 2, size: 32, seed: 3 });
  const items = (await listDataset(path.join(tmp, "data"))).items;
  const tasks: GanTask[] = [0, 1].map((i) => ({
    name: `t${i}`,
    items: items.slice(i * 4, i * 4 + 4),
    outDir: path.join(tmp, "out", `t${i}`),
    options: { ...base, seed: 11 + i, label: `gan t${i}` },
  }));
  const res = await trainInWorkers(tasks, { workers: 2, threadsPerWorker: 1, log: false });
  const loaded = await loadImages(tasks[0]!.items, { size: 32, verbose: false });
  await trainGan(loaded.images, path.join(tmp, "here"), tasks[0]!.options);
  return {
    finished: [...res.keys()],
    worker: await generator(tasks[0]!.outDir),
    inProcess: await generator(path.join(tmp, "here")),
  };
}

async function study(tmp: string): Promise<unknown> {
  const cfg = await loadExperiment(path.join(projectRoot(), "experiments", "ci.json"));
  const run = await runExperiment({ config: cfg, out: path.join(tmp, "run"), report: false });
  const stats: Record<string, number> = {};
  for (const [m, s] of Object.entries(run.study.stats)) {
    stats[`${m}.psnrHole`] = s.all!.psnrHole.mean;
    stats[`${m}.ssimHole`] = s.all!.ssimHole.mean;
  }
  return { methods: run.study.methods, cases: run.study.cases, stats, sizes: run.clusterings.map((c) => c.sizes) };
}

async function main(): Promise<void> {
  const [what, tmp] = [process.argv[2], process.argv[3]];
  if (!what || !tmp) return; // run by `node --test` as a file of the test folder: nothing to do
  mkdirSync(tmp, { recursive: true });
  const info = await initBackend({ announce: false });
  const t0 = Date.now();
  const result = what === "resume" ? await resume(tmp) : what === "workers" ? await workers(tmp) : await study(tmp);
  process.stdout.write("MATRIX " + JSON.stringify({ backend: info.name, device: info.device, seconds: (Date.now() - t0) / 1000, result }) + "\n");
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`matrix child failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
