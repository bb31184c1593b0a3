/**
 * The chooser and `@tensorflow/tfjs-node-gpu` (an optional dependency that npm drops here, where its
 * libtensorflow download fails):
 * - absent: the automatic choice says why tensorflow-gpu was not used;
 * - present without a GPU (a stand-in package: tfjs-node-native's JavaScript and binding under the
 *   name @tensorflow/tfjs-node-gpu, found through NODE_PATH): the chooser loads it, sees that
 *   TensorFlow found no GPU device, says so, and then runs `tensorflow` on the CPU with it (a second
 *   binding cannot register "tensorflow" in the same process).
 * The second test needs the binding built by `npm run native-tf` and is skipped without it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const backendJs = fileURLToPath(new URL("../../lib/runtime/backend.js", import.meta.url));

interface Choice {
  name: string;
  provider: string;
  device?: string;
  skipped?: Array<{ name: string; reason: string }>;
}

function choose(env: Record<string, string>): Choice {
  const code = `
    const { initBackend } = await import(${JSON.stringify(backendJs)});
    console.log(JSON.stringify(await initBackend({ announce: false })));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    env: { ...process.env, HERITAGE_BACKEND: "", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Choice;
}

function resolvable(pkg: string): string | null {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return null;
  }
}

test("tfjs-node-gpu absent: the automatic choice says why tensorflow-gpu was not used", (t) => {
  if (resolvable("@tensorflow/tfjs-node-gpu")) return t.skip("@tensorflow/tfjs-node-gpu is installed here");
  const c = choose({ HERITAGE_THREADS: "1" });
  const s = c.skipped?.find((x) => x.name === "tensorflow-gpu");
  assert.ok(s, `no tensorflow-gpu entry in ${JSON.stringify(c.skipped)}`);
  assert.match(s.reason, /not installed \(optional dependency/);
  assert.match(s.reason, /CUDA 11\.2 \/ cuDNN 8\.1/);
});

test("tfjs-node-gpu present without a GPU: found through NODE_PATH, reported, used on the CPU", (t) => {
  const native = resolvable("tfjs-node-native");
  if (!native || !existsSync(join(native, "deps", "lib", "libtensorflow.so"))) {
    return t.skip("tfjs-node-native is not built: run `npm run native-tf`");
  }
  const root = mkdtempSync(join(tmpdir(), "heritage-tfjs-node-gpu-"));
  try {
    const pkg = join(root, "node_modules", "@tensorflow", "tfjs-node-gpu");
    mkdirSync(pkg, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(native, "package.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ ...manifest, name: "@tensorflow/tfjs-node-gpu" }, null, 2));
    cpSync(join(native, "dist"), join(pkg, "dist"), { recursive: true });
    cpSync(join(native, "lib"), join(pkg, "lib"), { recursive: true });
    // The binding finds libtensorflow through its rpath $ORIGIN/../../deps/lib.
    symlinkSync(join(native, "deps"), join(pkg, "deps"));

    // Its dependencies (@tensorflow/tfjs, node-pre-gyp) come from the project's node_modules.
    const nodePath = [join(root, "node_modules"), fileURLToPath(new URL("../../../node_modules", import.meta.url))].join(":");
    const c = choose({ NODE_PATH: nodePath, HERITAGE_THREADS: "1" });
    const s = c.skipped?.find((x) => x.name === "tensorflow-gpu");
    assert.ok(s, `no tensorflow-gpu entry in ${JSON.stringify(c)}`);
    assert.match(s.reason, /@tensorflow\/tfjs-node-gpu loads \(TensorFlow .*\) but TensorFlow found no GPU device/);
    assert.equal(c.name, "tensorflow");
    assert.equal(c.provider, "@tensorflow/tfjs-node-gpu, no GPU device: on the CPU");
    assert.match(c.device ?? "", /^TensorFlow .*, CPU$/);

    const forced = choose({ NODE_PATH: nodePath, HERITAGE_BACKEND: "tensorflow" });
    assert.equal(forced.provider, "@tensorflow/tfjs-node-gpu, no GPU device: on the CPU");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
