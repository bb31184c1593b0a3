/** `heritage study`: general vs clustered GAN completion (plus classic baselines) on held-out paintings of a dataset. */
import type { Command } from "commander";
import { collect } from "../options.js";
import { runFromCli, type RunCliOptions } from "./run.js";

export function register(program: Command): void {
  program
    .command("study")
    .description(
      "the study stage (as `heritage run`, with the same --config/--run/--set): hold out a test split of the data, damage it with each configured mask, complete it with every method " +
        "(training what is missing), and write per-image.csv, summary.json, figures and report.html",
    )
    .option("--config <file>", "experiment config (JSON, see experiments/; default: the run's config.json, else experiments/default.json)")
    .option("--run <name>", "run name (results/<name>) or run folder (a path)")
    .option("--set <a.b=value>", "override a config field (repeatable), e.g. --set study.maxImages=10", collect, [])
    .option("--data <dir>", "dataset folder instead of the config's data.dir (manifest.csv, label subfolders, or flat)")
    .option("--out <dir>", "run folder (default results/<run or config name>)")
    .option("--no-report", "skip report.html")
    .option("--json", "print the run summary as JSON on stdout")
    .action(async (o: RunCliOptions) => {
      await runFromCli(o);
    });
}
