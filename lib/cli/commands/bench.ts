import type { Command } from "commander";
import { ALL_TARGETS, formatBenchTable, runBench, type BenchTarget } from "../../../tools/bench/backends.js";
import { info } from "../../util/log.js";
import { parseIntOption } from "../options.js";

/** `heritage bench`: DCGAN training-step and z-step timings per tfjs backend. */
export function register(program: Command): void {
  program
    .command("bench")
    .description(
      "time one DCGAN training step (64x64, batch 32, D+G, Adam) and one z-optimisation step (batch 16) on each usable tfjs backend",
    )
    .option("--json", "print the report as JSON on stdout")
    .option("--backends <list>", `comma-separated rows to measure: ${ALL_TARGETS.join(", ")} (default: every usable one)`)
    .option("--steps <n>", "timed steps per fast row, after one warm-up step", "5")
    .option("--slow-steps <n>", "timed steps for the cpu and wasm-stock rows (no warm-up)", "1")
    .option("--slow-limit <s>", "seconds after which a cpu / wasm-stock measurement is stopped (the stock cpu step takes about 9 min here: it is reported as > limit)", "120")
    .option("--train-batch <n>", "training batch", "32")
    .option("--z-batch <n>", "z-optimisation batch", "16")
    .action(async (o: Record<string, string | boolean | undefined>) => {
      let targets: BenchTarget[] | undefined;
      if (typeof o.backends === "string") {
        targets = o.backends.split(",").map((s) => s.trim()) as BenchTarget[];
        const bad = targets.filter((t) => !ALL_TARGETS.includes(t));
        if (bad.length) throw new Error(`unknown bench backend ${bad.join(", ")}: use ${ALL_TARGETS.join(", ")}`);
      }
      const int = (name: string, v: unknown) => parseIntOption(name, v, 1);
      const report = await runBench({
        targets,
        steps: int("steps", o.steps),
        slowSteps: int("slow-steps", o.slowSteps),
        slowLimitS: int("slow-limit", o.slowLimit),
        trainBatch: int("train-batch", o.trainBatch),
        zBatch: int("z-batch", o.zBatch),
        log: info,
      });
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else process.stdout.write(formatBenchTable(report) + "\n");
    });
}
