import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import { parseExperiment } from "../../lib/config/experiment.js";
import { listDataset, type DatasetItem } from "../../lib/data/dataset.js";
import { loadImages } from "../../lib/data/load.js";
import { writeSynthDataset } from "../../lib/data/synth/index.js";
import { loadLayersModel } from "../../lib/gan/checkpoint.js";
import type { DcganArch } from "../../lib/gan/dcgan.js";
import { trainGan } from "../../lib/gan/train.js";
import {
  childExecArgv,
  gpusFromEnv,
  resolveWorkerCount,
  threadsPerWorker,
  trainInWorkers,
  WorkerPoolError,
  type GanTask,
  type GanTaskOptions,
  type WorkerEpoch,
} from "../../lib/gan/workers.js";
import { jobSeed, trainStage, type GanJob } from "../../lib/pipeline/train-stage.js";
import { initBackend } from "../../lib/runtime/backend.js";
import { readJson } from "../../lib/util/fs.js";

const arch: DcganArch = { imageSize: 32, nz: 8, ngf: 4, ndf: 4, channels: 3 };

const base: GanTaskOptions = {
  arch,
  epochs: 3,
  batchSize: 4,
  lr: 2e-4,
  beta1: 0.5,
  latentPrior: "uniform",
  flip: true,
  checkpointEvery: 1,
  seed: 11,
};

let items: DatasetItem[] = [];
let tmp = "";

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "gan-workers-"));
  // children inherit the environment: their decoded-image cache is this temp folder too
  process.env.HERITAGE_CACHE = path.join(tmp, "cache");
  await initBackend({ announce: false });
  await writeSynthDataset({ out: path.join(tmp, "data"), perStyle: 3, size: 32, seed: 3 });
  items = (await listDataset(path.join(tmp, "data"))).items;
  assert.ok(items.length >= 12, `expected at least 12 synthetic images, got ${items.length}`);
});

function task(name: string, from: number, to: number, opts: Partial<GanTaskOptions> = {}): GanTask {
  return { name, items: items.slice(from, to), outDir: path.join(tmp, "out", name), options: { ...base, seed: base.seed + from, label: `gan ${name}`, ...opts } };
}

async function generatorWeights(dir: string): Promise<Float32Array[]> {
  const g = await loadLayersModel(path.join(dir, "generator"));
  const w = g.getWeights().map((t) => t.dataSync() as Float32Array);
  g.dispose();
  return w;
}

test("worker count, threads per worker and GPU list", () => {
  assert.equal(resolveWorkerCount(0, 3, { cores: 2 }), 2);
  assert.equal(resolveWorkerCount(0, 1, { cores: 8 }), 1);
  assert.equal(resolveWorkerCount(4, 3), 3);
  assert.equal(resolveWorkerCount(0, 5, { cores: 16, gpus: 2 }), 2);
  assert.throws(() => resolveWorkerCount(-1, 3), /workers must be an integer >= 0/);
  assert.equal(threadsPerWorker(2, 2), 1);
  assert.equal(threadsPerWorker(3, 2), 1);
  assert.equal(threadsPerWorker(2, 16), 8);
  assert.deepEqual(gpusFromEnv({ HERITAGE_GPUS: "0, 1,,3" }), ["0", "1", "3"]);
  assert.deepEqual(gpusFromEnv({}), []);
  assert.deepEqual(
    childExecArgv(["--max-old-space-size=4096", "--input-type=module", "-e", "run()", "--test-reporter=spec", "--inspect=9229", "--enable-source-maps"]),
    ["--max-old-space-size=4096", "--enable-source-maps"],
  );
});

