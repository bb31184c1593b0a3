/**
 * One benchmark measurement in its own process (spawned by ./backends.ts): a backend's thread
 * count is fixed when it starts, and a slow stock-cpu step must be stoppable by a time limit.
 * argv[2]: JSON of {@link ChildSpec}. Prints one line `HERITAGE_BENCH_RESULT <json>` on stdout.
 */
import { initBackend } from "../../lib/runtime/backend.js";
import { useStockWasmKernels } from "../../lib/runtime/wasm-kernels.js";
import { RESULT_PREFIX, type ChildSpec } from "./backends.js";
import { benchDcganSteps } from "./dcgan-step.js";

/** Write the result line and wait until it is flushed (process.exit would drop what a pipe has not taken). */
function emit(obj: unknown): Promise<void> {
  return new Promise((resolve) => process.stdout.write(RESULT_PREFIX + JSON.stringify(obj) + "\n", () => resolve()));
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as ChildSpec;
  const info = await initBackend({ prefer: spec.backend, threads: spec.threads, announce: false });
  if (spec.stockKernels) useStockWasmKernels();
  if (spec.hardwareOnly && info.adapter?.software) {
    // Not an error: the row is kept with this note (see ./backends.ts).
    await emit({ info, skipped: `only a software adapter here (${info.device}); time it with --backends webgpu` });
    process.exit(0);
  }
  const result = await benchDcganSteps(spec.steps, (what, ms) => process.stderr.write(`  ${spec.backend} ${what} step ${ms.toFixed(0)} ms\n`));
  await emit({ info, result });
  // A webgpu device would keep the process alive.
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench child failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
