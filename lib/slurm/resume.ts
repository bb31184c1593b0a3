/**
 * `heritage slurm resume`: after a task was cancelled, failed or timed out, requeue it
 * (`scontrol requeue`; it resumes from its checkpoint) and re-arm the jobs that wait for it.
 *
 * Why the re-arming: Slurm marks an afterok dependency as failed for good once a task it waits for
 * has ended badly (the dependent job then pends with DependencyNeverSatisfied), even if that task
 * is requeued and succeeds. So every job still pending gets its dependency set again, to the
 * upstream tasks that have not completed yet (or none).
 */
import { isFailed, type SlurmJobState } from "./parse.js";
import { jobStates, slurmOk } from "./query.js";
import { readSubmission, type SubmittedStep } from "./submit.js";
import { warn } from "../util/log.js";

export interface ResumeResult {
  requeued: string[];
  rearmed: { job: string; dependency: string }[];
  /** Failed tasks Slurm no longer knows (submit the run again: finished models are skipped). */
  forgotten: string[];
}

function taskIds(step: SubmittedStep): string[] {
  if (!step.jobId) return [];
  return step.indices ? step.indices.map((i) => `${step.jobId}_${i}`) : [step.jobId];
}

export async function resumeRun(runDir: string, opts: { only?: string[] } = {}): Promise<ResumeResult> {
  const sub = await readSubmission(runDir);
  const ids = sub.steps.map((s) => s.jobId).filter((x): x is string => !!x);
  let states = await jobStates(ids);
  const res: ResumeResult = { requeued: [], rearmed: [], forgotten: [] };
  for (const step of sub.steps) {
    for (const id of taskIds(step)) {
      if (opts.only && !opts.only.includes(id)) continue;
      const st = states.get(id);
      if (!st) {
        res.forgotten.push(id);
        continue;
      }
      if (!isFailed(st.state)) continue;
      await slurmOk("scontrol", ["requeue", id]);
      res.requeued.push(id);
    }
  }
  if (res.requeued.length) states = await jobStates(ids);
  const known = (id: string): SlurmJobState | undefined => states.get(id);
  for (const step of sub.steps) {
    if (!step.after.length || !step.jobId) continue;
    const pending = taskIds(step).some((id) => known(id)?.state === "PENDING");
    if (!pending) continue;
    const upstream = sub.steps.filter((s) => step.after.includes(s.key)).flatMap(taskIds);
    const waitFor = upstream.filter((id) => {
      const st = known(id);
      return st !== undefined && st.state !== "COMPLETED";
    });
    const dependency = waitFor.length ? `afterok:${waitFor.join(":")}` : "";
    try {
      await slurmOk("scontrol", ["update", `JobId=${step.jobId}`, `Dependency=${dependency}`]);
      res.rearmed.push({ job: step.jobId, dependency: dependency || "(none)" });
    } catch (err) {
      // An array whose tasks are partly finished can refuse the update for those; the pending ones took it.
      warn(`slurm resume: ${(err as Error).message}`);
    }
  }
  return res;
}
