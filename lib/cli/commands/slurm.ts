/**
 * `heritage slurm`: the study on a Slurm cluster. `submit` writes the batch scripts into the run
 * folder and submits prepare -> one array task per GAN -> study + report; `status` shows every
 * job's Slurm state, epoch and losses; `resume` requeues cancelled or failed tasks and re-arms the
 * jobs waiting for them; `task` is what the scripts run (one stage, or one GAN job, per task).
 */
import type { Command } from "commander";
import path from "node:path";
import { loadExperiment } from "../../config/experiment.js";
import { BACKEND_NAMES } from "../../runtime/backend.js";
import { SLURM_STAGES, type SlurmStage } from "../../slurm/layout.js";
import { resumeRun } from "../../slurm/resume.js";
import { formatStatus, runStatus } from "../../slurm/status.js";
import { submitRun } from "../../slurm/submit.js";
import { runTask } from "../../slurm/task.js";
import { info } from "../../util/log.js";
import { resolveRunLayout } from "../../pipeline/layout.js";
import { parseIntOption } from "../options.js";

/** The run folder: --out, else results/<--run or the config's name>. */
function runDirOf(o: { out?: string; run?: string }, fallbackName?: string): string {
  const name = o.run ?? fallbackName;
  if (!o.out && !name) throw new Error("say which run: --run NAME (results/NAME) or --out DIR");
  if (!o.out && !/^[A-Za-z0-9._-]+$/.test(name!)) throw new Error(`--run "${name}": use letters, digits, '.', '_' and '-' only (or --out DIR for a folder)`);
  return resolveRunLayout({ dir: o.out, name: name ?? "" }).dir;
}

/** `v` as an integer >= min (the shared parser; `flag` with its dashes). */
function wholeNumber(flag: string, v: string, min = 0): number {
  return parseIntOption(flag.replace(/^--/, ""), v, min);
}

interface SubmitCli {
  config: string;
  run?: string;
  out?: string;
  partition?: string;
  account?: string;
  gpusPerTask: string;
  cpusPerTask: string;
  time?: string;
  mem?: string;
  signalSeconds: string;
  backend?: string;
  node?: string;
  setup: string[];
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const slurm = program.command("slurm").description("run the study on a Slurm cluster: one array task per GAN, the study after them");

  slurm
    .command("submit")
    .description("write the sbatch scripts into <run>/slurm/ and submit prepare -> GAN array -> study (afterok)")
    .requiredOption("--config <file>", "experiment config (JSON, see experiments/)")
    .option("--run <name>", "run name: the run folder is results/<name> (default: the config's name)")
    .option("--out <dir>", "run folder instead (must be on a filesystem every node sees)")
    .option("--partition <p>", "Slurm partition (default: the cluster's default)")
    .option("--account <a>", "Slurm account to charge")
    .option("--gpus-per-task <n>", "GPUs per job (0 = CPU only)", "0")
    .option("--cpus-per-task <n>", "CPUs per job (also the wasm backend's threads)", "1")
    .option("--time <t>", "time limit per job, Slurm syntax (\"90\", \"4:00:00\"); tasks requeue themselves before it")
    .option("--mem <m>", "memory per job, Slurm syntax (\"16G\")")
    .option("--signal-seconds <s>", "with --time: seconds before the limit at which a task requeues itself", "300")
    .option("--backend <b>", `HERITAGE_BACKEND for the tasks (${BACKEND_NAMES.join(", ")}; default: the fastest each task finds)`)
    .option("--node <path>", "node executable on the compute nodes (default: this one)")
    .option("--setup <line>", "shell line each script runs first, e.g. \"module load cuda\" (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--dry-run", "write and print the scripts and sbatch lines; submit nothing")
    .option("--json", "print the submission as JSON on stdout")
    .action(async (o: SubmitCli) => {
      const cfg = await loadExperiment(o.config);
      if (o.backend && !(BACKEND_NAMES as readonly string[]).includes(o.backend)) throw new Error(`--backend ${o.backend} is not one of ${BACKEND_NAMES.join(", ")}`);
      const sub = await submitRun({
        config: cfg,
        runDir: runDirOf(o, cfg.name),
        resources: {
          partition: o.partition,
          account: o.account,
          gpusPerTask: wholeNumber("--gpus-per-task", o.gpusPerTask),
          cpusPerTask: wholeNumber("--cpus-per-task", o.cpusPerTask, 1),
          time: o.time,
          mem: o.mem,
          signalSeconds: wholeNumber("--signal-seconds", o.signalSeconds, 1),
        },
        setup: o.setup,
        backend: o.backend,
        node: o.node,
        dryRun: o.dryRun,
      });
      if (o.json) {
        process.stdout.write(JSON.stringify(sub, null, 2) + "\n");
        return;
      }
      if (o.dryRun) {
        for (const stage of SLURM_STAGES) process.stdout.write(`# ==> ${path.join(sub.runDir, "slurm", `${stage}.sbatch`)} <==\n${sub.scripts[stage]}\n`);
        process.stdout.write(`# sbatch lines (nothing submitted):\n${sub.steps.map((s) => s.command).join("\n")}\n`);
      }
      info(`slurm: ${sub.jobs.length} GAN job(s): ${sub.jobs.map((j) => `${j.index}=${j.name}`).join(", ")}`);
      if (!o.dryRun) info(`slurm: submitted; follow with: heritage slurm status --out ${sub.runDir}  (logs in ${path.join(sub.runDir, "slurm", "logs")})`);
    });

