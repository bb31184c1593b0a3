/** The `heritage` command line: one sub-command per pipeline stage, each in ./commands/. */
import { Command } from "commander";
import { register as registerBackends } from "./commands/backends.js";
import { register as registerBench } from "./commands/bench.js";
import { register as registerCluster } from "./commands/cluster.js";
import { register as registerComplete } from "./commands/complete.js";
import { register as registerData } from "./commands/data.js";
import { register as registerFeatures } from "./commands/features.js";
import { register as registerHarvest } from "./commands/harvest.js";
import { register as registerMetrics } from "./commands/metrics.js";
import { register as registerNotebooks } from "./commands/notebooks.js";
import { register as registerRun } from "./commands/run.js";
import { register as registerSlurm } from "./commands/slurm.js";
import { register as registerStudy } from "./commands/study.js";
import { register as registerTrain } from "./commands/train.js";

const program = new Command();
program
  .name("heritage")
  .description("Clustered-GAN inpainting for visual cultural heritage (Jboor et al. 2019), reproduced and measured.")
  .showHelpAfterError();

for (const register of [
  registerData,
  registerHarvest,
  registerFeatures,
  registerCluster,
  registerTrain,
  registerComplete,
  registerMetrics,
  registerStudy,
  registerRun,
  registerNotebooks,
  registerBench,
  registerSlurm,
  registerBackends,
]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`heritage: ${(err as Error).message}\n`);
  if (process.env.HERITAGE_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
}
