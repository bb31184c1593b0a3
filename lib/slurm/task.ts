/**
 * `heritage slurm task`: what one Slurm job or array task runs (the sbatch scripts call it). It
 * reads the config frozen in <run>/slurm/config.json, runs its stage on the shared run folder
 * (./stages.ts), and keeps a record of every attempt in <run>/slurm/tasks/ (host, Slurm ids,
 * whether it resumed from a checkpoint), which `heritage slurm status` shows. It also runs outside
 * Slurm (e.g. to redo one job by hand): the Slurm fields are then null.
 */
import os from "node:os";
import path from "node:path";
import { existsSync } from "node:fs";
import { parseExperiment } from "../config/experiment.js";
import { readJson, writeJsonAtomic } from "../util/fs.js";
import { info } from "../util/log.js";
import { slurmLayout, type SlurmStage } from "./layout.js";
import { plannedJobs, prepareStage, studyStage, trainJob } from "./stages.js";

export interface TaskAttempt {
  slurmJobId: string | null;
  arrayJobId: string | null;
  arrayTaskId: string | null;
  /** SLURM_RESTART_COUNT: 0 on the first run, +1 per requeue. */
  restart: number;
  host: string;
  pid: number;
  startedAt: string;
  finishedAt?: string;
  status: "running" | "done" | "skipped" | "failed";
  /** Train tasks: the epoch the attempt resumed after (0 = fresh start, null = the model was already complete). */
  resumedFrom?: number | null;
  epochs?: number;
  detail?: string;
}

export interface TaskRecord {
  stage: SlurmStage;
  index: number | null;
  /** The GAN job name (train tasks). */
  job: string | null;
  attempts: TaskAttempt[];
}

export interface RunTaskOptions {
  runDir: string;
  stage: SlurmStage;
  /** Train tasks: the job's index (SLURM_ARRAY_TASK_ID). */
  jobIndex?: number;
  env?: NodeJS.ProcessEnv;
}

export async function runTask(o: RunTaskOptions): Promise<TaskRecord> {
  const env = o.env ?? process.env;
  const runDir = path.resolve(o.runDir);
  const layout = slurmLayout(runDir);
  if (!existsSync(layout.config)) throw new Error(`${layout.config} is missing: submit the run first (heritage slurm submit)`);
  const cfg = parseExperiment(await readJson(layout.config), layout.config);
  let job: string | null = null;
  if (o.stage === "train") {
    const jobs = plannedJobs(cfg, runDir);
    const j = o.jobIndex === undefined ? undefined : jobs[o.jobIndex];
    if (!j) throw new Error(`--job-index ${o.jobIndex} is not a GAN job of ${cfg.name}: valid are 0..${jobs.length - 1} (${jobs.map((x) => `${x.index}=${x.name}`).join(", ")})`);
    job = j.name;
  }
  const file = layout.taskRecord(o.stage, o.jobIndex);
  const record: TaskRecord = existsSync(file) ? await readJson<TaskRecord>(file) : { stage: o.stage, index: o.jobIndex ?? null, job, attempts: [] };
  const attempt: TaskAttempt = {
    slurmJobId: env.SLURM_JOB_ID ?? null,
    arrayJobId: env.SLURM_ARRAY_JOB_ID ?? null,
    arrayTaskId: env.SLURM_ARRAY_TASK_ID ?? null,
    restart: Number(env.SLURM_RESTART_COUNT ?? 0),
    host: os.hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    status: "running",
  };
  record.attempts.push(attempt);
  await writeJsonAtomic(file, record);
  info(`slurm task: run ${cfg.name}, stage ${o.stage}${job ? ` job ${o.jobIndex} (${job})` : ""}, attempt ${record.attempts.length}${attempt.slurmJobId ? ` (Slurm job ${attempt.slurmJobId})` : ""}`);
  try {
    if (o.stage === "prepare") {
      const r = await prepareStage(cfg, runDir);
      attempt.status = "done";
      attempt.detail = `${r.train} train / ${r.test} test images; clusters ${JSON.stringify(r.clusters)}`;
    } else if (o.stage === "train") {
      const r = await trainJob(cfg, runDir, job!);
      attempt.status = r.status === "trained" ? "done" : "skipped";
      if (r.result) {
        attempt.resumedFrom = r.result.resumedFrom;
        attempt.epochs = r.result.epochs;
        attempt.detail = r.result.resumedFrom === null ? "already complete" : r.result.resumedFrom > 0 ? `resumed after epoch ${r.result.resumedFrom}` : "trained from scratch";
      } else {
        attempt.detail = r.reason;
      }
      info(`slurm task: ${job}: ${attempt.detail}`);
    } else {
      const s = await studyStage(cfg, runDir);
      attempt.status = "done";
      attempt.detail = s.files.report ?? s.files.summary;
    }
  } catch (err) {
    attempt.status = "failed";
    attempt.detail = (err as Error).message;
    throw err;
  } finally {
    attempt.finishedAt = new Date().toISOString();
    await writeJsonAtomic(file, record);
  }
  return record;
}