  slurm
    .command("status")
    .description("every job's Slurm state, epoch and last losses, from the run folder and squeue/scontrol/sacct")
    .option("--run <name>", "run name (results/<name>)")
    .option("--out <dir>", "run folder")
    .option("--json", "print the rows as JSON on stdout")
    .action(async (o: { run?: string; out?: string; json?: boolean }) => {
      const { rows, slurmUnreachable } = await runStatus(runDirOf(o));
      process.stdout.write(o.json ? JSON.stringify(rows, null, 2) + "\n" : formatStatus(rows, slurmUnreachable) + "\n");
    });

  slurm
    .command("resume")
    .description("requeue cancelled/failed/timed-out tasks (they resume from their checkpoints) and re-arm the jobs waiting for them")
    .option("--run <name>", "run name (results/<name>)")
    .option("--out <dir>", "run folder")
    .option("--json", "print what was done as JSON on stdout")
    .action(async (o: { run?: string; out?: string; json?: boolean }) => {
      const r = await resumeRun(runDirOf(o));
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      info(`slurm resume: requeued ${r.requeued.join(", ") || "nothing"}; re-armed ${r.rearmed.map((x) => `${x.job} (${x.dependency})`).join(", ") || "nothing"}`);
      if (r.forgotten.length) info(`slurm resume: Slurm no longer knows ${r.forgotten.join(", ")}; if their models are unfinished, submit the run again (finished models are skipped)`);
    });

  slurm
    .command("task", { hidden: true })
    .description("run one stage (or one GAN job) of a submitted run; what the sbatch scripts call")
    .requiredOption("--out <dir>", "run folder")
    .requiredOption("--stage <stage>", `one of ${SLURM_STAGES.join(", ")}`)
    .option("--job-index <i>", "train stage: the GAN job's index (SLURM_ARRAY_TASK_ID)")
    .action(async (o: { out: string; stage: string; jobIndex?: string }) => {
      if (!SLURM_STAGES.includes(o.stage as SlurmStage)) throw new Error(`--stage ${o.stage} is not one of ${SLURM_STAGES.join(", ")}`);
      if (o.stage === "train" && o.jobIndex === undefined) throw new Error("--stage train needs --job-index (SLURM_ARRAY_TASK_ID)");
      await runTask({ runDir: o.out, stage: o.stage as SlurmStage, jobIndex: o.jobIndex === undefined ? undefined : wholeNumber("--job-index", o.jobIndex) });
    });
}
