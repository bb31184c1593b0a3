/**
 * Wall time of training several small DCGANs one after another in this process (what trainStage
 * does with gan.workers = 1) against the worker pool (lib/gan/workers.ts) with 1 and with N workers.
 *
 *   node dist/tools/bench/gan-workers.js [--jobs 4] [--workers 2] [--size 32] [--width 16] [--epochs 3]
 *
 * Jobs get 8, 12, 16, 20, ... synthetic images (tiny to small). Prints a table to stderr and JSON on stdout.
 * Run on an otherwise idle machine for numbers worth quoting; say the load (printed) when not.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { listDataset } from "../../lib/data/dataset.js";
import { loadImages } from "../../lib/data/load.js";
import { writeSynthDataset } from "../../lib/data/synth/index.js";
import { trainGan } from "../../lib/gan/train.js";
import { availableCores, threadsPerWorker, trainInWorkers, type GanTask } from "../../lib/gan/workers.js";
import { initBackend } from "../../lib/runtime/backend.js";
import { info } from "../../lib/util/log.js";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "4" },
    workers: { type: "string", default: "2" },
    size: { type: "string", default: "32" },
    width: { type: "string", default: "16" },
    epochs: { type: "string", default: "3" },
  },
});
const jobs = Number(values.jobs);
const workers = Number(values.workers);
const size = Number(values.size) as 32 | 64 | 128;
const width = Number(values.width);
const epochs = Number(values.epochs);

const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-gan-workers-"));
process.env.HERITAGE_CACHE = path.join(tmp, "cache");
const counts = Array.from({ length: jobs }, (_, j) => 8 + 4 * j);
const total = counts.reduce((a, b) => a + b, 0);
await writeSynthDataset({ out: path.join(tmp, "data"), perStyle: Math.ceil(total / 6), size, seed: 1 });
const items = (await listDataset(path.join(tmp, "data"))).items;
const backend = await initBackend();

const tasksFor = (mode: string): GanTask[] => {
  let from = 0;
  return counts.map((n, j) => {
    const t: GanTask = {
      name: `job-${j}`,
      items: items.slice(from, from + n),
      outDir: path.join(tmp, mode, `job-${j}`),
      options: {
        arch: { imageSize: size, nz: 32, ngf: width, ndf: width, channels: 3 },
        epochs,
        batchSize: 8,
        lr: 2e-4,
        beta1: 0.5,
        latentPrior: "uniform",
        flip: true,
        checkpointEvery: epochs,
        seed: j,
        label: `gan job-${j}`,
      },
    };
    from += n;
    return t;
  });
};

// warm the decoded-image cache so every mode starts equal
await loadImages(items, { size, verbose: false });

const rows: { mode: string; seconds: number; threads: string }[] = [];
const load0 = os.loadavg()[0]!;

let t0 = Date.now();
for (const t of tasksFor("sequential")) {
  const imgs = await loadImages(t.items, { size, verbose: false });
  await trainGan(imgs.images, t.outDir, t.options);
}
rows.push({ mode: "in-process, one after another", seconds: (Date.now() - t0) / 1000, threads: `${backend.threads}` });

t0 = Date.now();
await trainInWorkers(tasksFor("pool-1"), { workers: 1, threadsPerWorker: backend.threads });
rows.push({ mode: "pool, 1 worker", seconds: (Date.now() - t0) / 1000, threads: `${backend.threads}` });

t0 = Date.now();
await trainInWorkers(tasksFor(`pool-${workers}`), { workers });
rows.push({ mode: `pool, ${workers} workers`, seconds: (Date.now() - t0) / 1000, threads: `${threadsPerWorker(Math.min(workers, jobs))} each` });

const load1 = os.loadavg()[0]!;
info(`\n${jobs} jobs (${counts.join(", ")} images), ${size}px, width ${width}, ${epochs} epochs, backend ${backend.name}; ` +
  `${availableCores()} cores, load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}`);
for (const r of rows) info(`${r.mode.padEnd(32)} ${r.seconds.toFixed(1).padStart(7)} s  (threads ${r.threads})`);
process.stdout.write(JSON.stringify({ jobs, counts, size, width, epochs, backend: backend.name, cores: availableCores(), load: [load0, load1], rows }, null, 2) + "\n");
rmSync(tmp, { recursive: true, force: true });
