/**
 * Issue 13, harvest: a harvest into a folder that already holds a dataset keeps every manifest row;
 * a manifest it cannot merge is refused before anything is written; a run where every record failed
 * exits non-zero and does not claim the source was exhausted.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { parseCsvRecords } from "../../lib/data/csv.js";
import { listDataset } from "../../lib/data/dataset.js";
import { formatSummary, harvest, harvestFailure, type HarvestOptions } from "../../lib/harvest/index.js";
import { fixturesDir, startFixtureServer, type FixtureServer } from "../harvest/fixture-server.js";
import { captureStderr } from "../harvest/helpers.js";
import { runCli } from "../cli.js";

let srv: FixtureServer;
before(async () => {
  srv = await startFixtureServer();
});
after(async () => {
  await srv.close();
});

const fast = { requestsPerSecond: 500, backoffBaseMs: 5, timeoutMs: 400, maxRetries: 1 };
const expected = JSON.parse(readFileSync(path.join(fixturesDir(), "met", "met_expected.json"), "utf8")) as {
  rows: { id: string; candidate: boolean; api: string }[];
};

function opts(outDir: string, extra: Partial<HarvestOptions> = {}): HarvestOptions {
  return { outDir, limit: 3, progressBar: false, http: fast, met: { apiUrl: `${srv.url}/met/api`, csv: `${srv.url}/met/MetObjects.csv` }, ...extra };
}

async function existingDataset(): Promise<string> {
  const out = mkdtempSync(path.join(os.tmpdir(), "rel-harvest-"));
  for (const [f, c] of [["mine/a.png", 10], ["mine/b.png", 200]] as const) {
    mkdirSync(path.join(out, path.dirname(f)), { recursive: true });
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: c, g: 0, b: 0 } } }).png().toFile(path.join(out, f));
  }
  writeFileSync(path.join(out, "manifest.csv"), 'file,label,notes\nmine/a.png,Mine,"first, kept"\nmine/b.png,Mine,second\n');
  return out;
}

test("harvest into a folder with a manifest merges: every earlier row (and its own columns) is kept", async () => {
  const out = await existingDataset();
  const original = readFileSync(path.join(out, "manifest.csv"), "utf8");
  const { value: s, stderr } = await captureStderr(() => harvest("met", opts(out)));
  assert.equal(s.fetched, 3);
  assert.match(stderr, /lists 2 image\(s\) this harvest did not make; they are kept/);
  const { columns, records } = parseCsvRecords(readFileSync(path.join(out, "manifest.csv"), "utf8"));
  assert.ok(columns.includes("notes"), "the extra column survives");
  const files = records.map((r) => r.file);
  assert.deepEqual(files.slice(0, 2), ["mine/a.png", "mine/b.png"]);
  assert.equal(records.length, 5);
  assert.equal(records[0]!.notes, "first, kept");
  assert.equal(records[0]!.label, "Mine");
  // a backup of the manifest as it was
  assert.equal(readFileSync(path.join(out, ".harvest", "manifest-before-harvest.csv"), "utf8"), original);
  // the dataset layer sees all five, and a rerun with a higher limit still keeps them
  assert.equal((await listDataset(out)).items.length, 5);
  await captureStderr(() => harvest("met", opts(out, { limit: 4 })));
  const again = parseCsvRecords(readFileSync(path.join(out, "manifest.csv"), "utf8")).records;
  assert.equal(again.length, 6);
  assert.deepEqual(again.slice(0, 2).map((r) => r.file), ["mine/a.png", "mine/b.png"]);
});

test("a manifest without a file column is refused before anything is written", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "rel-harvest-nofile-"));
  writeFileSync(path.join(out, "manifest.csv"), "path,label\nx.png,A\n");
  await assert.rejects(harvest("met", opts(out)), /manifest\.csv has no "file" column .*cannot merge.*another --out/);
  assert.equal(readFileSync(path.join(out, "manifest.csv"), "utf8"), "path,label\nx.png,A\n");
  assert.ok(!existsSync(path.join(out, "unlabelled")) && !existsSync(path.join(out, "Paintings")));
});


test("a harvest where every record failed exits non-zero, says why, and does not claim the source was exhausted", async () => {
  const candidates = expected.rows.filter((r) => r.candidate).map((r) => r.id);
  // an HTML page instead of JSON is not retried: one fault per record per run (the library run, then the CLI run)
  for (const id of candidates) srv.fault(`/met/api/objects/${id}`, { kind: "html" }, 2);
  const out = mkdtempSync(path.join(os.tmpdir(), "rel-harvest-fail-"));
  const { value: s } = await captureStderr(() => harvest("met", opts(out, { limit: 100 })));
  assert.equal(s.fetched, 0);
  assert.doesNotMatch(formatSummary(s), /source exhausted/);
  assert.match(harvestFailure(s) ?? "", /every record tried failed/);
  const out2 = mkdtempSync(path.join(os.tmpdir(), "rel-harvest-fail-cli-"));
  const r = await runCli(["harvest", "met", "--out", out2, "--limit", "100", "--base-url", `${srv.url}/met/api`, "--met-csv", `${srv.url}/met/MetObjects.csv`, "--rate", "100", "--retries", "0", "--backoff-ms", "5"]);
  assert.notEqual(r.code, 0, r.stderr);
  assert.match(r.stderr, /every record tried failed/);
  assert.doesNotMatch(r.stderr, /source exhausted/);
});

test("MET --base-url alone covers the object listing too: a mirror setup never goes to the internet", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "rel-harvest-mirror-"));
  const before = srv.hits.get("/met/api/MetObjects.csv") ?? 0;
  const env = { HERITAGE_MET_CSV_URL: "", HERITAGE_MET_API_URL: "" };
  const r = await runCli(["harvest", "met", "--out", out, "--limit", "2", "--base-url", `${srv.url}/met/api`, "--rate", "100", "--retries", "0", "--backoff-ms", "5", "--json"], undefined, env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).fetched, 2);
  assert.ok((srv.hits.get("/met/api/MetObjects.csv") ?? 0) > before, "the table was read from the mirror");
  assert.doesNotMatch(r.stderr, /githubusercontent|collectionapi\.metmuseum/);
  // the same through the environment variable alone
  const out2 = mkdtempSync(path.join(os.tmpdir(), "rel-harvest-mirror-env-"));
  const r2 = await runCli(["harvest", "met", "--out", out2, "--limit", "1", "--rate", "100", "--retries", "0", "--backoff-ms", "5"], undefined, { ...env, HERITAGE_MET_API_URL: `${srv.url}/met/api` });
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal((await listDataset(out2)).items.length, 1);
});
