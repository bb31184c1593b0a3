/**
 * Pure generation of the sbatch scripts and of the submission plan (which job waits for which).
 * Nothing here runs Slurm: ./submit.ts writes the scripts and calls sbatch with `sbatchArgs`.
 *
 * Three scripts, one per stage, all running `heritage slurm task` on the shared run folder:
 *   prepare.sbatch  data, features, k-means per K (one job)
 *   train.sbatch    one GAN per array task (SLURM_ARRAY_TASK_ID = the job's index, 0 = general)
 *   study.sbatch    the completion study and the report (one job)
 * Every script asks to be requeued after a failure of the node or a pre-emption (--requeue), appends
 * to its log over attempts (--open-mode=append), and with a time limit asks for SIGUSR1 some
 * minutes before it (--signal=B:USR1@s), on which it requeues itself: the next attempt resumes from
 * the last checkpoint, so a long training fits in any number of time-limited slots.
 */
import type { SlurmLayout, SlurmStage } from "./layout.js";

/** Resources asked for every job (the same for all stages unless said otherwise). */
export interface SlurmResources {
  /** --partition (default: the cluster's default partition). */
  partition?: string;
  /** --account (default: the user's default account). */
  account?: string;
  /** --gpus-per-task for every job (0 = none: CPU backends). */
  gpusPerTask: number;
  /** --cpus-per-task; also the tfjs wasm threads (HERITAGE_THREADS). */
  cpusPerTask: number;
  /** --time, Slurm syntax ("30", "2:00:00", "1-00:00:00"); default: the partition's limit. */
  time?: string;
  /** --mem per node, Slurm syntax ("8G", "16000M"). */
  mem?: string;
  /** With a time limit: signal this many seconds before it, and requeue (default 300). */
  signalSeconds: number;
}

export interface ScriptSpec {
  stage: SlurmStage;
  runName: string;
  layout: SlurmLayout;
  /** The project folder (must be on a filesystem every node sees). */
  projectRoot: string;
  /** The node executable the tasks run. */
  node: string;
  resources: SlurmResources;
  /** Shell lines run before the task (e.g. "module load cuda/12"). */
  setup: readonly string[];
  /** HERITAGE_BACKEND for the tasks (tensorflow, webgpu, wasm, cpu); default: whatever the task finds. */
  backend?: string;
}

/** A Slurm time limit: minutes, [D-]HH:MM[:SS], MM:SS, D-HH, or UNLIMITED. */
export function checkTime(time: string): string {
  const ok = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i.test(time);
  if (!ok) throw new Error(`--time "${time}" is not a Slurm time limit; use minutes ("90"), "HH:MM:SS" or "D-HH:MM:SS"`);
  return time;
}

/** A Slurm memory size: a number with an optional K, M, G or T suffix. */
export function checkMem(mem: string): string {
  if (!/^\d+[KMGT]?$/i.test(mem)) throw new Error(`--mem "${mem}" is not a Slurm memory size; use e.g. "8G" or "16000M"`);
  return mem;
}

/** Quote a string for bash (single quotes). */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Compress array indices into Slurm's --array syntax: [0,1,2,5,7,8] -> "0-2,5,7-8". */
export function arraySpec(indices: readonly number[]): string {
  const xs = [...new Set(indices)].sort((a, b) => a - b);
  if (!xs.length) throw new Error("a job array needs at least one index");
  const parts: string[] = [];
  let start = xs[0]!;
  let prev = start;
  for (const x of [...xs.slice(1), NaN]) {
    if (x === prev + 1) {
      prev = x;
      continue;
    }
    parts.push(start === prev ? `${start}` : `${start}-${prev}`);
    start = prev = x;
  }
  return parts.join(",");
}

/** Expand Slurm's array syntax ("0-2,5", "1-7:2", "0-9%4") into indices. */
export function expandArraySpec(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.replace(/%\d+$/, "").split(",")) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) throw new Error(`"${spec}" is not a Slurm array spec`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    for (let i = a; i <= b; i += step) out.push(i);
  }
  return out;
}

