/**
 * `heritage slurm submit`: write the run's batch scripts into <run>/slurm/ and submit them as a
 * chain of jobs: prepare -> one array task per GAN job -> study + report, each step waiting for the
 * one before with --dependency=afterok. The run folder must be on a filesystem every node sees.
 */
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import type { ExperimentConfig } from "../config/experiment.js";
import { readJson, writeFileAtomic, writeJsonAtomic } from "../util/fs.js";
import { info } from "../util/log.js";
import { projectRoot } from "../util/paths.js";
import { slurmLayout, type SlurmStage } from "./layout.js";
import { isFinished } from "./parse.js";
import { jobStates, sbatch } from "./query.js";
import { sbatchArgs, sbatchScript, submissionPlan, type SlurmResources, type SubmitStep } from "./sbatch.js";
import { generalFirst, plannedJobs, type PlannedJob } from "./stages.js";

export interface SubmitOptions {
  config: ExperimentConfig;
  /** The run folder (shared filesystem). */
  runDir: string;
  resources: SlurmResources;
  /** Shell lines each script runs first ("module load ..."). */
  setup?: string[];
  /** HERITAGE_BACKEND for every task. */
  backend?: string;
  /** The node executable on the compute nodes (default: this one). */
  node?: string;
  /** Write and return the scripts and sbatch lines, submit nothing. */
  dryRun?: boolean;
  /** Order the general GAN before the cluster GANs (default: when gan.clusterInit is "general"). */
  generalFirst?: boolean;
}

export interface SubmittedStep extends SubmitStep {
  /** The job id (array job id for arrays); null in a dry run. */
  jobId: string | null;
  /** The sbatch command line. */
  command: string;
}

export interface Submission {
  runName: string;
  runDir: string;
  submittedAt: string;
  dryRun: boolean;
  steps: SubmittedStep[];
  jobs: PlannedJob[];
  scripts: Record<SlurmStage, string>;
}

/** Job ids of the previous submission that Slurm still runs or queues. */
async function stillQueued(file: string): Promise<string[]> {
  if (!existsSync(file)) return [];
  const prev = await readJson<Submission>(file);
  const ids = prev.steps.map((s) => s.jobId).filter((x): x is string => !!x);
  const states = await jobStates(ids);
  return [...states.values()].filter((s) => !isFinished(s.state)).map((s) => `${s.id} (${s.state})`);
}

export async function submitRun(opts: SubmitOptions): Promise<Submission> {
  const cfg = opts.config;
  const runDir = path.resolve(opts.runDir);
  const layout = slurmLayout(runDir);
  const root = projectRoot();
  if (!opts.dryRun) {
    const busy = await stillQueued(layout.submission);
    if (busy.length) {
      throw new Error(`${layout.submission}: jobs of the last submission are still queued or running: ${busy.join(", ")}; wait, or scancel them first`);
    }
  }
  await fsp.mkdir(layout.logs, { recursive: true });
  await fsp.mkdir(layout.tasks, { recursive: true });
  await writeJsonAtomic(layout.config, cfg);
  const scripts = {} as Record<SlurmStage, string>;
  for (const stage of ["prepare", "train", "study"] as const) {
    scripts[stage] = sbatchScript({
      stage,
      runName: cfg.name,
      layout,
      projectRoot: root,
      node: opts.node ?? process.execPath,
      resources: opts.resources,
      setup: opts.setup ?? [],
      backend: opts.backend,
    });
    await writeFileAtomic(layout.script(stage), scripts[stage]);
    await fsp.chmod(layout.script(stage), 0o755);
  }
  const jobs = plannedJobs(cfg, runDir);
  const plan = submissionPlan(
    jobs.map((j) => j.index),
    { generalFirst: opts.generalFirst ?? generalFirst(cfg) },
  );
  const ids = new Map<string, string>();
  const steps: SubmittedStep[] = [];
  const submission: Submission = { runName: cfg.name, runDir, submittedAt: new Date().toISOString(), dryRun: !!opts.dryRun, steps, jobs, scripts };
  for (const step of plan) {
    const placeholders = new Map(plan.map((s) => [s.key, ids.get(s.key) ?? `<${s.key}-job-id>`]));
    const args = sbatchArgs(step, layout.script(step.script), placeholders);
    const command = ["sbatch", ...args].join(" ");
    let jobId: string | null = null;
    if (!opts.dryRun) {
      jobId = await sbatch(args);
      ids.set(step.key, jobId);
      info(`slurm: ${step.key} -> job ${jobId}${step.indices ? ` (array ${args.find((a) => a.startsWith("--array="))!.slice(8)})` : ""}`);
    }
    steps.push({ ...step, jobId, command });
    // Written after every sbatch, so a failure half-way still leaves the ids of what was submitted.
    if (!opts.dryRun) await writeJsonAtomic(layout.submission, { ...submission, steps });
  }
  return { ...submission, steps };
}

/** The last submission of a run folder. */
export async function readSubmission(runDir: string): Promise<Submission> {
  const file = slurmLayout(path.resolve(runDir)).submission;
  if (!existsSync(file)) throw new Error(`${file} does not exist: nothing was submitted for this run folder (heritage slurm submit)`);
  return readJson<Submission>(file);
}
