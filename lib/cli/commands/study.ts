/** `heritage study`: general vs clustered GAN completion (plus classic baselines) on held-out paintings of a dataset. */
import type { Command } from "commander";
import { runFromCli, type RunCliOptions } from "./run.js";

export function register(program: Command): void {
  program
    .command("study")
    .description(
      "hold out a test split of --data, damage it with each configured mask, complete it with every method " +
        "(training what is missing), and write per-image.csv, summary.json, figures and report.html",
    )
    .requiredOption("--config <file>", "experiment config (JSON, see experiments/)")
    .requiredOption("--data <dir>", "dataset folder (manifest.csv, label subfolders, or flat)")
    .option("--out <dir>", "run folder (default results/<config name>)")
    .option("--no-report", "skip report.html")
    .option("--json", "print the run summary as JSON on stdout")
    .action(async (o: RunCliOptions) => {
      await runFromCli(o);
    });
}
