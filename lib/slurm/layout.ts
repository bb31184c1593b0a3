/**
 * Where the Slurm side of a run lives inside its run folder (results/<name>/slurm/, the run
 * layout's `slurm`, ../pipeline/layout.ts):
 *   config.json        the experiment config every task reads (frozen at submit time)
 *   <stage>.sbatch     the batch scripts (prepare, train, study)
 *   submission.json    job ids, arrays and dependencies of the last submission
 *   logs/              one log per job or array task (stdout + stderr, appended over requeues)
 *   tasks/             one record per task: every attempt, its host, and what it did
 */
import path from "node:path";
import { asLayout, type RunDirOrLayout } from "../pipeline/layout.js";

export type SlurmStage = "prepare" | "train" | "study";
export const SLURM_STAGES: readonly SlurmStage[] = ["prepare", "train", "study"];

export interface SlurmLayout {
  runDir: string;
  dir: string;
  config: string;
  submission: string;
  logs: string;
  tasks: string;
  script: (stage: SlurmStage) => string;
  /** Record of one task: tasks/prepare.json, tasks/train-<index>.json, tasks/study.json. */
  taskRecord: (stage: SlurmStage, index?: number) => string;
}

/** The Slurm paths of a run folder (a path, made absolute, or its RunLayout). */
export function slurmLayout(run: RunDirOrLayout): SlurmLayout {
  const layout = asLayout(run);
  const dir = layout.slurm;
  return {
    runDir: layout.dir,
    dir,
    config: path.join(dir, "config.json"),
    submission: path.join(dir, "submission.json"),
    logs: path.join(dir, "logs"),
    tasks: path.join(dir, "tasks"),
    script: (stage) => path.join(dir, `${stage}.sbatch`),
    taskRecord: (stage, index) => path.join(dir, "tasks", stage === "train" ? `train-${index ?? 0}.json` : `${stage}.json`),
  };
}
