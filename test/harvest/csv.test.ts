import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CsvStreamParser, csvRecords, formatCsv, parseCsvRows } from "../../lib/data/csv.js";
import { manifestDataFrame, readManifest, writeManifest, MANIFEST_COLUMNS, type HarvestRecord } from "../../lib/harvest/manifest.js";
import { harvestId, safeLabel, safeToken } from "../../lib/harvest/store.js";
import { centuryLabel } from "../../lib/harvest/source.js";
import { fixturesDir } from "./fixture-server.js";

async function* chunked(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

test("the streaming parser reads the MET table exactly as Python's csv module does, whatever the chunking", async () => {
  const text = readFileSync(path.join(fixturesDir(), "met", "MetObjects.csv"), "utf8");
  const expected = JSON.parse(readFileSync(path.join(fixturesDir(), "met", "met_expected.json"), "utf8")) as {
    columns: string[];
    parsed: { "Object ID": string; Title: string; Dimensions: string }[];
  };
  for (const size of [1, 2, 3, 7, 64, 1000, text.length]) {
    const recs: Record<string, string>[] = [];
    for await (const r of csvRecords(chunked(text, size))) recs.push(r);
    assert.deepEqual(Object.keys(recs[0]!), expected.columns, `chunk ${size}: header (BOM stripped)`);
    assert.deepEqual(
      recs.map((r) => ({ "Object ID": r["Object ID"], Title: r["Title"], Dimensions: r["Dimensions"] })),
      expected.parsed,
      `chunk size ${size}`,
    );
  }
});

test("quoted commas, doubled quotes, CR/LF inside and between records", () => {
  const rows = parseCsvRows('a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"line1\nline2",\n3,,"end"');
  assert.deepEqual(rows, [
    ["a", "b", "c"],
    ["1", "x, y", 'say "hi"'],
    ["2", "line1\nline2", ""],
    ["3", "", "end"],
  ]);
  const p = new CsvStreamParser();
  const got = [...p.push('q,"a""'), ...p.push('b"\r'), ...p.push("\nz,1\n"), ...p.end()];
  assert.deepEqual(got, [["q", 'a"b'], ["z", "1"]]);
});

test("formatCsv round-trips awkward cells", () => {
  const recs = [
    { a: 'He said, "hi"', b: "two\nlines", c: " padded " },
    { a: "", b: 3, c: null },
  ];
  const text = formatCsv(["a", "b", "c"], recs);
  assert.deepEqual(parseCsvRows(text), [
    ["a", "b", "c"],
    ['He said, "hi"', "two\nlines", " padded "],
    ["", "3", ""],
  ]);
});

test("manifest writes atomically and reads back in the dataset format (file,label first)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "harvest-manifest-"));
  const rec: HarvestRecord = {
    file: "Paintings/met-1.jpg",
    label: "Paintings",
    source: "met",
    artist: "Rembrandt (Rembrandt van Rijn)",
    title: 'Portrait, called "X",\nline two',
    date: "1632",
    license: "CC0 1.0",
    id: "met-1",
    source_id: "1",
    source_url: "https://www.metmuseum.org/art/collection/search/1",
    image_url: "https://images.metmuseum.org/1.jpg",
    sha256: "ab",
    bytes: 10,
    width: 4,
    height: 3,
    classification: "Paintings",
    style: "",
    genre: "",
    year: "1632",
    fetched_at: "2026-01-01T00:00:00.000Z",
  };
  await writeManifest(dir, [rec]);
  const rows = await readManifest(dir);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.title, rec.title);
  assert.equal(rows[0]!.width, "4");
  const header = readFileSync(path.join(dir, "manifest.csv"), "utf8").split("\n")[0]!;
  assert.equal(header, MANIFEST_COLUMNS.join(","));
  assert.ok(header.startsWith("file,label,source,artist,title,date,license"));
});

test("local names come only from sanitised ids and labels", () => {
  assert.equal(harvestId("met", 436535), "met-436535");
  assert.equal(harvestId("rijksmuseum", "SK-A-180"), "rijksmuseum-SK-A-180");
  const evil = harvestId("rijksmuseum", "../../escape attempt");
  assert.match(evil, /^rijksmuseum-[A-Za-z0-9._-]+$/);
  assert.ok(!evil.includes("..") && !evil.includes("/"));
  assert.notEqual(safeToken("a/b"), safeToken("a_b"), "sanitising adds a hash so distinct ids stay distinct");
  assert.equal(safeToken("a_b"), "a_b");
  assert.equal(safeToken(".."), `unknown-${safeToken("..").split("-")[1]}`);
  assert.equal(safeLabel("Northern Renaissance"), "Northern_Renaissance");
  assert.equal(safeLabel("Post-Impressionism"), "Post-Impressionism");
  assert.equal(safeLabel("École de Paris"), "Ecole_de_Paris");
  assert.equal(safeLabel("../.."), "unlabelled");
  assert.equal(safeLabel(""), "unlabelled");
});

test("centuryLabel", () => {
  assert.equal(centuryLabel(1642), "17th_century");
  assert.equal(centuryLabel(1600), "16th_century");
  assert.equal(centuryLabel(1901), "20th_century");
  assert.equal(centuryLabel(2001), "21st_century");
  assert.equal(centuryLabel(1150), "12th_century");
  assert.equal(centuryLabel(-450), "5th_century_BCE");
  assert.equal(centuryLabel(null), "unknown");
});

test("manifestDataFrame gives notebooks a danfojs DataFrame of the manifest", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "harvest-df-"));
  const base = { source: "wikiart", date: "", license: "PD", source_url: "", image_url: "", sha256: "", bytes: 1, width: 2, height: 3, classification: "", style: "", genre: "", year: "", fetched_at: "" };
  await writeManifest(dir, [
    { ...base, file: "A/wikiart-1.jpg", label: "A", artist: "Monet, Claude", title: 'The "Magpie"', id: "wikiart-1", source_id: "1" },
    { ...base, file: "B/wikiart-2.jpg", label: "B", artist: "Gogh", title: "Sunflowers", id: "wikiart-2", source_id: "2" },
  ]);
  const df = (await manifestDataFrame(dir)) as { shape: number[]; columns: string[]; column(c: string): { values: unknown[] } };
  assert.deepEqual(df.shape, [2, MANIFEST_COLUMNS.length]);
  assert.deepEqual(df.columns, [...MANIFEST_COLUMNS]);
  assert.deepEqual(df.column("artist").values, ["Monet, Claude", "Gogh"]);
  assert.deepEqual(df.column("title").values, ['The "Magpie"', "Sunflowers"]);
});
