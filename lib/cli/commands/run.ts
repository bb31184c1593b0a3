/**
 * `heritage run`: the main job (npm start) — the whole study on one experiment config, end to end,
 * resumable, with report.html. `heritage study` is the same pipeline pointed at a dataset folder.
 */
import type { Command } from "commander";
import { runExperiment, type RunSummary } from "../../pipeline/run.js";
import { info } from "../../util/log.js";
import { collect, defaultConfigFile, resolveStageConfig, type StageCliOptions } from "../options.js";

export interface RunCliOptions extends StageCliOptions {
  data?: string;
  report: boolean;
  json?: boolean;
}

/** `heritage run` / `heritage study`: the whole pipeline on the resolved config and run folder. */
export async function runFromCli(o: RunCliOptions): Promise<RunSummary> {
  const { cfg, layout } = await resolveStageConfig(o, {}, defaultConfigFile());
  const t0 = Date.now();
  const summary = await runExperiment({ config: cfg, layout, data: o.data, report: o.report });
  const minutes = (Date.now() - t0) / 60000;
  if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  info(`done in ${minutes.toFixed(1)} min: ${summary.files.report ?? summary.files.summary}`);
  for (const row of summary.sweep) {
    info(`  K=${row.k} ${row.method}: PSNR hole ${row.psnrHole.toFixed(2)} dB, SSIM hole ${row.ssimHole.toFixed(3)}, L1 hole ${row.l1Hole.toFixed(4)}, ${row.gans} GAN(s) trained in ${row.trainSeconds.toFixed(0)} s`);
  }
  return summary;
}

export function register(program: Command): void {
  program
    .command("run")
    .description("run an experiment end to end (data, features, clusters, GANs, completion study, report); a rerun resumes")
    .option("--config <file>", "experiment config (JSON, see experiments/; default: the run's config.json, else experiments/default.json)")
    .option("--run <name>", "run name (results/<name>) or run folder (a path)")
    .option("--set <a.b=value>", "override a config field (repeatable), e.g. --set gan.epochs=5", collect, [])
    .option("--out <dir>", "run folder (default results/<run or config name>)")
    .option("--data <dir>", "dataset folder instead of the config's data.dir (nothing is synthesised then)")
    .option("--no-report", "skip report.html")
    .option("--json", "print the run summary as JSON on stdout")
    .action(async (o: RunCliOptions) => {
      await runFromCli(o);
    });
}