test("three jobs in two workers: all finish, same weights as in-process, tensor memory flat over epochs, a GPU id per worker", async (ctx) => {
  const tasks = [task("a", 0, 6), task("b", 6, 10), task("c", 10, 14)];
  const epochs: WorkerEpoch[] = [];
  const started = new Map<string, number>();
  // GPU ids are handed out one per worker (CUDA_VISIBLE_DEVICES; the wasm backend ignores it)
  const res = await trainInWorkers(tasks, {
    workers: 2,
    gpus: ["3", "5"],
    threadsPerWorker: 1,
    log: false,
    onEpoch: (e) => epochs.push(e),
    onTaskStart: (t, pid) => started.set(t, pid),
  });
  assert.deepEqual([...res.keys()], ["a", "b", "c"]);
  for (const t of tasks) {
    const r = res.get(t.name)!;
    assert.equal(r.resumedFrom, 0);
    assert.equal(r.history.length, 3);
    const card = await readJson<{ status: string; images: number }>(path.join(t.outDir, "card.json"));
    assert.equal(card.status, "complete");
    assert.equal(card.images, t.items.length);
    // one epoch message per epoch, and the child's tensor count is the same after every epoch but the first
    const mine = epochs.filter((e) => e.task === t.name);
    assert.deepEqual(mine.map((e) => e.record.epoch), [1, 2, 3]);
    assert.ok(mine.every((e) => e.epochs === 3 && e.pid === started.get(t.name)));
    const counts = mine.map((e) => e.numTensors);
    assert.equal(new Set(counts.slice(1)).size, 1, `${t.name}: tensors after each epoch ${counts.join(", ")}`);
    assert.ok(counts[0]! > 0);
  }
  // a worker runs several tasks; nothing is left over from one task to the next (same arch, same count)
  const pids = epochs.map((e) => e.pid);
  assert.equal(new Set(pids).size, 2, `tasks ran in processes ${[...new Set(pids)].join(", ")}`);
  const devices = new Map(epochs.map((e) => [e.pid, e.device]));
  assert.deepEqual([...new Set(devices.values())].sort(), ["3", "5"], "one GPU id per worker process");
  const later = epochs.filter((e) => e.record.epoch > 1).map((e) => e.numTensors);
  assert.equal(new Set(later).size, 1, `tensors after epochs 2..3 of all tasks: ${later.join(", ")}`);

  // The same job trained in this process gives the same generator.
  const t = tasks[0]!;
  const loaded = await loadImages(t.items, { size: 32, verbose: false });
  const here = path.join(tmp, "in-process-a");
  await trainGan(loaded.images, here, t.options);
  const wa = await generatorWeights(t.outDir);
  const wb = await generatorWeights(here);
  assert.equal(wa.length, wb.length);
  let maxDiff = 0;
  for (let i = 0; i < wa.length; i++) for (let k = 0; k < wa[i]!.length; k++) maxDiff = Math.max(maxDiff, Math.abs(wa[i]![k]! - wb[i]![k]!));
  ctx.diagnostic(`largest generator weight difference, worker vs in-process: ${maxDiff}`);
  assert.ok(maxDiff < 1e-6, `worker and in-process generators differ by up to ${maxDiff}`);

});

