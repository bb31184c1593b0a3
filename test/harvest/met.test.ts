import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { harvest, type HarvestOptions } from "../../lib/harvest/index.js";
import { fixturesDir, startFixtureServer, type FixtureServer } from "./fixture-server.js";
import { captureStderr, checkDataset } from "./helpers.js";

let srv: FixtureServer;
before(async () => {
  srv = await startFixtureServer();
});
after(async () => {
  await srv.close();
});

const fast = { requestsPerSecond: 500, backoffBaseMs: 5, timeoutMs: 400, maxRetries: 3 };
const expected = JSON.parse(readFileSync(path.join(fixturesDir(), "met", "met_expected.json"), "utf8")) as {
  rows: { id: string; candidate: boolean; api: string }[];
};
const takeable = expected.rows.filter((r) => r.candidate && r.api === "ok").map((r) => `met-${r.id}`);

function opts(outDir: string, extra: Partial<HarvestOptions> = {}): HarvestOptions {
  return {
    outDir,
    limit: 100,
    progressBar: false,
    http: fast,
    met: { apiUrl: `${srv.url}/met/api`, csv: `${srv.url}/met/MetObjects.csv` },
    ...extra,
  };
}

test("MET: public-domain paintings only, through 429/500/hang/truncation/HTML faults; a rerun finishes the failures", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-met-"));
  srv.fault("/met/api/objects/436535", { kind: "status", status: 429, retryAfter: "0" });
  srv.fault("/images/met/web-large/437133.jpg", { kind: "status", status: 500 }, 2);
  srv.fault("/met/api/objects/438001", { kind: "hang" });
  srv.fault("/images/met/web-large/438002.jpg", { kind: "truncate" });
  srv.fault("/met/api/objects/438006", { kind: "html" }); // not retried: fails this run
  srv.fault("/images/met/web-large/438007.jpg", { kind: "corrupt" }); // decodes badly: fails this run

  const s1 = await harvest("met", opts(out));
  assert.equal(s1.fetched, takeable.length - 2);
  assert.deepEqual(s1.failed, { "wrong content type": 1, "image does not decode": 1 });
  assert.match(s1.failureExamples["wrong content type"]!, /expected JSON from http:\/\/127\.0\.0\.1:\d+\/met\/api\/objects\/438006 but got an HTML page/);
  // 436105 has no image, 438005 is public domain in the table but not in the API, 438000 is a 404
  assert.deepEqual(s1.rejected, { "no open-access image": 1, "not public domain": 1, "HTTP 404": 1 });
  assert.ok(s1.http.retries >= 5, `retries ${s1.http.retries}`);
  let rows = await checkDataset(out);
  assert.equal(rows.length, takeable.length - 2);
  for (const r of rows) {
    assert.equal(r.source, "met");
    assert.equal(r.license, "CC0 1.0 (The Met Open Access; isPublicDomain=true)");
    assert.match(r.source_url!, /^https:\/\/www\.metmuseum\.org\/art\/collection\/search\/\d+$/);
    assert.match(r.image_url!, /\/images\/met\/web-large\/\d+\.jpg$/, "the small web image by default");
  }
  // the table filters out non-PD (459123) and non-paintings (200001, a vase); 438004 is classed
  // "Drawings" but its Object Name is "Painting", so it is taken
  assert.ok(!rows.some((r) => r.id === "met-459123" || r.id === "met-200001"));
  assert.ok(rows.some((r) => r.id === "met-438004"));
  assert.ok(rows.some((r) => r.id === "met-438003"), "'Paintings-Canvas' matches the classification filter");
  const rembrandt = rows.find((r) => r.id === "met-437000")!;
  assert.equal(rembrandt.title, 'Portrait of a Man, called "The Elder",\nsecond line');
  assert.equal(rembrandt.label, "Paintings");

  // rerun: complete ids cost no request; the two failures are fetched now
  const hitsBefore = srv.hits.get("/met/api/objects/436535");
  const s2 = await harvest("met", opts(out));
  assert.equal(s2.fetched, 2);
  assert.equal(s2.skipped, takeable.length - 2);
  assert.equal(s2.skippedRejected, 3, "rejected-for-good records are not asked again");
  assert.equal(srv.hits.get("/met/api/objects/436535"), hitsBefore, "no request for a complete id");
  rows = await checkDataset(out);
  assert.deepEqual(rows.map((r) => r.id).sort(), [...takeable].sort());

  // a third run has nothing to do
  const s3 = await harvest("met", opts(out));
  assert.equal(s3.fetched, 0);
  assert.equal(s3.total, takeable.length);
});

