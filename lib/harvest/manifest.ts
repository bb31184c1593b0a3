/**
 * The harvest manifest: `<out>/manifest.csv`, in the dataset format of the data layer (columns
 * `file,label,...` with `file` relative to the folder, `<label>/<id>.<ext>`), plus the provenance
 * columns the harvest issue asks for: id, source, title, artist, date, style/classification,
 * licence, source URL, image URL, checksum.
 *
 * Written with our own RFC 4180 writer (see ./csv.ts for why not danfojs' toCSV) and atomically.
 * {@link manifestDataFrame} gives a danfojs DataFrame for notebooks (danfojs is imported lazily).
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../util/fs.js";
import { formatCsv, parseCsvRows } from "../data/csv.js";

/** One harvested image. Every field is a string or number so the row round-trips through CSV. */
export interface HarvestRecord {
  /** Path relative to the output folder: `<label>/<id>.<ext>`. */
  file: string;
  /** The class folder: style (WikiArt), classification (MET, Rijksmuseum) or what `labelBy` chose. */
  label: string;
  /** "met" | "rijksmuseum" | "wikiart". */
  source: string;
  artist: string;
  title: string;
  /** The date as the source writes it ("1642", "ca. 1665", "1880–85"). */
  date: string;
  /** The licence or rights statement the image was accepted under. */
  license: string;
  /** The harvest id (`<source>-<source id>`), unique in the folder; also the file's base name. */
  id: string;
  /** The id at the source (MET object ID, Rijksmuseum object number, WikiArt contentId). */
  source_id: string;
  /** The record's public web page (never carries an API key). */
  source_url: string;
  /** Where the image bytes came from. */
  image_url: string;
  /** SHA-256 of the image file, hex. */
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  /** The source's object classification ("Paintings", "painting"). */
  classification: string;
  /** Art-historical style where the source has one (WikiArt). */
  style: string;
  /** Genre where the source has one (WikiArt: "landscape", "portrait"). */
  genre: string;
  /** A year for the work when known (begin date / sorting date / completion year), else "". */
  year: string;
  /** ISO time the image was fetched. */
  fetched_at: string;
}

/** Column order of manifest.csv (the first two are what the data layer needs). */
export const MANIFEST_COLUMNS: readonly (keyof HarvestRecord)[] = [
  "file",
  "label",
  "source",
  "artist",
  "title",
  "date",
  "license",
  "id",
  "source_id",
  "source_url",
  "image_url",
  "sha256",
  "bytes",
  "width",
  "height",
  "classification",
  "style",
  "genre",
  "year",
  "fetched_at",
];

/** Path of the manifest in an output folder. */
export function manifestPath(outDir: string): string {
  return path.join(outDir, "manifest.csv");
}

/** Format records as manifest CSV text. */
export function formatManifest(records: readonly HarvestRecord[]): string {
  return formatCsv(MANIFEST_COLUMNS, records as unknown as Record<string, unknown>[]);
}

/**
 * Rows of a manifest that the harvest must keep although its journal does not know them (a dataset
 * that was in the folder before, rows added by hand or by another tool), with their own columns.
 */
export interface KeptRows {
  /** Columns of those rows that are not {@link MANIFEST_COLUMNS}, in the order they appeared. */
  extraColumns: string[];
  rows: Record<string, string>[];
}

/** Write `<outDir>/manifest.csv` atomically: `kept` rows first (never dropped), then the harvest's records. */
export async function writeManifest(outDir: string, records: readonly HarvestRecord[], kept?: KeptRows): Promise<string> {
  const file = manifestPath(outDir);
  if (!kept || kept.rows.length === 0) {
    await writeFileAtomic(file, formatManifest(records));
    return file;
  }
  const columns = [...MANIFEST_COLUMNS, ...kept.extraColumns];
  await writeFileAtomic(file, formatCsv(columns, [...kept.rows, ...(records as unknown as Record<string, unknown>[])]));
  return file;
}

/**
 * The rows of an existing `<outDir>/manifest.csv` whose `file` is not in `harvested` (the files the
 * journal knows), so a harvest into a folder that already holds a dataset merges into its manifest
 * instead of replacing it. Throws (before anything is written) when the manifest cannot be merged:
 * no `file` column, or unreadable. Returns no rows when there is no manifest.
 */
export async function readKeptRows(outDir: string, harvested: ReadonlySet<string>): Promise<KeptRows> {
  const file = manifestPath(outDir);
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { extraColumns: [], rows: [] };
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const rows = parseCsvRows(text);
  if (rows.length === 0) return { extraColumns: [], rows: [] };
  const header = rows[0]!.map((h) => h.trim());
  if (!header.includes("file")) {
    throw new Error(
      `${file} has no "file" column (columns: ${header.slice(0, 5).join(", ")}), so the harvest cannot merge into it without losing its rows; ` +
        `harvest into another --out folder, or move that manifest away first`,
    );
  }
  const known = new Set<string>(MANIFEST_COLUMNS);
  const extraColumns = header.filter((h) => h && !known.has(h));
  const kept: Record<string, string>[] = [];
  for (const r of rows.slice(1)) {
    const rec: Record<string, string> = {};
    header.forEach((h, j) => {
      if (h) rec[h] = r[j] ?? "";
    });
    const f = (rec.file ?? "").trim().replace(/\\/g, "/").replace(/^\.\//, "");
    if (f && harvested.has(f)) continue; // the journal's row for this file replaces it
    kept.push(rec);
  }
  return { extraColumns, rows: kept };
}

/** Read a manifest (ours or any dataset manifest) as records keyed by column; throws naming the file. */
export async function readManifest(outDir: string): Promise<Record<string, string>[]> {
  const file = manifestPath(outDir);
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const rows = parseCsvRows(text);
  if (rows.length === 0) throw new Error(`${file} is empty (no header)`);
  const header = rows[0]!;
  if (header[0] !== "file" || !header.includes("label")) throw new Error(`${file} does not start with the columns file,label (got ${header.slice(0, 3).join(",")})`);
  return rows.slice(1).map((r, i) => {
    if (r.length !== header.length) throw new Error(`${file}: row ${i + 2} has ${r.length} cells, the header ${header.length}`);
    const rec: Record<string, string> = {};
    header.forEach((h, j) => (rec[h] = r[j]!));
    return rec;
  });
}

/**
 * The manifest as a danfojs DataFrame (for notebooks: `df.groupby(["label"]).count()`, plots).
 * danfojs-node is heavy, so it is imported only here.
 */
export async function manifestDataFrame(outDir: string): Promise<unknown> {
  const records = await readManifest(outDir);
  const dfd = (await import("danfojs-node")) as unknown as { DataFrame: new (data: unknown, opts?: unknown) => unknown };
  if (records.length === 0) return new dfd.DataFrame([], { columns: [...MANIFEST_COLUMNS] });
  return new dfd.DataFrame(records);
}
