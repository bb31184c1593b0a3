/**
 * Parsing what squeue, sacct and `scontrol show job -o` print into one record per job or array
 * task, keyed as Slurm names them: "<job id>" for a plain job, "<array job id>_<task id>" for a task.
 * Pure functions (./query.ts runs the commands).
 */
import { expandArraySpec } from "./sbatch.js";

export interface SlurmJobState {
  /** "123" or "120_4". */
  id: string;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, PREEMPTED, NODE_FAIL, OUT_OF_MEMORY, REQUEUED, ... */
  state: string;
  /** Why pending (Dependency, Resources, DependencyNeverSatisfied, BeginTime, ...). */
  reason?: string;
  /** Times the job was requeued (scontrol only). */
  restarts?: number;
  /** "0:0" = exit code 0, signal 0. */
  exitCode?: string;
}

/** States after which a job will not run again unless requeued. */
const FINISHED = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "PREEMPTED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]);

export function isFinished(state: string): boolean {
  return FINISHED.has(state);
}

/** Finished, but not successfully (a candidate for a requeue). */
export function isFailed(state: string): boolean {
  return FINISHED.has(state) && state !== "COMPLETED";
}

/** Ids of an array record: "5" with tasks "2-3" -> ["5_2", "5_3"]; a plain job -> its id. */
function idsOf(jobId: string, arrayJobId: string | undefined, arrayTask: string | undefined): string[] {
  if (!arrayJobId || !arrayTask || arrayTask === "N/A") return [jobId];
  const spec = arrayTask.replace(/^\[|\]$/g, "");
  return expandArraySpec(spec).map((t) => `${arrayJobId}_${t}`);
}

/** `squeue -h -r -o "%i|%T|%r"` (one line per job or task). */
export function parseSqueue(text: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of text.split("\n")) {
    const [id, state, reason] = line.trim().split("|");
    if (!id || !state) continue;
    const m = /^(\d+)_\[(.+)\]$/.exec(id);
    for (const one of m ? idsOf(m[1]!, m[1], m[2]) : [id]) out.push({ id: one, state, ...(reason && reason !== "None" ? { reason } : {}) });
  }
  return out;
}

/** `sacct -n -P -X -o JobID,State,ExitCode` (State may read "CANCELLED by 0"). */
export function parseSacct(text: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of text.split("\n")) {
    const [id, stateText, exitCode] = line.trim().split("|");
    if (!id || !stateText) continue;
    const state = stateText.split(/\s+/)[0]!;
    const m = /^(\d+)_\[(.+)\]$/.exec(id);
    for (const one of m ? idsOf(m[1]!, m[1], m[2]) : [id]) out.push({ id: one, state, ...(exitCode ? { exitCode } : {}) });
  }
  return out;
}

/** `scontrol show job -o <ids>`: one line of key=value pairs per job record (a pending array's rest is one record). */
export function parseScontrolJobs(text: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of text.split("\n")) {
    const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(line)?.[1];
    const jobId = field("JobId");
    const state = field("JobState");
    if (!jobId || !state) continue;
    const reason = field("Reason");
    const restarts = field("Restarts");
    const exitCode = field("ExitCode");
    for (const id of idsOf(jobId, field("ArrayJobId"), field("ArrayTaskId"))) {
      out.push({
        id,
        state,
        ...(reason && reason !== "None" ? { reason } : {}),
        ...(restarts !== undefined ? { restarts: Number(restarts) } : {}),
        ...(exitCode ? { exitCode } : {}),
      });
    }
  }
  return out;
}

/** Merge sources, later ones winning (pass the freshest last: sacct, then scontrol, then squeue). */
export function mergeStates(...sources: readonly SlurmJobState[][]): Map<string, SlurmJobState> {
  const out = new Map<string, SlurmJobState>();
  for (const src of sources) for (const s of src) out.set(s.id, { ...out.get(s.id), ...s });
  return out;
}
