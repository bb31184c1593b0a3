/**
 * Worker thread for {@link writeSynthDataset}: renders pictures on request and sends the pixels
 * back (PNG encoding stays on the main thread, where sharp lives).
 * Message in: `{ id, style, index, size, seed }`; out: `{ id, data }` (Float32Array, transferred)
 * or `{ id, error }`.
 */
import { parentPort } from "node:worker_threads";
import { renderDatasetPainting } from "./render.js";

interface Task {
  id: number;
  style: string;
  index: number;
  size: number;
  seed: number;
}

parentPort?.on("message", (t: Task) => {
  try {
    const img = renderDatasetPainting(t.style, t.index, t.size, t.seed);
    parentPort!.postMessage({ id: t.id, data: img.data }, [img.data.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id: t.id, error: (err as Error).message });
  }
});