test("failed and killed jobs are reported by name while the others complete; a dead worker is replaced; a killed job resumes", async () => {
  const missing: GanTask = {
    ...task("missing", 0, 0),
    items: [0, 1, 2].map((i) => ({ id: `nope-${i}.png`, file: path.join(tmp, "nope", `${i}.png`), relPath: `nope-${i}.png`, label: null, meta: {} })),
  };
  const tasks = [task("ok", 0, 4, { epochs: 1 }), missing, task("thrown", 4, 8, { epochs: 1 }), task("killed", 8, 12, { epochs: 2 })];
  const env = { HERITAGE_WORKER_FAIL: "thrown", HERITAGE_WORKER_CRASH: "killed" };
  // one worker, so the order is fixed (largest first): ok, thrown, killed, then missing in a fresh process
  const pids = new Map<string, number>();
  const err = await trainInWorkers(tasks, { workers: 1, log: false, env, onTaskStart: (t, pid) => pids.set(t, pid) }).then(
    () => assert.fail("expected the pool to reject"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkerPoolError, String(err));
  assert.deepEqual(err.failures.map((f) => f.task), ["missing", "thrown", "killed"]);
  const by = new Map(err.failures.map((f) => [f.task, f]));
  assert.match(by.get("missing")!.message, /needs at least 2 training images, got 0/);
  assert.match(by.get("missing")!.stderrTail, /file not found/);
  assert.match(by.get("thrown")!.message, /injected failure/);
  assert.ok(by.get("thrown")!.stack?.includes("worker-main"));
  assert.equal(by.get("killed")!.signal, "SIGKILL");
  assert.match(by.get("killed")!.message, /killed by SIGKILL/);
  assert.match(err.message, /3 of 4 GAN training job\(s\) failed/);
  for (const name of ["missing", "thrown", "killed"]) assert.match(err.message, new RegExp(`  ${name}: `));
  assert.deepEqual([...err.results.keys()], ["ok"]);
  // a task that throws leaves its worker running for the next task; a killed worker is replaced
  assert.equal(pids.get("thrown"), pids.get("ok"));
  assert.equal(pids.get("killed"), pids.get("ok"));
  assert.notEqual(pids.get("missing"), pids.get("killed"));
  assert.ok(existsSync(path.join(tasks[0]!.outDir, "generator", "model.json")));

  // the killed job left its first checkpoint; without the hook it resumes from there
  const again = await trainInWorkers([tasks[3]!], { workers: 1, log: false });
  assert.equal(again.get("killed")!.resumedFrom, 1);
  assert.equal(again.get("killed")!.history.length, 2);
});

test("trainStage uses the pool when gan.workers is not 1", async () => {
  const cfg = parseExperiment({ name: "workers-test", seed: 4, gan: { arch, epochs: 1, batchSize: 4, workers: 2 } });
  const runDir = path.join(tmp, "stage");
  const jobs: GanJob[] = [
    { name: "general", outDir: path.join(runDir, "general"), ids: items.slice(0, 8).map((i) => i.id), cluster: null, k: 1, init: "scratch" },
    { name: "k2/cluster-0", outDir: path.join(runDir, "k2", "cluster-0"), ids: items.slice(0, 4).map((i) => i.id), cluster: 0, k: 2, init: "scratch" },
    { name: "k2/cluster-1", outDir: path.join(runDir, "k2", "cluster-1"), ids: [items[5]!.id], cluster: 1, k: 2, init: "scratch" },
  ];
  // the failure hook is only read by worker processes: a failure here shows the pool ran the jobs
  process.env.HERITAGE_WORKER_FAIL = "k2/cluster-0";
  try {
    await assert.rejects(trainStage(cfg, items, jobs, { test: true }), (err: unknown) => {
      assert.ok(err instanceof WorkerPoolError, String(err));
      assert.deepEqual(err.failures.map((f) => f.task), ["k2/cluster-0"]);
      assert.deepEqual([...err.results.keys()], ["general"]);
      return true;
    });
  } finally {
    delete process.env.HERITAGE_WORKER_FAIL;
  }
  const res = await trainStage(cfg, items, jobs, { test: true });
  // the one-image cluster is skipped, the finished general GAN is not trained again
  assert.deepEqual([...res.results.keys()], ["general", "k2/cluster-0"]);
  assert.equal(res.results.get("general")!.resumedFrom, null);
  assert.equal(res.results.get("k2/cluster-0")!.resumedFrom, 0);
  const card = await readJson<{ status: string; job: string; test: boolean; training: { seed: number } }>(path.join(runDir, "k2", "cluster-0", "card.json"));
  assert.equal(card.status, "complete");
  assert.equal(card.job, "k2/cluster-0");
  assert.equal(card.test, true);
  assert.equal(card.training.seed, jobSeed(cfg.seed, "k2/cluster-0"));
});

test("SIGINT in the parent kills the worker processes", async () => {
  const tasks = [task("long-a", 0, 6, { epochs: 500 }), task("long-b", 6, 12, { epochs: 500 })];
  const script = `
    const { trainInWorkers } = await import(process.argv[1]);
    const pids = [];
    await trainInWorkers(JSON.parse(process.argv[2]), {
      workers: 2,
      log: false,
      onTaskStart: (_task, pid) => { pids.push(pid); if (pids.length === 2) console.log("PIDS " + pids.join(" ")); },
    });`;
  const workersUrl = new URL("../../lib/gan/workers.js", import.meta.url).href;
  const parent = spawn(process.execPath, ["--input-type=module", "-e", script, workersUrl, JSON.stringify(tasks)], { stdio: ["ignore", "pipe", "inherit"] });
  const pids = await new Promise<number[]>((resolve, reject) => {
    let out = "";
    parent.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /PIDS (\d+) (\d+)/.exec(out);
      if (m) resolve([Number(m[1]), Number(m[2])]);
    });
    parent.on("exit", (code) => reject(new Error(`parent exited (${code}) before both workers started`)));
  });
  for (const pid of pids) assert.ok(isRunning(pid), `worker ${pid} should be running`);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.on("exit", (_code, signal) => resolve(signal)));
  parent.kill("SIGINT");
  assert.equal(await exited, "SIGINT");
  for (let i = 0; i < 100 && pids.some(isRunning); i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(pids.filter(isRunning), [], "workers still running after the parent was interrupted");
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
