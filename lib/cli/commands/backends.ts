import type { Command } from "commander";
import { backendsReport, formatBackendsTable } from "../../runtime/backends-report.js";
import { info } from "../../util/log.js";
import { parsePositiveNumber } from "../options.js";

/** `heritage backends`: every tfjs backend, available or not and why, its device, a smoke test. */
export function register(program: Command): void {
  program
    .command("backends")
    .description("list every tfjs backend (tensorflow, webgpu, wasm, cpu): available or not and why, device or adapter, and a few-second smoke test against cpu")
    .option("--json", "print the report as JSON on stdout")
    .option("--timeout <s>", "seconds per backend before its process is stopped", "180")
    .action(async (o: { json?: boolean; timeout: string }) => {
      const t = parsePositiveNumber("timeout", o.timeout);
      const report = await backendsReport({ timeoutS: t, log: info });
      process.stdout.write((o.json ? JSON.stringify(report, null, 2) : formatBackendsTable(report)) + "\n");
    });
}
