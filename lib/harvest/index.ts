/**
 * Harvest public-domain paintings from the MET, the Rijksmuseum or WikiArt into a folder in the
 * dataset format (`<out>/<label>/<id>.<ext>` + `<out>/manifest.csv`), politely and resumably.
 *
 * ```ts
 * import { harvest } from "heritage-inpaint/harvest/index";
 * const summary = await harvest("met", { outDir: "data/met", limit: 200 });
 * ```
 */
import { info } from "../util/log.js";
import { PoliteClient, type HttpClientOptions } from "./http.js";
import { metSource, type MetOptions } from "./met.js";
import { rijksmuseumSource, type RijksmuseumOptions } from "./rijksmuseum.js";
import { runHarvest, type HarvestSummary, type RunOptions } from "./run.js";
import type { HarvestSource, SourceName } from "./source.js";
import { wikiartSource, type WikiartOptions } from "./wikiart.js";

export { PoliteClient, HttpError, parseRetryAfter, redact, backoffDelay } from "./http.js";
export type { HttpClientOptions, HttpStats, RetryInfo } from "./http.js";
export { runHarvest, formatSummary, failureClass, harvestFailure } from "./run.js";
export type { RunOptions, HarvestSummary, ItemEvent } from "./run.js";
export { metSource, MET_API_URL, MET_CSV_URL } from "./met.js";
export type { MetOptions } from "./met.js";
export { rijksmuseumSource, RIJKSMUSEUM_URL } from "./rijksmuseum.js";
export type { RijksmuseumOptions } from "./rijksmuseum.js";
export { wikiartSource, originalImageUrl, WIKIART_URL } from "./wikiart.js";
export type { WikiartOptions } from "./wikiart.js";
export { readManifest, readKeptRows, writeManifest, manifestDataFrame, MANIFEST_COLUMNS } from "./manifest.js";
export type { HarvestRecord, KeptRows } from "./manifest.js";
export { Journal, journalPath } from "./journal.js";
export { safeToken, safeLabel, harvestId, verifyImage } from "./store.js";
export { centuryLabel } from "./source.js";
export type { SourceName, LabelBy, HarvestSource, Candidate, Resolution, ResolvedItem } from "./source.js";

/** Every source by name. */
export const SOURCES: readonly SourceName[] = ["met", "rijksmuseum", "wikiart"];

/** Default requests per second per source (MET allows 80/s; WikiArt blocks > 10 per 5 s). */
export const DEFAULT_RATE: Record<SourceName, number> = { met: 5, rijksmuseum: 4, wikiart: 1.5 };

/** Everything {@link harvest} takes: run options, HTTP options, and the source's own options. */
export interface HarvestOptions extends RunOptions {
  /** Polite-client settings (rate, retries, timeouts, max bytes). `requestsPerSecond` defaults per source ({@link DEFAULT_RATE}). */
  http?: HttpClientOptions;
  /** MET options (API base URL, CSV location, classification filter, full-size images). */
  met?: MetOptions;
  /** Rijksmuseum options (API key / its environment variable, base URL, language). */
  rijksmuseum?: RijksmuseumOptions;
  /** WikiArt options (base URL, artists). */
  wikiart?: WikiartOptions;
  /** Accept records without an open licence (recorded as such in the manifest). Default false. */
  anyLicense?: boolean;
}

/** Build the named source from options. */
export function createSource(name: SourceName, opts: HarvestOptions): HarvestSource {
  const anyLicense = opts.anyLicense ?? false;
  switch (name) {
    case "met":
      return metSource({ anyLicense, ...opts.met });
    case "rijksmuseum":
      return rijksmuseumSource({ anyLicense, ...opts.rijksmuseum });
    case "wikiart":
      return wikiartSource({ anyLicense, ...opts.wikiart });
    default:
      throw new Error(`unknown source "${name as string}"; use one of ${SOURCES.join(", ")}`);
  }
}

/** Harvest `name` into `opts.outDir`; returns the closing summary (also printed to stderr). */
export async function harvest(name: SourceName, opts: HarvestOptions): Promise<HarvestSummary> {
  const source = createSource(name, opts);
  const secrets = [...(opts.http?.secrets ?? [])];
  if ("apiKey" in source && typeof source.apiKey === "string") secrets.push(source.apiKey);
  const client = new PoliteClient({
    requestsPerSecond: DEFAULT_RATE[name],
    onRetry: (r) => info(`${name}: retry ${r.attempt} of ${r.url} in ${(r.delayMs / 1000).toFixed(1)} s (${r.reason})`),
    ...opts.http,
    secrets,
  });
  return runHarvest(source, client, opts);
}
