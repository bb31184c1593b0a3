import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { listDataset } from "../../lib/data/dataset.js";
import { harvest, originalImageUrl, type HarvestOptions } from "../../lib/harvest/index.js";
import { startFixtureServer, type FixtureServer } from "./fixture-server.js";
import { captureStderr, checkDataset, listFiles } from "./helpers.js";

const KEY = "test-secret-key-123";
let srv: FixtureServer;
before(async () => {
  srv = await startFixtureServer({ rijksKey: KEY });
});
after(async () => {
  await srv.close();
});

const fast = { requestsPerSecond: 500, backoffBaseMs: 5, timeoutMs: 400, maxRetries: 3 };

function allText(dir: string): string {
  let s = "";
  const walk = (rel: string) => {
    for (const n of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, n.name);
      if (n.isDirectory()) walk(r);
      else if (/\.(csv|jsonl|json)$/.test(n.name)) s += readFileSync(path.join(dir, r), "utf8");
    }
  };
  walk("");
  return s;
}

function rijksOpts(outDir: string, extra: Partial<HarvestOptions> = {}): HarvestOptions {
  return {
    outDir,
    limit: 100,
    progressBar: false,
    http: fast,
    rijksmuseum: { apiKey: KEY, baseUrl: `${srv.url}/rijks`, pageSize: 4 },
    ...extra,
  };
}

test("Rijksmuseum: openly licensed paintings over paginated results; the API key is never logged or stored", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-rijks-"));
  srv.fault("/rijks/api/en/collection/SK-A-180", { kind: "status", status: 500 }, 4); // exhausts 3 retries
  srv.fault("/images/rijks/SK-A-2344.jpg", { kind: "hang" });
  const { value: s, stderr } = await captureStderr(() => harvest("rijksmuseum", rijksOpts(out)));
  assert.equal(s.fetched, 7);
  assert.deepEqual(s.rejected, { "not openly licensed (permitDownload=false)": 1 });
  assert.deepEqual(s.failed, { "HTTP 500": 1 });
  assert.match(s.failureExamples["HTTP 500"]!, /collection\/SK-A-180\?key=\*\*\*/);
  // the key appears nowhere: not in logs, errors, the journal or the manifest
  assert.ok(stderr.includes("SK-A-180"), "the failure was logged");
  assert.ok(!stderr.includes(KEY), "key leaked to stderr");
  assert.ok(!JSON.stringify(s).includes(KEY), "key leaked into the summary");
  assert.ok(!allText(out).includes(KEY), "key leaked into a file");
  // pages 1..3 of 4 were requested with the documented parameters
  const pages = srv.log.filter((l) => /^\/rijks\/api\/en\/collection\?/.test(l));
  assert.ok(pages.some((l) => /type=painting/.test(l) && /imgonly=True/.test(l) && /ps=4/.test(l) && /p=3/.test(l)));

  const rows = await checkDataset(out);
  const evil = rows.find((r) => r.source_id === "../../escape attempt")!;
  assert.ok(evil, "the object with slashes in its number is harvested");
  assert.match(evil.file!, /^painting\/rijksmuseum-[A-Za-z0-9._-]+\.jpg$/);
  assert.ok(listFiles(out).every((f) => !f.includes("..")));
  const night = rows.find((r) => r.id === "rijksmuseum-SK-C-5")!;
  assert.equal(night.title, "The Night Watch");
  assert.equal(night.artist, "Rembrandt van Rijn");
  assert.equal(night.date, "1642");
  assert.equal(night.year, "1642");
  assert.equal(night.license, "Public domain (CC0 1.0, Rijksmuseum open data; permitDownload=true)");
  assert.equal(night.source_url, "http://www.rijksmuseum.nl/en/collection/SK-C-5");

  // rerun finishes the failed one
  const { value: s2, stderr: e2 } = await captureStderr(() => harvest("rijksmuseum", rijksOpts(out)));
  assert.equal(s2.fetched, 1);
  assert.equal((await checkDataset(out)).length, 8);
  assert.ok(!e2.includes(KEY));
});

test("Rijksmuseum: no key is a clear error; a wrong key stops the listing without showing it", async () => {
  const saved = process.env.RIJKSMUSEUM_API_KEY;
  delete process.env.RIJKSMUSEUM_API_KEY;
  try {
    await assert.rejects(
      harvest("rijksmuseum", { outDir: mkdtempSync(path.join(os.tmpdir(), "harvest-rijks-nokey-")), rijksmuseum: { baseUrl: `${srv.url}/rijks` } }),
      /set RIJKSMUSEUM_API_KEY/,
    );
  } finally {
    if (saved !== undefined) process.env.RIJKSMUSEUM_API_KEY = saved;
  }
  const wrong = "wrong-key-456";
  const { value: s, stderr } = await captureStderr(() =>
    harvest("rijksmuseum", rijksOpts(mkdtempSync(path.join(os.tmpdir(), "harvest-rijks-bad-")), { rijksmuseum: { apiKey: wrong, baseUrl: `${srv.url}/rijks` } })),
  );
  assert.match(s.aborted ?? "", /HTTP 401/);
  assert.match(s.aborted ?? "", /key=\*\*\*/);
  assert.ok(!(s.aborted ?? "").includes(wrong) && !stderr.includes(wrong));
});

