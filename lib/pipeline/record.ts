/** What a run records about itself: config, seed, backend, versions, git commit, timings. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { backendInfo } from "../runtime/backend.js";
import { projectRoot } from "../util/paths.js";

export interface RunRecord {
  name: string;
  seed: number;
  startedAt: string;
  backend: ReturnType<typeof backendInfo>;
  versions: Record<string, string>;
  commit: string | null;
  dirty: boolean | null;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; platform: string };
}

export function gitCommit(): { commit: string | null; dirty: boolean | null } {
  try {
    const root = projectRoot();
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

export function runRecord(name: string, seed: number): RunRecord {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { version: string };
  const cpus = os.cpus();
  return {
    name,
    seed,
    startedAt: new Date().toISOString(),
    backend: backendInfo(),
    versions: { "heritage-inpaint": pkg.version, node: process.version, tfjs: tf.version.tfjs },
    ...gitCommit(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.arch()}`,
    },
  };
}

export { describeDifference, recordDifferences, reuseOrRefuse, StageMismatchError, type RecordDifference, type ReuseOptions, type StageRecord } from "../util/reuse.js";