/** The batch script of one stage. */
export function sbatchScript(spec: ScriptSpec): string {
  const { stage, layout, resources: r } = spec;
  const isArray = stage === "train";
  const log = `${layout.logs}/${stage}-${isArray ? "%A_%a" : "%j"}.out`;
  const directives = [
    `--job-name=heritage-${spec.runName}-${stage}`,
    `--output=${log}`,
    "--open-mode=append",
    "--requeue",
    "--ntasks=1",
    `--cpus-per-task=${r.cpusPerTask}`,
    ...(r.gpusPerTask > 0 ? [`--gpus-per-task=${r.gpusPerTask}`] : []),
    ...(r.partition ? [`--partition=${r.partition}`] : []),
    ...(r.account ? [`--account=${r.account}`] : []),
    ...(r.time ? [`--time=${checkTime(r.time)}`, `--signal=B:USR1@${r.signalSeconds}`] : []),
    ...(r.mem ? [`--mem=${checkMem(r.mem)}`] : []),
  ];
  const what = {
    prepare: "data, features and k-means per K",
    train: "one GAN per array task (SLURM_ARRAY_TASK_ID = job index; 0 = general; see submission.json)",
    study: "completion study and report",
  }[stage];
  const task = [shq(spec.node), shq(`${spec.projectRoot}/bin/heritage.js`), "slurm", "task", "--out", shq(layout.runDir), "--stage", stage];
  if (isArray) task.push("--job-index", '"${SLURM_ARRAY_TASK_ID:?this script runs as a job array (sbatch --array)}"');
  return [
    "#!/bin/bash",
    ...directives.map((d) => `#SBATCH ${d}`),
    `# heritage-inpaint run "${spec.runName}", stage ${stage}: ${what}.`,
    "# Written by `heritage slurm submit`; every attempt of a task appends to its log and resumes from the run folder.",
    "",
    ...spec.setup,
    ...(spec.backend ? [`export HERITAGE_BACKEND=${shq(spec.backend)}`] : []),
    'export HERITAGE_THREADS="${HERITAGE_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"',
    `cd ${shq(spec.projectRoot)} || exit 1`,
    'echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) job ${SLURM_JOB_ID} array ${SLURM_ARRAY_JOB_ID:-none}_${SLURM_ARRAY_TASK_ID:-none} on $(hostname) attempt $(( ${SLURM_RESTART_COUNT:-0} + 1 )) GPUs ${CUDA_VISIBLE_DEVICES:-none}"',
    "# Near the time limit Slurm sends USR1 (--signal): requeue this task; the next attempt resumes from its checkpoint.",
    'trap \'echo "== time limit near: requeueing ${SLURM_JOB_ID}"; scontrol requeue "${SLURM_JOB_ID}"\' USR1',
    `${task.join(" ")} &`,
    "child=$!",
    // `wait` returns early when a trapped signal arrives; wait again until the task itself has ended.
    'while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || break; done',
    'echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) exit ${rc}"',
    'exit "$rc"',
    "",
  ].join("\n");
}

/** One sbatch call of a submission. */
export interface SubmitStep {
  /** "prepare", "general" (the general GAN alone, when cluster GANs start from it), "train", "study". */
  key: "prepare" | "general" | "train" | "study";
  script: SlurmStage;
  /** --array indices (train steps only). */
  indices?: number[];
  /** Keys of the steps this one waits for (afterok). */
  after: SubmitStep["key"][];
}

/**
 * The sbatch calls of a run, in submission order. With `generalFirst` (gan.clusterInit =
 * "general") the general GAN is its own step (array index 0) and the cluster GANs wait for it;
 * otherwise all GANs are one array that waits for the prepare job only.
 */
export function submissionPlan(jobIndices: readonly number[], opts: { generalFirst: boolean }): SubmitStep[] {
  const steps: SubmitStep[] = [{ key: "prepare", script: "prepare", after: [] }];
  const clusters = jobIndices.filter((i) => i !== 0);
  if (opts.generalFirst && jobIndices.includes(0) && clusters.length) {
    steps.push({ key: "general", script: "train", indices: [0], after: ["prepare"] });
    steps.push({ key: "train", script: "train", indices: clusters, after: ["general"] });
    steps.push({ key: "study", script: "study", after: ["general", "train"] });
  } else {
    steps.push({ key: "train", script: "train", indices: [...jobIndices], after: ["prepare"] });
    steps.push({ key: "study", script: "study", after: ["train"] });
  }
  return steps;
}

/** The sbatch arguments of one step, given the job ids of the steps before it. */
export function sbatchArgs(step: SubmitStep, scriptFile: string, jobIds: ReadonlyMap<string, string>): string[] {
  const args = ["--parsable"];
  if (step.indices) args.push(`--array=${arraySpec(step.indices)}`);
  if (step.after.length) {
    const ids = step.after.map((k) => {
      const id = jobIds.get(k);
      if (!id) throw new Error(`step ${step.key} waits for ${k}, which has no job id yet`);
      return id;
    });
    args.push(`--dependency=afterok:${ids.join(":")}`);
  }
  args.push(scriptFile);
  return args;
}
