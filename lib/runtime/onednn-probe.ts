/**
 * A guard against a crash we cannot catch: TensorFlow 2.21's oneDNN kernels (the native
 * "tensorflow" backend on the CPU, and Python's TensorFlow alike) die with SIGFPE on this project's
 * AMD EPYC machines in 1x1 convolutions with wide channels (512 -> 1024, 1024 -> 512, 1024 -> 2048:
 * ResNet50's later stages; 512 -> 512 and everything in the DCGANs, MobileNetV2 and InceptionV3
 * run). The process dies without a message. With TF_ENABLE_ONEDNN_OPTS=0 (set before the process
 * starts) TensorFlow uses its own kernels and the same convolutions run; oneDNN stays on by default
 * because it makes a DCGAN training step about 1.5x faster here (892 vs 1361 ms, 64 px, batch 32).
 *
 * `checkWideConv(what)` runs one such convolution in a child process (once per process, about 2
 * seconds) and throws an error that names the fix when the child dies; nothing happens on other
 * backends, on a GPU, or when oneDNN is off.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { backendInfo } from "./backend.js";

let probed: { crashes: boolean; signal: string | null } | null = null;

/** Whether a wide 1x1 convolution kills a fresh process on the native CPU backend with oneDNN on. */
export function wideConvCrashes(): { crashes: boolean; signal: string | null } {
  if (probed) return probed;
  const backend = fileURLToPath(new URL("./backend.js", import.meta.url));
  const code = [
    `const { initBackend, tf } = await import(${JSON.stringify(backend)});`,
    `await initBackend({ prefer: "tensorflow", announce: false });`,
    `const y = tf.conv2d(tf.ones([1, 4, 4, 512]), tf.ones([1, 1, 512, 1024]), 1, "same");`,
    `await y.data();`,
  ].join("\n");
  const got = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 120_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" } });
  // A crash is the child killed by a signal. Not one: our own timeout (got.error is set, the signal is
  // the SIGTERM we sent) or a child that exits with an error (it could not start the backend): then
  // the probe cannot tell, and nothing is refused.
  probed = { crashes: got.signal !== null && !got.error, signal: got.signal };
  return probed;
}

/** Throw (naming the fix) if `what` would kill the process in TensorFlow's oneDNN kernels here. */
export function checkWideConv(what: string): void {
  const b = backendInfo();
  if (!b || b.name !== "tensorflow" || !/CPU/.test(b.device ?? "") || process.env.TF_ENABLE_ONEDNN_OPTS === "0") return;
  const p = wideConvCrashes();
  if (!p.crashes) return;
  throw new Error(
    `${what} would crash this process: TensorFlow's oneDNN kernels die${p.signal ? ` with ${p.signal}` : ""} on this CPU in wide 1x1 convolutions ` +
      `(tested in a child process: 512 -> 1024 channels). Run with TF_ENABLE_ONEDNN_OPTS=0 set before the command ` +
      `(e.g. TF_ENABLE_ONEDNN_OPTS=0 heritage features ...), or with HERITAGE_BACKEND=wasm`,
  );
}
