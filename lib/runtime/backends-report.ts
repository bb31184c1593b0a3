/**
 * `heritage backends`: every tfjs backend, whether it starts here and why not, the device it runs
 * on, and a few-second smoke test (./probe.ts "smoke": conv gradients and one DCGAN training step)
 * compared with the cpu backend. Each backend runs in its own process.
 */
import { BACKEND_NAMES, type BackendInfo } from "./backend.js";
import { compareProbes, probeInChild, type ProbeOutcome } from "./probe.js";

export interface BackendRow {
  backend: string;
  available: boolean;
  provider: string;
  device: string;
  /** Wall seconds of the smoke test in its process (backend start excluded). */
  smokeSeconds: number | null;
  /** Largest difference to cpu over the smoke results, relative to max(1, |cpu value|). */
  maxRelDiffVsCpu: number | null;
  /** Why it is not available, or what else is worth knowing. */
  note: string;
}

export interface BackendsReport {
  rows: BackendRow[];
  /** What `initBackend` picks here without HERITAGE_BACKEND, and why faster ones were skipped. */
  auto: { name: string; provider: string; skipped: NonNullable<BackendInfo["skipped"]> } | { error: string };
}

/** Largest |a - b| / max(1, |b|) over every value of two probes (NaN when their shapes differ). */
export function maxRelativeDiff(a: ProbeOutcome, ref: ProbeOutcome): number | null {
  if (!a.probe || !ref.probe) return null;
  let m = 0;
  const diffs = compareProbes(a.probe, ref.probe);
  for (const [name, d] of Object.entries(diffs)) {
    const scale = Math.max(1, ...ref.probe.values[name]!.map(Math.abs));
    m = Math.max(m, Number.isNaN(d) ? Infinity : d / scale);
  }
  return m;
}

export async function backendsReport(opts: { timeoutS?: number; log?: (l: string) => void } = {}): Promise<BackendsReport> {
  const log = opts.log ?? (() => {});
  const outcomes = new Map<string, ProbeOutcome>();
  for (const b of ["cpu", ...BACKEND_NAMES.filter((n) => n !== "cpu")]) {
    log(`backends: ${b} ...`);
    outcomes.set(b, await probeInChild(b, "smoke", { timeoutS: opts.timeoutS ?? 180 }));
  }
  const cpu = outcomes.get("cpu")!;
  const rows: BackendRow[] = BACKEND_NAMES.map((b) => {
    const o = outcomes.get(b)!;
    const started = o.info !== undefined;
    const notes: string[] = [];
    if (!o.ok) notes.push(o.stage === "probe" ? `smoke test failed: ${o.error?.split("\n")[0]}` : (o.error ?? "did not start"));
    if (o.info?.adapter?.software) notes.push("software adapter (CPU rasteriser): used only when forced with HERITAGE_BACKEND=webgpu");
    return {
      backend: b,
      available: o.ok,
      provider: o.info?.provider ?? "",
      device: o.info?.device ?? "",
      smokeSeconds: o.ok && o.ms !== undefined ? o.ms / 1000 : null,
      maxRelDiffVsCpu: o.ok && b !== "cpu" ? maxRelativeDiff(o, cpu) : o.ok ? 0 : null,
      note: started || notes.length ? notes.join("; ") : "",
    };
  });
  log("backends: automatic choice ...");
  const auto = await probeInChild("auto", "none", { timeoutS: opts.timeoutS ?? 180 });
  return {
    rows,
    auto: auto.ok && auto.info ? { name: auto.info.name, provider: auto.info.provider, skipped: auto.info.skipped ?? [] } : { error: auto.error ?? "failed" },
  };
}

export function formatBackendsTable(r: BackendsReport): string {
  const head = ["backend", "available", "device", "smoke s", "max rel. diff vs cpu", "note"];
  const body = r.rows.map((x) => [
    x.backend,
    x.available ? "yes" : "no",
    x.device || "-",
    x.smokeSeconds == null ? "-" : x.smokeSeconds.toFixed(1),
    x.maxRelDiffVsCpu == null ? "-" : x.maxRelDiffVsCpu.toExponential(1),
    x.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  const auto =
    "error" in r.auto
      ? `automatic choice failed: ${r.auto.error}`
      : [`automatic choice (no HERITAGE_BACKEND): ${r.auto.name} (${r.auto.provider})`, ...r.auto.skipped.map((s) => `  not ${s.name}: ${s.reason}`)].join("\n");
  return [
    line(head),
    "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|",
    ...body.map(line),
    "",
    auto,
    "smoke test: conv2d + conv2dTranspose with input and filter gradients, one DCGAN training step (32x32 toy model, Adam, batch norm), in its own process.",
  ].join("\n");
}
