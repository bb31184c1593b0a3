/**
 * The Slurm path against a real Slurm (slurmctld + slurmd + munged started by ./local-slurm.ts):
 * the ci preset as prepare -> a 3-task GAN array -> study must give the same models and study
 * numbers as an in-process run with the same seed; a task cancelled mid-training and requeued must
 * resume from its checkpoint and end with the same weights as an uninterrupted training.
 * Skips (with the reason) where Slurm is not installed or we are not root, unless CI=true.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { loadExperiment, parseExperiment } from "../../lib/config/experiment.js";
import { runExperiment, type RunSummary } from "../../lib/pipeline/run.js";
import { isFailed, type SlurmJobState } from "../../lib/slurm/parse.js";
import { jobStates } from "../../lib/slurm/query.js";
import { trainJob } from "../../lib/slurm/stages.js";
import { runStatus } from "../../lib/slurm/status.js";
import type { Submission } from "../../lib/slurm/submit.js";
import type { TaskRecord } from "../../lib/slurm/task.js";
import { readJson } from "../../lib/util/fs.js";
import { projectRoot } from "../../lib/util/paths.js";
import { missingSlurmBinaries, startLocalSlurm, type LocalSlurm } from "./local-slurm.js";

// One thread everywhere (the array tasks get --cpus-per-task=1), so both sides do the same arithmetic.
process.env.HERITAGE_THREADS = "1";

const missing = missingSlurmBinaries();
const isRoot = process.getuid?.() === 0;
const why = missing.length ? `Slurm is not installed (missing ${missing.join(", ")}; apt-get install slurm-wlm munge)` : !isRoot ? "slurmd must run as root here (SlurmUser=root)" : null;
const skip = why && !process.env.CI ? `skipped: ${why}` : false;
const bin = path.join(projectRoot(), "bin", "heritage.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let slurm: LocalSlurm | null = null;

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], { env: process.env, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `heritage ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Poll Slurm until `done` says so; fail at once when a job of `ids` fails unexpectedly, or at the time limit. */
async function waitFor(
  what: string,
  ids: string[],
  done: (states: Map<string, SlurmJobState>) => boolean | Promise<boolean>,
  opts: { timeoutMs: number; allowFailed?: string[] },
): Promise<Map<string, SlurmJobState>> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const states = await jobStates(ids);
    if (await done(states)) return states;
    const bad = [...states.values()].find((s) => isFailed(s.state) && !(opts.allowFailed ?? []).includes(s.id));
    const never = [...states.values()].find((s) => s.reason === "DependencyNeverSatisfied" && !(opts.allowFailed ?? []).length);
    const stuck = bad ?? never;
    if (stuck || Date.now() > deadline) {
      const dump = [...states.values()].map((s) => `${s.id} ${s.state}${s.reason ? ` (${s.reason})` : ""}`).join(", ");
      assert.fail(`${stuck ? `job ${stuck.id} is ${stuck.state}${stuck.reason ? ` (${stuck.reason})` : ""}` : `timed out after ${opts.timeoutMs / 1000} s`} while waiting for ${what}: ${dump}\n${slurm?.logs() ?? ""}`);
    }
    await sleep(1000);
  }
}

function sameBytes(a: string, b: string, what: string): void {
  assert.ok(existsSync(a) && existsSync(b), `${what}: ${existsSync(a) ? b : a} is missing`);
  assert.ok(readFileSync(a).equals(readFileSync(b)), `${what}: ${a} and ${b} differ`);
}

function submit(configFile: string, runDir: string): Submission {
  return JSON.parse(cli(["slurm", "submit", "--config", configFile, "--out", runDir, "--cpus-per-task", "1", "--json"])) as Submission;
}

