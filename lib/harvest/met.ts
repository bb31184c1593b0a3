/**
 * The Metropolitan Museum of Art: public-domain paintings from the open-access object table plus
 * the collection API's object records (for the image URLs).
 *
 * Endpoint shapes relied on (from the MET's own documentation, metmuseum.github.io, and the
 * published table at github.com/metmuseum/openaccess, stored with Git LFS so the raw bytes come
 * from media.githubusercontent.com):
 * - `MetObjects.csv`: a header row then one object per row; columns used: "Object ID",
 *   "Is Public Domain" ("True"/"False"), "Classification" (e.g. "Paintings"), "Object Name"
 *   (e.g. "Painting"), "Title", "Artist Display Name", "Object Date", "Object Begin Date",
 *   "Link Resource". Quoted cells may hold commas and newlines; the file may start with a BOM.
 * - `GET {api}/objects/{objectID}` -> `{ objectID, isPublicDomain, primaryImage,
 *   primaryImageSmall, title, artistDisplayName, objectDate, objectBeginDate, classification,
 *   department, objectURL, ... }`; 404 for unknown ids. Images of public-domain objects are CC0.
 */
import { createReadStream } from "node:fs";
import { warn } from "../util/log.js";
import { HttpError, type PoliteClient } from "./http.js";
import { csvRecords } from "../data/csv.js";
import { joinUrl, type Candidate, type HarvestSource, type LabelBy, type Resolution } from "./source.js";

/** Default location of the MET open-access table (Git LFS media URL of metmuseum/openaccess). */
export const MET_CSV_URL = "https://media.githubusercontent.com/media/metmuseum/openaccess/master/MetObjects.csv";
/** Default base of the MET collection API. */
export const MET_API_URL = "https://collectionapi.metmuseum.org/public/collection/v1";

/** Options of {@link metSource}. */
export interface MetOptions {
  /** Base URL of the collection API (mirrors, tests). Default env HERITAGE_MET_API_URL, else {@link MET_API_URL}. */
  apiUrl?: string;
  /**
   * The object table (the listing of objects): an http(s) URL or a local file path. Default env
   * HERITAGE_MET_CSV_URL; else, when a mirror is set (`apiUrl` or env HERITAGE_MET_API_URL),
   * `<apiUrl>/MetObjects.csv`, so a mirror setup never reaches the internet; else {@link MET_CSV_URL}.
   */
  csv?: string;
  /** Rows whose Classification or Object Name matches this (case-insensitive) are candidates. Default "^paintings?\\b". */
  classification?: string;
  /** Download `primaryImage` (full size, often > 5 MB) instead of `primaryImageSmall` (~800 px). Default false. */
  fullSize?: boolean;
  /** Times a broken download of the table is reopened (skipping rows already read) before the run stops. Default 3. */
  streamRestarts?: number;
  /** Accept objects that are not public domain (they have no open image, so this rarely adds any). Default false. */
  anyLicense?: boolean;
}

interface MetObject {
  objectID?: number;
  isPublicDomain?: boolean;
  primaryImage?: string;
  primaryImageSmall?: string;
  title?: string;
  artistDisplayName?: string;
  objectDate?: string;
  objectBeginDate?: number;
  classification?: string;
  objectName?: string;
  department?: string;
  objectURL?: string;
}

const MET_LICENSE = "CC0 1.0 (The Met Open Access; isPublicDomain=true)";

/** Where a mirror of the collection API at `apiUrl` serves the object table: `<apiUrl>/MetObjects.csv`. */
export function metMirrorCsvUrl(apiUrl: string): string {
  return joinUrl(apiUrl, "MetObjects.csv");
}

/** The MET harvester. */
export function metSource(opts: MetOptions = {}): HarvestSource {
  const mirror = opts.apiUrl ?? (process.env.HERITAGE_MET_API_URL || undefined);
  const apiUrl = mirror ?? MET_API_URL;
  const csv = opts.csv ?? (process.env.HERITAGE_MET_CSV_URL || undefined) ?? (mirror ? metMirrorCsvUrl(mirror) : MET_CSV_URL);
  const pattern = new RegExp(opts.classification ?? "^paintings?\\b", "i");
  return {
    name: "met",
    defaultLabelBy: "classification" as LabelBy,
    async *candidates(client: PoliteClient): AsyncGenerator<Candidate> {
      const remote = /^https?:\/\//i.test(csv);
      // a 230 MB download can break mid-way: reopen it (up to streamRestarts times) and skip the rows already read
      let consumed = 0;
      for (let restarts = 0; ; restarts++) {
        try {
          let rows = 0;
          for await (const row of csvRecords(remote ? client.streamText(csv) : readTextFile(csv))) {
            rows++;
            if (rows === 1 && !("Object ID" in row)) {
              throw new Error(`${client.redact(csv)} does not look like MetObjects.csv: no "Object ID" column (columns: ${Object.keys(row).slice(0, 5).join(", ")})`);
            }
            if (rows <= consumed) continue;
            consumed = rows;
            const id = (row["Object ID"] ?? "").trim();
            if (!/^\d+$/.test(id)) continue;
            if (!opts.anyLicense && (row["Is Public Domain"] ?? "").trim().toLowerCase() !== "true") continue;
            if (!pattern.test(row["Classification"] ?? "") && !pattern.test(row["Object Name"] ?? "")) continue;
            yield { sourceId: id, hint: row };
          }
          return;
        } catch (err) {
          const broken = err instanceof HttpError && err.kind === "network" && consumed > 0;
          if (!remote || !broken || restarts >= (opts.streamRestarts ?? 3)) throw err;
          warn(`met: ${(err as Error).message}; reopening the table and skipping the ${consumed} rows already read`);
        }
      }
    },
    async resolve(c: Candidate, client: PoliteClient): Promise<Resolution> {
      const obj = await client.getJson<MetObject>(joinUrl(apiUrl, `objects/${encodeURIComponent(c.sourceId)}`));
      if (!obj || typeof obj !== "object") return { ok: false, reason: "empty object record", permanent: false };
      if (obj.isPublicDomain !== true && !opts.anyLicense) return { ok: false, reason: "not public domain", permanent: true };
      const image = opts.fullSize ? obj.primaryImage || obj.primaryImageSmall : obj.primaryImageSmall || obj.primaryImage;
      if (!image) return { ok: false, reason: "no open-access image", permanent: true };
      const row = (c.hint ?? {}) as Record<string, string>;
      const beginYear = Number(obj.objectBeginDate ?? row["Object Begin Date"]);
      return {
        ok: true,
        item: {
          imageUrl: image,
          sourceUrl: obj.objectURL || row["Link Resource"] || `https://www.metmuseum.org/art/collection/search/${c.sourceId}`,
          title: obj.title ?? row["Title"] ?? "",
          artist: obj.artistDisplayName ?? row["Artist Display Name"] ?? "",
          date: obj.objectDate ?? row["Object Date"] ?? "",
          year: Number.isFinite(beginYear) && beginYear !== 0 ? beginYear : null,
          license: obj.isPublicDomain ? MET_LICENSE : "not public domain (accepted with anyLicense; check rights)",
          classification: obj.classification || row["Classification"] || "",
          style: "",
          genre: "",
        },
      };
    },
  };
}

async function* readTextFile(file: string): AsyncGenerator<string> {
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (err) {
    throw new Error(`cannot read the MET table ${file}: ${(err as Error).message}`);
  }
}
