/**
 * The Rijksmuseum: paintings with images from its public collection API (the key comes from an
 * environment variable and is never logged: the polite client redacts it from every URL it reports,
 * and the manifest stores the public web page, not the API URL).
 *
 * Endpoint shapes relied on (Rijksmuseum API documentation, data.rijksmuseum.nl, "Collection API",
 * and its responses as used by many public clients):
 * - `GET {base}/api/{lang}/collection?key=K&type=painting&imgonly=True&ps=N&p=P&s=chronologic` ->
 *   `{ count, artObjects: [{ links: { self, web }, id, objectNumber, title, hasImage,
 *   principalOrFirstMaker, longTitle, showImage, permitDownload, webImage: { url, width, height } | null,
 *   headerImage, productionPlaces }] }`. Pages are 1-based; `p * ps` may not exceed 10 000.
 * - `GET {base}/api/{lang}/collection/{objectNumber}?key=K` -> `{ artObject: { objectNumber, title,
 *   principalOrFirstMaker, webImage, dating: { presentingDate, sortingDate, period }, objectTypes,
 *   copyrightHolder, ... }, artObjectPage }`.
 * - Images with `permitDownload: true` are public domain and released under CC0 by the museum.
 */
import type { PoliteClient } from "./http.js";
import { joinUrl, type Candidate, type HarvestSource, type LabelBy, type Resolution } from "./source.js";

/** Default base URL of the Rijksmuseum website / API. */
export const RIJKSMUSEUM_URL = "https://www.rijksmuseum.nl";

/** Options of {@link rijksmuseumSource}. */
export interface RijksmuseumOptions {
  /** API key (a Rijksstudio key). Default: the environment variable named by `apiKeyEnv`. Never logged. */
  apiKey?: string;
  /** Environment variable holding the key. Default "RIJKSMUSEUM_API_KEY". */
  apiKeyEnv?: string;
  /** Base URL (mirrors, tests). Default env HERITAGE_RIJKSMUSEUM_URL, else {@link RIJKSMUSEUM_URL}. */
  baseUrl?: string;
  /** Language of titles: "en" or "nl". Default "en". */
  lang?: "en" | "nl";
  /** Object type searched. Default "painting". */
  type?: string;
  /** Results per listing page. Range 1-100; default 100. */
  pageSize?: number;
  /** Accept images without `permitDownload` (not openly licensed). Default false. */
  anyLicense?: boolean;
}

interface ArtObjectSummary {
  objectNumber?: string;
  title?: string;
  longTitle?: string;
  principalOrFirstMaker?: string;
  hasImage?: boolean;
  permitDownload?: boolean;
  /** Named in some write-ups; the API field is permitDownload. Accepted as a synonym. */
  permitExport?: boolean;
  webImage?: { url?: string | null } | null;
  links?: { web?: string };
}

interface ArtObjectDetail extends ArtObjectSummary {
  dating?: { presentingDate?: string; sortingDate?: number; period?: number };
  objectTypes?: string[];
  copyrightHolder?: string | null;
}

const RIJKS_LICENSE = "Public domain (CC0 1.0, Rijksmuseum open data; permitDownload=true)";

/** The Rijksmuseum harvester. Throws at once when no API key is set. */
export function rijksmuseumSource(opts: RijksmuseumOptions = {}): HarvestSource & { readonly apiKey: string } {
  const envName = opts.apiKeyEnv ?? "RIJKSMUSEUM_API_KEY";
  const apiKey = opts.apiKey ?? process.env[envName] ?? "";
  if (!apiKey) throw new Error(`the Rijksmuseum API needs a key: set ${envName} (a free Rijksstudio API key; it is never logged)`);
  const base = opts.baseUrl ?? process.env.HERITAGE_RIJKSMUSEUM_URL ?? RIJKSMUSEUM_URL;
  const lang = opts.lang ?? "en";
  const type = opts.type ?? "painting";
  const ps = Math.max(1, Math.min(100, opts.pageSize ?? 100));
  const key = encodeURIComponent(apiKey);
  const permitted = (o: ArtObjectSummary) => o.permitDownload === true || o.permitExport === true;
  return {
    name: "rijksmuseum",
    defaultLabelBy: "classification" as LabelBy,
    apiKey,
    async *candidates(client: PoliteClient): AsyncGenerator<Candidate> {
      for (let p = 1; p * ps <= 10000; p++) {
        const url = joinUrl(base, `api/${lang}/collection?key=${key}&type=${encodeURIComponent(type)}&imgonly=True&ps=${ps}&p=${p}&s=chronologic`);
        const page = await client.getJson<{ count?: number; artObjects?: ArtObjectSummary[] }>(url);
        if (!page || !Array.isArray(page.artObjects)) throw new Error(`${client.redact(url)} has no artObjects array`);
        for (const o of page.artObjects) {
          if (!o.objectNumber) continue;
          yield { sourceId: o.objectNumber, hint: o };
        }
        if (page.artObjects.length < ps || (typeof page.count === "number" && p * ps >= page.count)) return;
      }
    },
    async resolve(c: Candidate, client: PoliteClient): Promise<Resolution> {
      const hint = (c.hint ?? {}) as ArtObjectSummary;
      if (!opts.anyLicense && hint.permitDownload !== undefined && !permitted(hint)) {
        return { ok: false, reason: "not openly licensed (permitDownload=false)", permanent: true };
      }
      if (hint.hasImage === false) return { ok: false, reason: "no image", permanent: true };
      const url = joinUrl(base, `api/${lang}/collection/${encodeURIComponent(c.sourceId)}?key=${key}`);
      const detail = await client.getJson<{ artObject?: ArtObjectDetail }>(url);
      const o = detail?.artObject;
      if (!o) return { ok: false, reason: "no artObject in the detail record", permanent: false };
      const merged: ArtObjectDetail = { ...hint, ...o };
      if (!opts.anyLicense && !permitted(merged)) return { ok: false, reason: "not openly licensed (permitDownload=false)", permanent: true };
      if (!opts.anyLicense && merged.copyrightHolder) return { ok: false, reason: "has a copyright holder", permanent: true };
      const image = o.webImage?.url || hint.webImage?.url;
      if (!image) return { ok: false, reason: "no image", permanent: true };
      const year = Number(o.dating?.sortingDate);
      return {
        ok: true,
        item: {
          imageUrl: image,
          sourceUrl: hint.links?.web ?? `https://www.rijksmuseum.nl/${lang}/collection/${encodeURIComponent(c.sourceId)}`,
          title: o.title ?? hint.title ?? "",
          artist: o.principalOrFirstMaker ?? hint.principalOrFirstMaker ?? "",
          date: o.dating?.presentingDate ?? "",
          year: Number.isFinite(year) && year !== 0 ? year : null,
          license: permitted(merged) ? RIJKS_LICENSE : "not openly licensed (accepted with anyLicense; check rights)",
          classification: o.objectTypes?.[0] ?? type,
          style: "",
          genre: "",
        },
      };
    },
  };
}