function wikiOpts(outDir: string, extra: Partial<HarvestOptions> = {}): HarvestOptions {
  return { outDir, limit: 100, progressBar: false, http: fast, wikiart: { baseUrl: `${srv.url}/wikiart` }, ...extra };
}

test("WikiArt: public-domain artists' paintings, labelled by style, original images (size marker removed)", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-wikiart-"));
  const later = new Date(Date.now() + 1000).toUTCString(); // Retry-After as an HTTP date
  srv.fault("/wikiart/en/App/Painting/PaintingsByArtist", { kind: "status", status: 429, retryAfter: later });
  srv.fault("/wikiart/en/App/Painting/ImageJson/204938", { kind: "status", status: 502 });
  srv.fault("/images/wikiart/claude-monet/the-magpie.jpg", { kind: "truncate" });
  const s = await harvest("wikiart", wikiOpts(out));
  assert.equal(s.fetched, 9);
  assert.deepEqual(s.failed, {});
  const rows = await checkDataset(out);
  const count = (l: string) => rows.filter((r) => r.label === l).length;
  assert.deepEqual([count("Impressionism"), count("Post-Impressionism"), count("Romanticism")], [4, 3, 2]);
  const starry = rows.find((r) => r.id === "wikiart-204938")!;
  assert.equal(starry.title, "The Starry Night");
  assert.equal(starry.style, "Post-Impressionism");
  assert.equal(starry.genre, "landscape");
  assert.equal(starry.license, "Public domain (artist in WikiArt's public-domain list, inPublicDomain=true)");
  assert.ok(rows.every((r) => !r.image_url!.includes("!")));
  assert.match(starry.source_url!, /\/wikiart\/en\/vincent-van-gogh\/the-starry-night-1889$/);
  assert.equal(originalImageUrl("https://uploads.wikiart.org/images/a/b.jpg!Large.jpg"), "https://uploads.wikiart.org/images/a/b.jpg");
  // the folder is a dataset for the data layer: same items, labels and provenance columns
  const listing = await listDataset(out);
  assert.equal(listing.source, "manifest");
  assert.equal(listing.items.length, 9);
  assert.deepEqual(listing.labels, ["Impressionism", "Post-Impressionism", "Romanticism"]);
  assert.deepEqual(listing.ignored, []);
  assert.equal(listing.items.find((i) => i.relPath === starry.file)!.meta.sha256, starry.sha256);
});

test("WikiArt: --artists keeps the given public-domain artists only; --label-by genre; --limit", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "harvest-wikiart-artists-"));
  const { value: s, stderr } = await captureStderr(() =>
    harvest("wikiart", wikiOpts(out, { limit: 3, labelBy: "genre", wikiart: { baseUrl: `${srv.url}/wikiart`, artists: ["somebody-alive", "ivan-aivazovsky", "claude-monet"] } })),
  );
  assert.match(stderr, /somebody-alive is not in WikiArt's public-domain artist list/);
  assert.equal(s.fetched, 3);
  const rows = await checkDataset(out);
  assert.deepEqual(rows.map((r) => r.artist), ["Ivan Aivazovsky", "Ivan Aivazovsky", "Claude Monet"]);
  assert.deepEqual(rows.map((r) => r.label), ["marina", "marina", "marina"]);
});

test("base URLs can come from environment variables (HERITAGE_WIKIART_URL, HERITAGE_RIJKSMUSEUM_URL)", async () => {
  const saved = { w: process.env.HERITAGE_WIKIART_URL, r: process.env.HERITAGE_RIJKSMUSEUM_URL, k: process.env.RIJKSMUSEUM_API_KEY };
  process.env.HERITAGE_WIKIART_URL = `${srv.url}/wikiart`;
  process.env.HERITAGE_RIJKSMUSEUM_URL = `${srv.url}/rijks`;
  process.env.RIJKSMUSEUM_API_KEY = KEY;
  try {
    const w = await harvest("wikiart", { outDir: mkdtempSync(path.join(os.tmpdir(), "harvest-env-w-")), limit: 2, progressBar: false, http: fast });
    assert.equal(w.fetched, 2);
    const r = await harvest("rijksmuseum", { outDir: mkdtempSync(path.join(os.tmpdir(), "harvest-env-r-")), limit: 2, progressBar: false, http: fast });
    assert.equal(r.fetched, 2);
  } finally {
    for (const [k, v] of [["HERITAGE_WIKIART_URL", saved.w], ["HERITAGE_RIJKSMUSEUM_URL", saved.r], ["RIJKSMUSEUM_API_KEY", saved.k]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
