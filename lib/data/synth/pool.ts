/**
 * Rendering synthetic paintings on several cores: a small pool of worker threads running
 * ./render-worker.js. When workers cannot start (e.g. TypeScript run from source, where the .js
 * file does not exist), the pool renders on the calling thread instead; results are identical.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ImageArray } from "../image.js";
import { renderDatasetPainting } from "./render.js";

export interface RenderPool {
  /** Render picture `index` of `style` (as {@link renderDatasetPainting}). */
  render(style: string, index: number, size: number, seed: number): Promise<ImageArray>;
  /** Number of worker threads (0 = rendering on the calling thread). */
  readonly threads: number;
  close(): Promise<void>;
}

/** Default thread count: the cores available, at most 8 (1 means: render on the calling thread). */
export function defaultRenderThreads(): number {
  const n = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(8, n));
}

/** A pool of `threads` workers (threads <= 1, or no compiled worker file: the calling thread). */
export function createRenderPool(threads = defaultRenderThreads()): RenderPool {
  const workerFile = fileURLToPath(new URL("./render-worker.js", import.meta.url));
  if (threads <= 1 || !existsSync(workerFile)) {
    return {
      threads: 0,
      render: async (style, index, size, seed) => renderDatasetPainting(style, index, size, seed),
      close: async () => {},
    };
  }
  type Pending = { resolve: (img: ImageArray) => void; reject: (e: Error) => void; size: number };
  const pending = new Map<number, Pending>();
  const load = new Map<Worker, number>();
  let nextId = 0;
  const workers = Array.from({ length: threads }, () => {
    const w = new Worker(workerFile);
    load.set(w, 0);
    w.on("message", (m: { id: number; data?: Float32Array; error?: string }) => {
      load.set(w, load.get(w)! - 1);
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined || !m.data) p.reject(new Error(m.error ?? "render worker sent no pixels"));
      else p.resolve({ width: p.size, height: p.size, channels: 3, data: m.data });
    });
    w.on("error", (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    return w;
  });
  return {
    threads,
    render(style, index, size, seed) {
      return new Promise<ImageArray>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject, size });
        let best = workers[0]!;
        for (const w of workers) if (load.get(w)! < load.get(best)!) best = w;
        load.set(best, load.get(best)! + 1);
        best.postMessage({ id, style, index, size, seed });
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
