import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadExperiment, parseExperiment } from "../../lib/config/experiment.js";
import { slurmLayout } from "../../lib/slurm/layout.js";
import { mergeStates, parseSacct, parseScontrolJobs, parseSqueue } from "../../lib/slurm/parse.js";
import { arraySpec, checkTime, expandArraySpec, sbatchArgs, sbatchScript, submissionPlan, type SlurmResources } from "../../lib/slurm/sbatch.js";
import { generalFirst, plannedJobs } from "../../lib/slurm/stages.js";
import { formatStatus, type StatusRow } from "../../lib/slurm/status.js";
import { projectRoot } from "../../lib/util/paths.js";

const res: SlurmResources = { gpusPerTask: 1, cpusPerTask: 4, time: "2:00:00", mem: "16G", partition: "gpu", signalSeconds: 300 };

test("array specs compress and expand", () => {
  assert.equal(arraySpec([0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
  assert.equal(arraySpec([3]), "3");
  assert.equal(arraySpec([2, 1, 1]), "1-2");
  assert.deepEqual(expandArraySpec("0-2,5,7-8"), [0, 1, 2, 5, 7, 8]);
  assert.deepEqual(expandArraySpec("1-7:3%2"), [1, 4, 7]);
  assert.throws(() => arraySpec([]), /at least one/);
  assert.throws(() => checkTime("two hours"), /not a Slurm time limit/);
  assert.equal(checkTime("1-12:00:00"), "1-12:00:00");
});

test("planned jobs: the general GAN, then every cluster of every K of the sweep, named as the train stage names them", async () => {
  const ci = await loadExperiment(path.join(projectRoot(), "experiments", "ci.json"));
  assert.deepEqual(
    plannedJobs(ci, "/r").map((j) => [j.index, j.name, j.outDir]),
    [
      [0, "general", "/r/gans/general"],
      [1, "k2/cluster-0", "/r/gans/k2/cluster-0"],
      [2, "k2/cluster-1", "/r/gans/k2/cluster-1"],
      // ci.json's study also compares clusters trained from scratch (method clustered-scratch).
      [3, "k2/scratch/cluster-0", "/r/gans/k2/scratch/cluster-0"],
      [4, "k2/scratch/cluster-1", "/r/gans/k2/scratch/cluster-1"],
    ],
  );
  const sweep = parseExperiment({ name: "s", cluster: { k: 3, sweep: [3, 1, 2] } });
  assert.deepEqual(
    plannedJobs(sweep, "/r").map((j) => j.name),
    ["general", "k2/cluster-0", "k2/cluster-1", "k3/cluster-0", "k3/cluster-1", "k3/cluster-2"],
  );
  assert.equal(generalFirst(ci), true, "ci.json fine-tunes its cluster GANs from the general GAN");
});

test("submission plan: one array after prepare, or the general GAN first when cluster GANs start from it", () => {
  const flat = submissionPlan([0, 1, 2], { generalFirst: false });
  assert.deepEqual(
    flat.map((s) => [s.key, s.indices ?? null, s.after]),
    [
      ["prepare", null, []],
      ["train", [0, 1, 2], ["prepare"]],
      ["study", null, ["train"]],
    ],
  );
  const ordered = submissionPlan([0, 1, 2], { generalFirst: true });
  assert.deepEqual(
    ordered.map((s) => [s.key, s.indices ?? null, s.after]),
    [
      ["prepare", null, []],
      ["general", [0], ["prepare"]],
      ["train", [1, 2], ["general"]],
      ["study", null, ["general", "train"]],
    ],
  );
  const ids = new Map([
    ["prepare", "10"],
    ["general", "11"],
    ["train", "12"],
  ]);
  assert.deepEqual(sbatchArgs(ordered[2]!, "/r/slurm/train.sbatch", ids), ["--parsable", "--array=1-2", "--dependency=afterok:11", "/r/slurm/train.sbatch"]);
  assert.deepEqual(sbatchArgs(ordered[3]!, "/r/slurm/study.sbatch", ids), ["--parsable", "--dependency=afterok:11:12", "/r/slurm/study.sbatch"]);
  assert.throws(() => sbatchArgs(ordered[3]!, "x", new Map()), /no job id yet/);
});

test("the train script asks for requeue, appending logs, a GPU, the time-limit signal, and runs one job per array task", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sbatch-"));
  const layout = slurmLayout(path.join(dir, "my run"));
  const s = sbatchScript({ stage: "train", runName: "ci", layout, projectRoot: "/proj", node: "/opt/node/bin/node", resources: res, setup: ["module load cuda/12"], backend: "tensorflow" });
  for (const d of ["--requeue", "--open-mode=append", "--gpus-per-task=1", "--cpus-per-task=4", "--partition=gpu", "--time=2:00:00", "--signal=B:USR1@300", "--mem=16G", "--job-name=heritage-ci-train"]) {
    assert.match(s, new RegExp(`^#SBATCH ${d.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"), d);
  }
  assert.match(s, new RegExp(`^#SBATCH --output=${layout.logs.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/train-%A_%a.out$`, "m"));
  assert.match(s, /^module load cuda\/12$/m);
  assert.match(s, /^export HERITAGE_BACKEND=tensorflow$/m);
  assert.match(s, /slurm task --out '.*my run' --stage train --job-index "\$\{SLURM_ARRAY_TASK_ID/);
  assert.match(s, /trap .*scontrol requeue/);
  // #SBATCH lines must come before the first command, or sbatch ignores them.
  const lines = s.split("\n");
  const firstCmd = lines.findIndex((l, i) => i > 0 && l && !l.startsWith("#"));
  assert.ok(lines.slice(firstCmd).every((l) => !l.startsWith("#SBATCH")));
  // Valid bash.
  const check = spawnSync("bash", ["-n"], { input: s, encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  const cpu = sbatchScript({ stage: "study", runName: "ci", layout, projectRoot: "/proj", node: "node", resources: { gpusPerTask: 0, cpusPerTask: 1, signalSeconds: 300 }, setup: [] });
  assert.doesNotMatch(cpu, /^#SBATCH --(gpus-per-task|time|signal)|^export HERITAGE_BACKEND/m);
  assert.match(cpu, /--output=.*study-%j\.out/);
});

// Outputs as Slurm 22.05 (Debian 12) prints them.
test("squeue, sacct and scontrol outputs parse into one state per job or array task", () => {
  const squeue = "5_2|PENDING|Resources\n5_[3-4]|PENDING|Dependency\n5_1|RUNNING|None\n2|PENDING|DependencyNeverSatisfied\n";
  assert.deepEqual(parseSqueue(squeue), [
    { id: "5_2", state: "PENDING", reason: "Resources" },
    { id: "5_3", state: "PENDING", reason: "Dependency" },
    { id: "5_4", state: "PENDING", reason: "Dependency" },
    { id: "5_1", state: "RUNNING" },
    { id: "2", state: "PENDING", reason: "DependencyNeverSatisfied" },
  ]);
  const scontrol =
    "JobId=5 ArrayJobId=5 ArrayTaskId=2-3 JobName=a.sh UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901757 Nice=0 Account=(null) QOS=(null) JobState=PENDING Reason=Resources Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0\n" +
    "JobId=6 ArrayJobId=5 ArrayTaskId=0 JobName=a.sh UserId=root(0) GroupId=root(0) JobState=CANCELLED Reason=None Dependency=(null) Requeue=1 Restarts=1 BatchFlag=1 Reboot=0 ExitCode=0:15\n" +
    "JobId=2 JobName=a.sh UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 ExitCode=0:0\n";
  assert.deepEqual(parseScontrolJobs(scontrol), [
    { id: "5_2", state: "PENDING", reason: "Resources", restarts: 0, exitCode: "0:0" },
    { id: "5_3", state: "PENDING", reason: "Resources", restarts: 0, exitCode: "0:0" },
    { id: "5_0", state: "CANCELLED", restarts: 1, exitCode: "0:15" },
    { id: "2", state: "COMPLETED", restarts: 0, exitCode: "0:0" },
  ]);
  const sacct = "5_0|CANCELLED by 0|0:15\n5_1|COMPLETED|0:0\n5_[2-3]|PENDING|0:0\n";
  assert.deepEqual(
    parseSacct(sacct).map((s) => [s.id, s.state]),
    [
      ["5_0", "CANCELLED"],
      ["5_1", "COMPLETED"],
      ["5_2", "PENDING"],
      ["5_3", "PENDING"],
    ],
  );
  const merged = mergeStates(parseSacct(sacct), parseSqueue("5_0|RUNNING|None\n"));
  assert.equal(merged.get("5_0")!.state, "RUNNING");
  assert.equal(merged.get("5_0")!.exitCode, "0:15");
});

test("the status table: one aligned row per job, pending reasons, and a line saying why a state is unknown", () => {
  const row = (o: Partial<StatusRow>): StatusRow => ({
    step: "train", job: "general", slurmId: "7_0", state: "RUNNING", reason: null, progress: "training",
    epoch: 5, epochs: 40, lossD: 0.5234, lossG: 1.5, attempts: 1, detail: null, ...o,
  });
  const rows = [row({}), row({ step: "study", job: "study", slurmId: "8", state: "PENDING", reason: "Dependency", progress: "not started", epoch: null, epochs: null, lossD: null, lossG: null, attempts: 0 })];
  const table = formatStatus(rows).split("\n");
  assert.equal(table.length, 3);
  assert.match(table[1]!, /^general +7_0 +RUNNING +training +5\/40 +0\.523 +1\.500 +1$/);
  assert.match(table[2]!, /^study +8 +PENDING \(Dependency\) +not started +- +- +- +0$/);
  assert.equal(table[0]!.indexOf("state"), table[1]!.indexOf("RUNNING"), "columns line up");
  assert.match(formatStatus([row({ state: "unknown" })]), /\nunknown: Slurm no longer remembers the job/);
  const down = formatStatus([row({ state: "unknown" })], "sacct, scontrol, squeue: Could not establish a configuration source");
  assert.match(down, /\nSlurm did not answer \(sacct, scontrol, squeue: Could not establish a configuration source\); states are unknown/);
  assert.doesNotMatch(down, /no longer remembers/);
});
