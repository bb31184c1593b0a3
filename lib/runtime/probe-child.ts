/**
 * Start one tfjs backend in this process and run the probe (./probe.ts) on it.
 * argv[2]: backend name, or "auto" for the automatic choice; argv[3]: "smoke" | "full" | "none" (only start it). Prints one line
 * `HERITAGE_PROBE <json>` with { ok, info, probe } or { ok: false, error }; exit code 0 either way.
 */
import { initBackend, type BackendName } from "./backend.js";
import { PROBE_PREFIX, runProbe, type ProbeKind } from "./probe.js";

/** Write one line and wait until it is flushed: a pipe takes 64 KiB at a time and process.exit drops the rest. */
function emit(obj: unknown): Promise<void> {
  return new Promise((resolve) => process.stdout.write(PROBE_PREFIX + JSON.stringify(obj) + "\n", () => resolve()));
}

async function main(): Promise<void> {
  const arg = process.argv[2] ?? "auto";
  const backend = arg === "auto" ? undefined : (arg as BackendName);
  const kind = (process.argv[3] ?? "smoke") as ProbeKind | "none";
  let info;
  try {
    info = await initBackend({ prefer: backend, announce: false });
  } catch (err) {
    await emit({ ok: false, stage: "start", error: (err as Error).message });
    return;
  }
  try {
    const t0 = Date.now();
    const probe = kind === "none" ? null : await runProbe(kind);
    await emit({ ok: true, info, probe, ms: Date.now() - t0 });
  } catch (err) {
    await emit({ ok: false, stage: "probe", info, error: (err as Error).stack ?? String(err) });
  }
}

main().then(
  // Exit even where the webgpu device would keep the process alive.
  () => process.exit(0),
  (err) => {
    process.stderr.write(`probe child failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
