import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { acquireLock, journalPath, lockPath } from "../../lib/harvest/journal.js";
import { fixturesDir, startFixtureServer, type FixtureServer } from "./fixture-server.js";
import { checkDataset } from "./helpers.js";
import { runCli } from "../cli.js";

let srv: FixtureServer;
before(async () => {
  srv = await startFixtureServer();
});
after(async () => {
  await srv.close();
});



test("a harvest killed (SIGKILL) mid-run and restarted loses nothing and duplicates nothing", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-kill-"));
  const args = [
    "harvest", "met", "--out", out, "--limit", "9",
    "--base-url", `${srv.url}/met/api`, "--met-csv", `${srv.url}/met/MetObjects.csv`,
    "--rate", "100", "--backoff-ms", "5", "--timeout", "5", "--json",
  ];
  // first run: on the 5th image request, hold the response and kill the process while it waits
  let images = 0;
  let kill: () => void = () => undefined;
  srv.onRequest = (p) => {
    if (!p.startsWith("/images/")) return;
    if (++images === 5) {
      srv.holdImages = true;
      setTimeout(() => kill(), 150);
    }
  };
  const first = await runCli(args, (k) => (kill = k));
  srv.onRequest = undefined;
  srv.holdImages = false;
  assert.equal(first.signal, "SIGKILL", `the first run should have been killed; stderr: ${first.stderr}`);
  const journal = readFileSync(journalPath(out), "utf8");
  assert.equal(journal.trim().split("\n").filter((l) => l.includes('"status":"done"')).length, 4);
  assert.ok(existsSync(lockPath(out)), "the killed run left its lock behind");

  // make the leftovers worse: a journal line cut mid-write and a partial download
  appendFileSync(journalPath(out), '{"id":"met-4380');
  mkdirSync(path.join(out, ".harvest", "tmp"), { recursive: true });
  writeFileSync(path.join(out, ".harvest", "tmp", "met-438003.jpg.99999.part"), Buffer.alloc(100, 1));

  const second = await runCli(args);
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout) as { fetched: number; skipped: number; partialsRemoved: number; total: number };
  assert.equal(summary.fetched, 5);
  assert.equal(summary.skipped, 4);
  assert.equal(summary.partialsRemoved, 1);
  assert.equal(summary.total, 9);
  assert.match(second.stderr, /ignored 1 cut journal line/);

  const rows = await checkDataset(out);
  const expected = (JSON.parse(readFileSync(path.join(fixturesDir(), "met", "met_expected.json"), "utf8")) as { rows: { id: string; candidate: boolean; api: string }[] }).rows
    .filter((r) => r.candidate && r.api === "ok")
    .slice(0, 9)
    .map((r) => `met-${r.id}`);
  assert.deepEqual(rows.map((r) => r.id), expected, "each id exactly once, in source order");
  const done = readFileSync(journalPath(out), "utf8").split("\n").filter((l) => l.includes('"status":"done"'));
  assert.equal(done.length, 9, "each image journalled once");
  assert.ok(!existsSync(lockPath(out)), "the lock is released at the end");
});

test("a folder being harvested by a live process is refused; a stale lock is taken over", () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-lock-"));
  mkdirSync(path.join(out, ".harvest"), { recursive: true });
  writeFileSync(lockPath(out), String(process.ppid)); // a live process that is not us
  assert.throws(() => acquireLock(out), /another harvest \(pid \d+\) is writing to/);
  writeFileSync(lockPath(out), "999999999"); // no such process
  const release = acquireLock(out);
  assert.equal(readFileSync(lockPath(out), "utf8"), String(process.pid));
  release();
  assert.ok(!existsSync(lockPath(out)));
});
