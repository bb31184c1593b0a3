/**
 * What a harvester (MET, Rijksmuseum, WikiArt) provides to the shared run loop in ./run.ts:
 * candidates in a stable order (so a rerun meets them again in the same order) and, per
 * candidate, the resolved metadata + image URL, or the reason it is not taken.
 */
import type { PoliteClient } from "./http.js";

/** The sources there are. */
export type SourceName = "met" | "rijksmuseum" | "wikiart";

/** Which field becomes the class folder (`label`). */
export type LabelBy = "classification" | "style" | "genre" | "century" | "artist";

/** One record found in a listing (CSV row, API page item, artist's painting list). */
export interface Candidate {
  /** The id at the source (MET object ID, Rijksmuseum object number, WikiArt contentId). */
  sourceId: string;
  /** Whatever the listing already said about it (the resolver may use it). */
  hint?: unknown;
}

/** Metadata and image location of a candidate that passed the licence filter. */
export interface ResolvedItem {
  imageUrl: string;
  sourceUrl: string;
  title: string;
  artist: string;
  date: string;
  /** A year (number) when known: begin date, sorting date, completion year. */
  year: number | null;
  license: string;
  classification: string;
  style: string;
  genre: string;
}

/** A resolver's answer: the item, or why not (`permanent`: never ask again in later runs). */
export type Resolution = { ok: true; item: ResolvedItem } | { ok: false; reason: string; permanent: boolean };

/** A harvester. */
export interface HarvestSource {
  readonly name: SourceName;
  /** Default label field for this source. */
  readonly defaultLabelBy: LabelBy;
  /** Candidates in a stable order. Throws (with the URL) when a listing cannot be read. */
  candidates(client: PoliteClient): AsyncIterable<Candidate>;
  /** Fetch the record's details; decide whether it is taken. HTTP errors may be thrown. */
  resolve(candidate: Candidate, client: PoliteClient): Promise<Resolution>;
}

/** "17th_century" for 1642, "1st_century" for 50, "unknown" for null. BCE years give "1st_century_BCE" etc. */
export function centuryLabel(year: number | null): string {
  if (year == null || !Number.isFinite(year) || year === 0) return "unknown";
  const bce = year < 0;
  const c = Math.floor((Math.abs(year) - 1) / 100) + 1;
  const mod100 = c % 100;
  const suffix = mod100 >= 11 && mod100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[c % 10] ?? "th";
  return `${c}${suffix}_century${bce ? "_BCE" : ""}`;
}

/** The raw label of an item for a `labelBy` choice (sanitised later). Empty when the field is empty. */
export function rawLabel(item: ResolvedItem, by: LabelBy): string {
  switch (by) {
    case "classification":
      return item.classification;
    case "style":
      return item.style;
    case "genre":
      return item.genre;
    case "century":
      return item.year == null ? "" : centuryLabel(item.year);
    case "artist":
      return item.artist;
  }
}

/** Join a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, pathAndQuery: string): string {
  return base.replace(/\/+$/, "") + "/" + pathAndQuery.replace(/^\/+/, "");
}
