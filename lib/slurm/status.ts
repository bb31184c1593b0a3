/**
 * `heritage slurm status`: one row per job and array task of the last submission, with Slurm's
 * state (squeue / scontrol / sacct) beside what the run folder says: each GAN's epoch and last
 * losses (history.json, card.json), and the attempts each task made (slurm/tasks/).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { readJson } from "../util/fs.js";
import { slurmLayout } from "./layout.js";
import { isFailed, type SlurmJobState } from "./parse.js";
import { queryJobStates } from "./query.js";
import { readSubmission, type Submission } from "./submit.js";
import type { TaskRecord } from "./task.js";
import { runLayoutAt } from "../pipeline/layout.js";

export interface StatusRow {
  /** Submission step: prepare, general, train, study. */
  step: string;
  /** The GAN job name for train tasks, else the stage. */
  job: string;
  /** "123" or "120_4" (null in a dry run). */
  slurmId: string | null;
  /** Slurm's state, or "unknown" when Slurm no longer remembers the job. */
  state: string;
  reason: string | null;
  /** What the run folder says: "complete", "training", "starting" (running, nothing written yet), "not started", "skipped", "done", "failed". */
  progress: string;
  epoch: number | null;
  epochs: number | null;
  lossD: number | null;
  lossG: number | null;
  attempts: number;
  detail: string | null;
}

interface HistoryRecord {
  epoch: number;
  lossD: number;
  lossG: number;
}

async function ganProgress(outDir: string): Promise<Pick<StatusRow, "progress" | "epoch" | "epochs" | "lossD" | "lossG">> {
  const card = path.join(outDir, "card.json");
  if (existsSync(card)) {
    const c = await readJson<{ status?: string; epochs?: number; history?: HistoryRecord[] }>(card);
    if (c.status === "complete") {
      const last = c.history?.at(-1);
      return { progress: "complete", epoch: last?.epoch ?? c.epochs ?? null, epochs: c.epochs ?? null, lossD: last?.lossD ?? null, lossG: last?.lossG ?? null };
    }
  }
  let epochs: number | null = null;
  const latest = path.join(outDir, "checkpoints", "latest.json");
  if (existsSync(latest)) {
    const l = await readJson<{ dir: string }>(latest);
    const state = path.join(outDir, "checkpoints", l.dir, "state.json");
    if (existsSync(state)) epochs = (await readJson<{ settings?: { epochs?: number } }>(state)).settings?.epochs ?? null;
  }
  const hist = path.join(outDir, "history.json");
  if (existsSync(hist)) {
    const last = (await readJson<HistoryRecord[]>(hist)).at(-1);
    if (last) return { progress: "training", epoch: last.epoch, epochs, lossD: last.lossD, lossG: last.lossG };
  }
  return { progress: "not started", epoch: null, epochs, lossD: null, lossG: null };
}

/** A task that Slurm ended badly while its attempt was still running (scancel, time limit, node failure) left no end in its record: say so. */
function killedNote(st: SlurmJobState | undefined, last: TaskRecord["attempts"][number] | undefined): string | null {
  if (!st || !isFailed(st.state) || (last && last.status !== "running")) return null;
  return `${st.state.toLowerCase()} while running; heritage slurm resume requeues it`;
}

/** The rows of a submission, given Slurm's states (pure apart from reading the run folder). */
export async function statusRows(sub: Submission, states: ReadonlyMap<string, SlurmJobState>): Promise<StatusRow[]> {
  const layout = slurmLayout(sub.runDir);
  const rows: StatusRow[] = [];
  for (const step of sub.steps) {
    const indices = step.indices ?? [null];
    for (const index of indices) {
      const slurmId = step.jobId === null ? null : index === null ? step.jobId : `${step.jobId}_${index}`;
      const st = slurmId ? states.get(slurmId) : undefined;
      const recFile = layout.taskRecord(step.script, index ?? undefined);
      const rec = existsSync(recFile) ? await readJson<TaskRecord>(recFile) : null;
      const last = rec?.attempts.at(-1);
      const planned = index === null ? undefined : sub.jobs[index];
      let prog: Pick<StatusRow, "progress" | "epoch" | "epochs" | "lossD" | "lossG"> = { progress: "not started", epoch: null, epochs: null, lossD: null, lossG: null };
      if (planned) {
        prog = await ganProgress(planned.outDir);
        if (last?.status === "skipped") prog.progress = "skipped";
      } else if (last) {
        prog.progress = last.status;
      }
      if (prog.progress === "not started" && st?.state === "RUNNING") prog.progress = "starting";
      if (step.script === "study" && existsSync(runLayoutAt(sub.runDir).summary) && last?.status === "done") prog.progress = "done";
      rows.push({
        step: step.key,
        job: planned?.name ?? step.script,
        slurmId,
        state: st?.state ?? (slurmId ? "unknown" : "not submitted"),
        reason: st?.reason ?? null,
        ...prog,
        attempts: rec?.attempts.length ?? 0,
        detail: killedNote(st, last) ?? last?.detail ?? null,
      });
    }
  }
  return rows;
}

/** Status of the last submission of a run folder. */
export interface RunStatus {
  submission: Submission;
  rows: StatusRow[];
  /** Why Slurm's states are unknown when none of sacct/scontrol/squeue answered (else null). */
  slurmUnreachable: string | null;
}

/** Status of the last submission of a run folder. */
export async function runStatus(runDir: string): Promise<RunStatus> {
  const sub = await readSubmission(runDir);
  const ids = sub.steps.map((s) => s.jobId).filter((x): x is string => !!x);
  const { states, unreachable } = await queryJobStates(ids);
  return { submission: sub, rows: await statusRows(sub, states), slurmUnreachable: unreachable };
}

/**
 * A plain-text table of the rows, with a line under it when a state needs explaining: Slurm did
 * not answer (`slurmUnreachable`), or it no longer remembers some jobs.
 */
export function formatStatus(rows: readonly StatusRow[], slurmUnreachable: string | null = null): string {
  const head = ["job", "slurm id", "state", "progress", "epoch", "loss D", "loss G", "attempts", "note"];
  const body = rows.map((r) => [
    r.job,
    r.slurmId ?? "-",
    r.state + (r.reason && r.state === "PENDING" ? ` (${r.reason})` : ""),
    r.progress,
    r.epoch === null ? "-" : `${r.epoch}${r.epochs ? `/${r.epochs}` : ""}`,
    r.lossD === null ? "-" : r.lossD.toFixed(3),
    r.lossG === null ? "-" : r.lossG.toFixed(3),
    String(r.attempts),
    r.detail ?? "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const notes: string[] = [];
  if (slurmUnreachable) {
    notes.push(`Slurm did not answer (${slurmUnreachable}); states are unknown, progress is from the run folder. Run this where sbatch works (a login node), or set SLURM_CONF.`);
  } else if (rows.some((r) => r.state === "unknown")) {
    notes.push("unknown: Slurm no longer remembers the job (it ended before MinJobAge and accounting, sacct, is off); progress is from the run folder.");
  }
  return [line(head), ...body.map(line), ...notes].join("\n");
}
