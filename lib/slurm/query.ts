/**
 * Running Slurm's own commands (sbatch, squeue, sacct, scontrol), each with a time limit so a
 * controller that does not answer cannot hang the CLI or a test. Slurm finds its controller from
 * its usual configuration (/etc/slurm/slurm.conf, or SLURM_CONF).
 */
import { execFile } from "node:child_process";
import { mergeStates, parseSacct, parseScontrolJobs, parseSqueue, type SlurmJobState } from "./parse.js";

export interface SlurmCommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Run one Slurm command; `code` is its exit status (127 when it is not installed). */
export function slurmCommand(cmd: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<SlurmCommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 30_000, env: opts.env ?? process.env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      let code = 0;
      if (e) code = e.code === "ENOENT" ? 127 : typeof e.code === "number" ? e.code : e.killed ? 124 : 1;
      resolve({ stdout: String(stdout), stderr: String(stderr) + (e?.killed ? `\n${cmd} timed out` : ""), code });
    });
  });
}

/** Like slurmCommand, but throws with the command line and its error output when it fails. */
export async function slurmOk(cmd: string, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await slurmCommand(cmd, args, opts);
  if (r.code === 127) throw new Error(`${cmd} is not installed (or not on PATH); Slurm's client commands are needed here`);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** sbatch --parsable ...: the new job id ("123"; "123;cluster" on federations keeps the id). */
export async function sbatch(args: readonly string[]): Promise<string> {
  const out = (await slurmOk("sbatch", args, { timeoutMs: 60_000 })).trim();
  const id = out.split(";")[0]!.trim();
  if (!/^\d+$/.test(id)) throw new Error(`sbatch ${args.join(" ")} printed "${out}", not a job id`);
  return id;
}

/** What {@link queryJobStates} found, and why Slurm did not answer when none of its commands did. */
export interface JobStatesAnswer {
  states: Map<string, SlurmJobState>;
  /** Set when sacct, scontrol and squeue all failed: the first error line of each (no controller, not installed, ...). */
  unreachable: string | null;
}

/**
 * The state of every job and array task of `jobIds` (plain or array job ids) that Slurm still
 * knows: sacct where accounting is on (it remembers finished jobs), then `scontrol show job`
 * (jobs the controller still holds, MinJobAge), then squeue (live ones), the freshest winning.
 */
export async function queryJobStates(jobIds: readonly string[]): Promise<JobStatesAnswer> {
  if (!jobIds.length) return { states: new Map(), unreachable: null };
  const list = jobIds.join(",");
  const acct = await slurmCommand("sacct", ["-n", "-P", "-X", "-j", list, "-o", "JobID,State,ExitCode"], { timeoutMs: 20_000 });
  const fromSacct = acct.code === 0 ? parseSacct(acct.stdout) : [];
  const fromScontrol: SlurmJobState[] = [];
  let scontrolAnswered = false;
  let scontrolFailure: SlurmCommandResult | null = null;
  for (const id of jobIds) {
    // One id at a time: scontrol fails for the whole list when one job is unknown.
    const r = await slurmCommand("scontrol", ["show", "job", "-o", id], { timeoutMs: 20_000 });
    if (r.code === 0) {
      scontrolAnswered = true;
      fromScontrol.push(...parseScontrolJobs(r.stdout));
    } else if (/invalid job id/i.test(r.stderr)) scontrolAnswered = true; // the controller answered: it forgot the job
    else scontrolFailure ??= r;
  }
  const q = await slurmCommand("squeue", ["-h", "-r", "-j", list, "-o", "%i|%T|%r"], { timeoutMs: 20_000 });
  const fromSqueue = q.code === 0 ? parseSqueue(q.stdout) : [];
  const states = mergeStates(fromSacct, fromScontrol, fromSqueue);
  // squeue -j of only forgotten jobs exits 1 with "Invalid job id" too: that is an answer.
  const squeueAnswered = q.code === 0 || /invalid job id/i.test(q.stderr);
  const unreachable =
    acct.code !== 0 && !scontrolAnswered && !squeueAnswered
      ? groupErrors([
          ["sacct", firstError(acct)],
          ["scontrol", scontrolFailure ? firstError(scontrolFailure) : "no answer"],
          ["squeue", firstError(q)],
        ])
      : null;
  return { states, unreachable };
}

/** {@link queryJobStates} without the diagnosis: the states Slurm answered with (none when it did not). */
export async function jobStates(jobIds: readonly string[]): Promise<Map<string, SlurmJobState>> {
  return (await queryJobStates(jobIds)).states;
}

function firstError(r: SlurmCommandResult): string {
  if (r.code === 127) return "not installed";
  const lines = r.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  // Slurm prints its config-lookup chain; the last line says what finally failed ("squeue: fatal: ...").
  return lines.at(-1)?.replace(/^\w+: (fatal: |error: )?/, "") ?? `exit ${r.code}`;
}

/** "sacct, squeue: not installed; scontrol: ..." (commands with the same error share it). */
function groupErrors(errors: [string, string][]): string {
  const by = new Map<string, string[]>();
  for (const [cmd, msg] of errors) by.set(msg, [...(by.get(msg) ?? []), cmd]);
  return [...by].map(([msg, cmds]) => `${cmds.join(", ")}: ${msg}`).join("; ");
}
