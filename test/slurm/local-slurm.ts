/**
 * A real single-node Slurm for tests: munged, slurmctld and slurmd (Debian's slurm-wlm 22.05 and
 * munge) started as this process's children with a slurm.conf for localhost in a temporary folder
 * (proctrack/linuxproc, task/none, no cgroups, no accounting database: job states come from
 * squeue/scontrol, finished jobs are also written by jobcomp/filetxt). SLURM_CONF is set for this
 * process, so sbatch/squeue/scontrol (and lib/slurm) talk to it. `stop` cancels every job and stops
 * the daemons; it is safe to call more than once.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const SLURM_BINARIES = ["munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"];

/** Binaries of the list that are not installed (searching PATH plus the sbin folders). */
export function missingSlurmBinaries(): string[] {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin", "/usr/local/sbin"];
  return SLURM_BINARIES.filter((b) => !dirs.some((d) => d && existsSync(path.join(d, b))));
}

function which(b: string): string {
  for (const d of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin", "/usr/local/sbin"]) {
    if (d && existsSync(path.join(d, b))) return path.join(d, b);
  }
  throw new Error(`${b} is not installed`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LocalSlurm {
  dir: string;
  conf: string;
  env: NodeJS.ProcessEnv;
  /** The last lines of the daemons' logs (for failure messages). */
  logs: () => string;
  stop: () => Promise<void>;
}

export async function startLocalSlurm(opts: { cpus?: number; startTimeoutMs?: number } = {}): Promise<LocalSlurm> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "heritage-slurm-"));
  chmodSync(dir, 0o755); // munged wants every folder above its socket searchable by all
  for (const d of ["state", "spool", "log", "sock", "munge"]) mkdirSync(path.join(dir, d), { recursive: true });
  chmodSync(path.join(dir, "sock"), 0o755);
  chmodSync(path.join(dir, "munge"), 0o700);
  const host = os.hostname().split(".")[0]!;
  const cpus = opts.cpus ?? os.availableParallelism();
  const memMb = Math.max(1024, Math.floor(os.totalmem() / 2 ** 20 / 2));
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const key = path.join(dir, "munge", "munge.key");
  const sock = path.join(dir, "sock", "munge.socket");
  const conf = path.join(dir, "slurm.conf");
  writeFileSync(
    conf,
    [
      "ClusterName=heritage-test",
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      "CredType=cred/munge",
      // cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
      `AuthInfo=socket=${sock},cred_expire=10`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "MpiDefault=none",
      "SwitchType=switch/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "JobCompType=jobcomp/filetxt",
      `JobCompLoc=${dir}/log/jobcomp.txt`,
      "ReturnToService=2",
      "MinJobAge=3600",
      "KillWait=5",
      "SchedulerType=sched/backfill",
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memMb} State=UNKNOWN`,
      "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
      "",
    ].join("\n"),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const keyGen = spawnSync(which("mungekey"), ["-c", "-k", key], { encoding: "utf8" });
  if (keyGen.status !== 0) throw new Error(`mungekey -c failed: ${keyGen.stderr}`);
  const children: ChildProcess[] = [];
  const launch = (name: string, bin: string, args: string[]) => {
    const out = openSync(path.join(dir, "log", `${name}.out`), "a");
    const child = spawn(which(bin), args, { env, stdio: ["ignore", out, out] });
    children.push(child);
    return child;
  };
  const logs = () =>
    ["munged.log", "munged.out", "slurmctld.out", "slurmctld.log", "slurmd.out", "slurmd.log"]
      .map((f) => path.join(dir, "log", f))
      .filter(existsSync)
      .map((f) => `--- ${f}\n${readFileSync(f, "utf8").split("\n").slice(-15).join("\n")}`)
      .join("\n");
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Jobs first (their slurmstepd processes outlive slurmd), then the daemons in reverse order.
    spawnSync(which("scancel"), ["--user=root", "--full"], { env, timeout: 15_000 });
    for (let i = 0; i < 30; i++) {
      const q = spawnSync(which("squeue"), ["-h", "-t", "all", "-o", "%i %T"], { env, encoding: "utf8", timeout: 10_000 });
      if (q.status !== 0 || !/RUNNING|COMPLETING|CONFIGURING/.test(q.stdout)) break;
      await sleep(1000);
    }
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill("SIGTERM");
      const done = await Promise.race([new Promise((r) => child.once("exit", () => r(true))), sleep(10_000).then(() => false)]);
      if (!done) child.kill("SIGKILL");
    }
  };
  process.once("exit", () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
  try {
    launch("munged", "munged", ["-F", `--key-file=${key}`, `--socket=${sock}`, `--pid-file=${dir}/munge/munged.pid`, `--log-file=${dir}/log/munged.log`, `--seed-file=${dir}/munge/munged.seed`]);
    for (let i = 0; i < 50 && !existsSync(sock); i++) await sleep(100);
    if (!existsSync(sock)) throw new Error("munged did not create its socket");
    launch("slurmctld", "slurmctld", ["-D", "-f", conf]);
    await sleep(1000);
    launch("slurmd", "slurmd", ["-D", "-f", conf, "-N", host]);
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    for (;;) {
      const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
      if (dead) throw new Error(`${dead.spawnfile} exited (${dead.exitCode ?? dead.signalCode})`);
      const s = spawnSync(which("sinfo"), ["-h", "-o", "%T"], { env, encoding: "utf8", timeout: 10_000 });
      if (s.status === 0 && /^idle/m.test(s.stdout)) break;
      if (Date.now() > deadline) throw new Error(`the node did not become idle within ${(opts.startTimeoutMs ?? 60_000) / 1000} s (sinfo: ${s.stdout.trim() || s.stderr.trim()})`);
      await sleep(500);
    }
  } catch (err) {
    const text = logs();
    await stop();
    throw new Error(`local Slurm did not start in ${dir}: ${(err as Error).message}\n${text}`);
  }
  process.env.SLURM_CONF = conf;
  return { dir, conf, env, logs, stop };
}