describe("heritage slurm on a real single-node Slurm", { skip, timeout: 25 * 60_000 }, () => {
  before(async () => {
    if (why) throw new Error(`CI=true but ${why}; .ci/run installs slurm-wlm and munge`);
    slurm = await startLocalSlurm();
  });
  after(async () => {
    await slurm?.stop();
  });

  test("the ci preset as prepare -> a GAN array of 3 tasks -> study equals the in-process run", async () => {
    const ciFile = path.join(projectRoot(), "experiments", "ci.json");
    const cfg = await loadExperiment(ciFile);
    const refDir = mkdtempSync(path.join(os.tmpdir(), "slurm-ref-"));
    const ref = await runExperiment({ config: cfg, out: refDir, report: false });

    const runDir = mkdtempSync(path.join(os.tmpdir(), "slurm-run-"));
    const sub = submit(ciFile, runDir);
    const train = sub.steps.find((s) => s.key === "train")!;
    assert.ok(train.indices!.length >= 3, "at least 3 array tasks");
    // ci.json fine-tunes its cluster GANs from the general GAN (gan.clusterInit "general"), so the
    // general GAN is a step of its own that the cluster array waits for.
    assert.equal(cfg.gan.clusterInit, "general");
    assert.deepEqual(sub.steps.map((s) => s.key), ["prepare", "general", "train", "study"]);
    const study = sub.steps.find((s) => s.key === "study")!.jobId!;
    const ids = sub.steps.map((s) => s.jobId!);
    await waitFor("the study job", ids, (st) => st.get(study)?.state === "COMPLETED", { timeoutMs: 12 * 60_000 });

    for (const job of sub.jobs) {
      const refJob = path.join(refDir, path.relative(runDir, job.outDir));
      for (const part of ["generator", "discriminator"]) sameBytes(path.join(refJob, part, "weights.bin"), path.join(job.outDir, part, "weights.bin"), `${job.name} ${part}`);
    }
    const got = await readJson<RunSummary>(path.join(runDir, "summary.json"));
    assert.deepEqual(got.study.stats, ref.study.stats, "study numbers equal the in-process run");
    assert.deepEqual(got.routingAccuracy, ref.routingAccuracy);
    assert.deepEqual(got.clusterings.map((c) => c.sizes), ref.clusterings.map((c) => c.sizes));
    assert.ok(existsSync(path.join(runDir, "report.html")), "the study job wrote the report");

    // Every array task ran once on its own; the logs are where the scripts say.
    const { rows } = await runStatus(runDir);
    assert.equal(rows.length, 1 + 1 + train.indices!.length + 1);
    for (const r of rows) {
      assert.equal(r.state, "COMPLETED", `${r.job}: ${r.state}`);
      assert.equal(r.attempts, 1, `${r.job} attempts`);
    }
    for (const r of rows.filter((x) => x.step === "train" || x.step === "general")) {
      assert.equal(r.progress, "complete");
      // Fine-tunes run gan.transfer.steps steps, not gan.epochs epochs.
      if (r.job === "general" || r.job.includes("/scratch/")) assert.equal(r.epoch, cfg.gan.epochs, r.job);
      else assert.ok(r.epoch !== null && r.epoch >= 1, `${r.job}: epoch ${r.epoch}`);
      assert.ok(Number.isFinite(r.lossD) && Number.isFinite(r.lossG));
      assert.ok(existsSync(path.join(runDir, "slurm", "logs", `train-${r.slurmId}.out`)), `log of ${r.slurmId}`);
    }
    const table = cli(["slurm", "status", "--out", runDir]);
    assert.match(table, /k2\/cluster-1 .*COMPLETED +complete/);
    assert.doesNotMatch(table, /Slurm did not answer|unknown/);
  });

  // Bit-identity across the resume needs Adam's running beta powers in the checkpoint (lib/gan/checkpoint.ts):
  // tfjs recomputes them as pow(beta2, t + 1) on load, a few ulps off the accumulated product for most t.
  test("a GAN task cancelled mid-run (scancel) and requeued (heritage slurm resume) resumes from its checkpoint", async (t) => {
    const raw = JSON.parse(readFileSync(path.join(projectRoot(), "experiments", "ci.json"), "utf8")) as Record<string, any>;
    const epochs = 40;
    const cfgJson = { ...raw, name: "ci-requeue", gan: { ...raw.gan, epochs } };
    const cfg = parseExperiment(cfgJson);
    const tmp = mkdtempSync(path.join(os.tmpdir(), "slurm-requeue-"));
    const cfgFile = path.join(tmp, "ci-requeue.json");
    writeFileSync(cfgFile, JSON.stringify(cfgJson));
    const runDir = path.join(tmp, "run");
    const sub = submit(cfgFile, runDir);
    const ids = sub.steps.map((s) => s.jobId!);
    // The general GAN is array index 0 of its own step (cluster GANs fine-tune from it).
    const taskId = `${sub.steps.find((s) => s.key === "general")!.jobId}_0`;
    const study = sub.steps.find((s) => s.key === "study")!.jobId!;
    const general = sub.jobs[0]!.outDir;

    // Wait until the general GAN has a checkpoint of epoch >= 3 and is still training, then cancel it.
    await waitFor(
      "the general GAN's 3rd checkpoint",
      ids,
      async (st) => {
        const latest = path.join(general, "checkpoints", "latest.json");
        return st.get(taskId)?.state === "RUNNING" && existsSync(latest) && (await readJson<{ epoch: number }>(latest)).epoch >= 3;
      },
      { timeoutMs: 8 * 60_000 },
    );
    const c = spawnSync("scancel", [taskId], { env: process.env, encoding: "utf8", timeout: 30_000 });
    assert.equal(c.status, 0, c.stderr);
    await waitFor(`${taskId} to be cancelled`, ids, (st) => st.get(taskId)?.state === "CANCELLED", { timeoutMs: 60_000, allowFailed: [taskId] });
    assert.ok(!existsSync(path.join(general, "card.json")), `the cancel came too late: ${taskId} had finished all ${epochs} epochs`);
    const atCancel = (await readJson<{ epoch: number }>(path.join(general, "checkpoints", "latest.json"))).epoch;

    // `heritage slurm status` after the cancel: the task's Slurm state beside its epoch and losses from the run folder.
    const cancelled = cli(["slurm", "status", "--out", runDir]);
    t.diagnostic(`heritage slurm status after the scancel:\n${cancelled}`);
    assert.match(cancelled, /^job +slurm id +state +progress +epoch +loss D +loss G +attempts +note$/m);
    assert.match(cancelled, new RegExp(`^general +${taskId} +CANCELLED +training +\\d+/${epochs} +\\d+\\.\\d{3} +\\d+\\.\\d{3} +1 +cancelled while running; heritage slurm resume requeues it$`, "m"));
    assert.match(cancelled, new RegExp(`^study +${study} +PENDING \\((Dependency|DependencyNeverSatisfied)\\) +not started`, "m"));
    assert.doesNotMatch(cancelled, /Slurm did not answer|unknown/);

    const resumed = JSON.parse(cli(["slurm", "resume", "--out", runDir, "--json"])) as { requeued: string[]; rearmed: { job: string }[] };
    assert.deepEqual(resumed.requeued, [taskId]);
    assert.ok(resumed.rearmed.some((r) => r.job === study), "the study's dependency is set again");
    await waitFor("the study job after the requeue", ids, (st) => st.get(study)?.state === "COMPLETED", { timeoutMs: 12 * 60_000 });

    const rec = await readJson<TaskRecord>(path.join(runDir, "slurm", "tasks", "train-0.json"));
    assert.equal(rec.attempts.length, 2, "two attempts: cancelled, then requeued");
    assert.equal(rec.attempts[0]!.status, "running", "the first attempt was killed before it could record an end");
    assert.equal(rec.attempts[1]!.restart, 1, "SLURM_RESTART_COUNT of the requeued attempt");
    const from = rec.attempts[1]!.resumedFrom!;
    assert.ok(from >= atCancel && from < epochs, `resumed after epoch ${from} (checkpoint at cancel: ${atCancel})`);
    const log = readFileSync(path.join(runDir, "slurm", "logs", `train-${taskId}.out`), "utf8");
    assert.match(log, new RegExp(`resuming after epoch ${from} of ${epochs}`));
    assert.match(log, /CANCELLED/);
    const status = (await runStatus(runDir)).rows.find((r) => r.job === "general")!;
    assert.deepEqual([status.state, status.progress, status.epoch, status.attempts], ["COMPLETED", "complete", epochs, 2]);
    assert.equal(status.detail, `resumed after epoch ${from}`);
    // --run NAME reads results/NAME: a link there to this run folder.
    const name = `slurm-test-${process.pid}`;
    const link = path.join(projectRoot(), "results", name);
    symlinkSync(runDir, link);
    try {
      const done = cli(["slurm", "status", "--run", name]);
      t.diagnostic(`heritage slurm status --run ${name} at the end:\n${done}`);
      assert.match(done, new RegExp(`^general +${taskId} +COMPLETED +complete +${epochs}/${epochs} .* 2 +resumed after epoch ${from}$`, "m"));
      assert.match(done, new RegExp(`^study +${study} +COMPLETED +done `, "m"));
    } finally {
      rmSync(link, { force: true });
    }

    // The same job trained without interruption, in this process, on the same split and clusters.
    const refDir = path.join(tmp, "ref");
    cpSync(path.join(runDir, "split.json"), path.join(refDir, "split.json"));
    cpSync(path.join(runDir, "clusters"), path.join(refDir, "clusters"), { recursive: true });
    const r = await trainJob(cfg, refDir, "general");
    assert.equal(r.result!.resumedFrom, 0);
    for (const part of ["generator", "discriminator"]) sameBytes(path.join(refDir, "gans", "general", part, "weights.bin"), path.join(general, part, "weights.bin"), `general ${part}`);
  });
});
