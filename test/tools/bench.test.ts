/**
 * `heritage bench`'s measuring child (tools/bench/child.ts) on a toy model: the steps read their
 * results asynchronously, so every backend can be timed, webgpu (software adapter) included; in the
 * default rows a software webgpu adapter is reported, not timed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RESULT_PREFIX, type ChildSpec } from "../../tools/bench/backends.js";
import type { StepBenchResult } from "../../tools/bench/dcgan-step.js";

const childJs = fileURLToPath(new URL("../../tools/bench/child.js", import.meta.url));

const TOY: ChildSpec["steps"] = {
  arch: { imageSize: 32, nz: 8, ngf: 4, ndf: 4, channels: 3 },
  trainBatch: 2,
  zBatch: 2,
  steps: 1,
  warmup: 0,
};

function runChild(spec: ChildSpec): { ok: boolean; out?: { info: { name: string; device?: string }; result?: StepBenchResult; skipped?: string }; stderr: string } {
  const r = spawnSync(process.execPath, [childJs, JSON.stringify(spec)], { encoding: "utf8", timeout: 180_000, env: { ...process.env, HERITAGE_THREADS: "1" } });
  const line = r.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  return { ok: r.status === 0 && line !== undefined, out: line ? JSON.parse(line.slice(RESULT_PREFIX.length)) : undefined, stderr: r.stderr };
}

function assertTimed(res: StepBenchResult | undefined): void {
  assert.ok(res?.train && res.z, "both steps timed");
  assert.equal(res.train.samplesMs.length, 1);
  assert.ok(res.train.medianMs > 0 && Number.isFinite(res.train.gflops));
  assert.ok(res.z.medianMs > 0 && Number.isFinite(res.z.gflops));
}

test("bench child times the toy steps on cpu", () => {
  const r = runChild({ backend: "cpu", steps: TOY });
  assert.ok(r.ok, r.stderr);
  assert.equal(r.out!.info.name, "cpu");
  assertTimed(r.out!.result);
});

test("bench child times webgpu when named (any adapter), and only reports a software adapter in the default rows", (t) => {
  const named = runChild({ backend: "webgpu", steps: TOY });
  if (!named.ok) {
    if (process.env.CI === "true") assert.fail(`webgpu did not start: ${named.stderr.slice(-1500)}`);
    return t.skip("no webgpu adapter here (Mesa EGL/GLES packages, see README)");
  }
  assert.equal(named.out!.info.name, "webgpu");
  assertTimed(named.out!.result);
  const dflt = runChild({ backend: "webgpu", hardwareOnly: true, steps: TOY });
  assert.ok(dflt.ok, dflt.stderr);
  if (/\[software\]/.test(dflt.out!.info.device ?? "")) {
    assert.equal(dflt.out!.result, undefined);
    assert.match(dflt.out!.skipped ?? "", /only a software adapter here .*--backends webgpu/);
  } else assertTimed(dflt.out!.result);
});
