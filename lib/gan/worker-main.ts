/**
 * Child entry of the GAN worker pool (./workers.ts): initialises the tfjs backend once
 * (HERITAGE_BACKEND / HERITAGE_THREADS / CUDA_VISIBLE_DEVICES set by the parent), then for each
 * {@link GanTask} it receives: loads the task's images through `loadImages` (on-disk cache), trains
 * with `trainGan`, and sends one message per finished epoch (with `tf.memory()`) and the result (or
 * the error, after which it takes the next task). Exits when told to, or when the parent goes.
 *
 * Test hooks (environment): HERITAGE_WORKER_FAIL=<task name> makes that task throw before training;
 * HERITAGE_WORKER_CRASH=<task name> makes its process kill itself (SIGKILL) after its first epoch,
 * as an out-of-memory kill would.
 */
import * as tf from "@tensorflow/tfjs";
import { loadImages } from "../data/load.js";
import { initBackend } from "../runtime/backend.js";
import { plannedEpochs, trainGan } from "./train.js";
import type { ChildMessage, GanTask, TaskMessage } from "./workers.js";

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error("worker-main.js must be started by the GAN worker pool (no IPC channel)"));
      return;
    }
    process.send(msg, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

async function run(task: GanTask): Promise<void> {
  if (process.env.HERITAGE_WORKER_FAIL === task.name) throw new Error(`injected failure (HERITAGE_WORKER_FAIL=${task.name})`);
  const crash = process.env.HERITAGE_WORKER_CRASH === task.name;
  await initBackend({ announce: false });
  const loaded = await loadImages(task.items, { size: task.options.arch.imageSize, label: `${task.name}: load images` });
  const epochs = plannedEpochs(Math.max(1, loaded.images.length), task.options);
  const pending: Promise<void>[] = [];
  const device = process.env.CUDA_VISIBLE_DEVICES ?? null;
  const result = await trainGan(loaded.images, task.outDir, {
    ...task.options,
    onEpoch: (record) => {
      const mem = tf.memory();
      pending.push(send({ type: "epoch", epochs, record, numTensors: mem.numTensors, numBytes: mem.numBytes, pid: process.pid, device }));
      if (crash) process.kill(process.pid, "SIGKILL");
    },
  });
  await Promise.all(pending);
  await send({ type: "done", result });
}

process.on("disconnect", () => process.exit(1));
// Tasks arrive one at a time (the parent waits for each result before sending the next).
process.on("message", (raw) => {
  const msg = raw as TaskMessage;
  if (msg.type === "exit") process.exit(0);
  run(msg.task).catch(async (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    try {
      await send({ type: "error", message: e.message, stack: e.stack });
    } catch {
      process.exit(1);
    }
  });
});
