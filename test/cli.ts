/** Runs the heritage CLI (from dist/) in a child process, as a user would, and collects its output. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../lib/cli/main.js", import.meta.url));

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `onSpawn` receives a function that SIGKILLs the child (to test interrupted runs); `env` adds to (or blanks) the environment. */
export function runCli(args: string[], onSpawn?: (kill: () => void) => void, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HERITAGE_QUIET: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(() => child.kill("SIGKILL"));
  });
}