test("MET: --limit counts what the folder holds, and --label-by century", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-met-limit-"));
  const s1 = await harvest("met", opts(out, { limit: 3, labelBy: "century" }));
  assert.equal(s1.fetched, 3);
  assert.equal(s1.exhausted, false);
  const rows = await checkDataset(out);
  assert.deepEqual(rows.map((r) => r.label), ["19th_century", "19th_century", "17th_century"]);
  const s2 = await harvest("met", opts(out, { limit: 5, labelBy: "century" }));
  assert.equal(s2.fetched, 2);
  assert.equal(s2.skipped, 3);
  assert.equal((await checkDataset(out)).length, 5);
});

test("MET: a local MetObjects.csv works too, and a table without Object ID is refused", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-met-local-"));
  const s = await harvest("met", opts(out, { limit: 2, met: { apiUrl: `${srv.url}/met/api`, csv: path.join(fixturesDir(), "met", "MetObjects.csv") } }));
  assert.equal(s.fetched, 2);
  const bad = await harvest("met", opts(mkdtempSync(path.join(os.tmpdir(), "harvest-met-bad-")), { met: { apiUrl: `${srv.url}/met/api`, csv: `${srv.url}/t/text?n=3` } }));
  assert.match(bad.aborted ?? "", /does not look like MetObjects\.csv/);
  assert.equal(bad.fetched, 0);
});

test("MET: a deleted image is fetched again and a lost manifest is rebuilt from the journal", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-met-repair-"));
  await harvest("met", opts(out, { limit: 4 }));
  const rows = await checkDataset(out);
  rmSync(path.join(out, rows[1]!.file!));
  rmSync(path.join(out, "manifest.csv"));
  const s = await harvest("met", opts(out, { limit: 4 }));
  assert.equal(s.fetched, 1);
  assert.equal(s.skipped, 1, "the run stops as soon as the folder holds 4 again");
  assert.deepEqual((await checkDataset(out)).map((r) => r.id), rows.map((r) => r.id));
  // limit already met: nothing fetched, but the manifest is written
  rmSync(path.join(out, "manifest.csv"));
  const s2 = await harvest("met", opts(out, { limit: 4 }));
  assert.equal(s2.fetched, 0);
  assert.equal((await checkDataset(out)).length, 4);
});

test("MET: a table download that breaks mid-way resumes with a Range request where it stopped", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-met-stream-"));
  srv.fault("/met/MetObjects.csv", { kind: "truncate" });
  const before = srv.hits.get("/met/MetObjects.csv") ?? 0;
  srv.ranges.length = 0;
  const { value: s, stderr } = await captureStderr(() => harvest("met", opts(out)));
  assert.equal(srv.hits.get("/met/MetObjects.csv")! - before, 2, "opened twice");
  assert.match(srv.ranges[0] ?? "", /^\/met\/MetObjects\.csv bytes=\d+- if-range="[0-9a-f]+"$/);
  assert.match(stderr, /resuming at byte \d+/);
  assert.equal(s.aborted, undefined);
  assert.deepEqual((await checkDataset(out)).map((r) => r.id), takeable);
});

test("MET: with 4 records in flight the limit is met exactly, without duplicates", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-met-conc-"));
  srv.fault("/images/met/web-large/437133.jpg", { kind: "status", status: 500 }, 4); // fails for good this run
  srv.fault("/met/api/objects/437000", { kind: "hang" });
  const s = await harvest("met", opts(out, { limit: 7, concurrency: 4 }));
  assert.equal(s.fetched, 7);
  assert.deepEqual(s.failed, { "HTTP 500": 1 });
  const rows = await checkDataset(out);
  assert.equal(rows.length, 7);
  assert.ok(rows.every((r) => takeable.includes(r.id!)));
  const s2 = await harvest("met", opts(out, { limit: 100, concurrency: 4 }));
  assert.equal(s2.total, takeable.length);
  assert.deepEqual((await checkDataset(out)).map((r) => r.id).sort(), [...takeable].sort());
});

test("MET: the run stops after too many failures in a row, keeping what it has", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-met-down-"));
  for (const id of ["436535", "437133"]) srv.fault(`/met/api/objects/${id}`, { kind: "status", status: 503 }, 4);
  const { value: s } = await captureStderr(() => harvest("met", opts(out, { maxConsecutiveFailures: 2 })));
  assert.match(s.aborted ?? "", /2 failures in a row .*HTTP 503/);
  assert.equal(s.fetched, 0);
  assert.deepEqual(await checkDataset(out), []);
});
