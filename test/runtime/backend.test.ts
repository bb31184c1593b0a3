/**
 * Backend choice and wasm threads: HERITAGE_THREADS parsing, a threaded wasm start in Node
 * (the worker served from a file), and that a process using it still exits by itself.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { MAX_WASM_THREADS, requestedThreads } from "../../lib/runtime/wasm-setup.js";

const backendJs = fileURLToPath(new URL("../../lib/runtime/backend.js", import.meta.url));

function runNode(code: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("requestedThreads: explicit, HERITAGE_THREADS, capped at the worker pool", () => {
  const saved = process.env.HERITAGE_THREADS;
  try {
    delete process.env.HERITAGE_THREADS;
    assert.equal(requestedThreads(3), 3);
    assert.equal(requestedThreads(100), MAX_WASM_THREADS);
    assert.ok(requestedThreads() >= 1);
    process.env.HERITAGE_THREADS = "2";
    assert.equal(requestedThreads(), 2);
    process.env.HERITAGE_THREADS = "zero";
    assert.throws(() => requestedThreads(), /HERITAGE_THREADS=zero/);
  } finally {
    if (saved === undefined) delete process.env.HERITAGE_THREADS;
    else process.env.HERITAGE_THREADS = saved;
  }
});

for (const threads of [1, 2]) {
  test(`wasm backend with HERITAGE_THREADS=${threads}: starts, computes, says so, and the process exits`, () => {
    const code = `
      const { initBackend, tf } = await import(${JSON.stringify(backendJs)});
      const info = await initBackend();
      const y = tf.conv2d(tf.ones([2, 9, 9, 4]), tf.ones([3, 3, 4, 8]), 1, "same");
      const s = (await tf.sum(y).data())[0];
      console.log(JSON.stringify({ ...info, s }));
    `;
    const r = runNode(code, { HERITAGE_BACKEND: "wasm", HERITAGE_THREADS: String(threads), HERITAGE_QUIET: "0" });
    assert.equal(r.status, 0, `child failed or hung: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { name: string; threads: number; s: number };
    assert.equal(out.name, "wasm");
    assert.equal(out.threads, threads);
    // Sum of a 3x3x4 all-ones convolution over a 9x9 'same' grid: border pixels see fewer taps.
    const perChannel = (7 * 7 * 9 + 4 * 7 * 6 + 4 * 4) * 4;
    assert.equal(out.s, 2 * 8 * perChannel);
    assert.match(r.stderr, new RegExp(`tfjs backend: wasm .*${threads} thread`));
  });
}

test("HERITAGE_BACKEND=cpu is obeyed", () => {
  const code = `
    const { initBackend } = await import(${JSON.stringify(backendJs)});
    console.log(JSON.stringify(await initBackend({ announce: false })));
  `;
  const r = runNode(code, { HERITAGE_BACKEND: "cpu" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout.trim().split("\n").pop()!) as { name: string }).name, "cpu");
});

test("the automatic choice probes webgpu quietly: no Dawn 'Couldn't load Vulkan' on stderr, the reason in the announcement", () => {
  const code = `
    const { initBackend } = await import(${JSON.stringify(backendJs)});
    console.log(JSON.stringify(await initBackend()));
    process.exit(0);
  `;
  const r = runNode(code, { HERITAGE_BACKEND: "", HERITAGE_THREADS: "1", HERITAGE_QUIET: "0" });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Couldn't load Vulkan/);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { name: string; skipped?: Array<{ name: string; reason: string }> };
  const webgpu = out.skipped?.find((s) => s.name === "webgpu");
  if (webgpu) assert.match(r.stderr, new RegExp(`not webgpu: ${webgpu.reason.slice(0, 30).replace(/[()[\]]/g, "\\$&")}`));
});
