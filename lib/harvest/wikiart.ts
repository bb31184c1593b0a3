/**
 * WikiArt: paintings by public-domain artists, crawled politely through the site's JSON endpoints
 * the way the paper's generation of scrapers did (e.g. lucasdavid/wikiart, whose settings note
 * that WikiArt blocks clients making more than 10 requests in 5 s; our default is 1.5 per second).
 *
 * Endpoint shapes relied on (as used by lucasdavid/wikiart `wikiart/fetcher.py` and other public
 * scrapers; WikiArt publishes no formal documentation for these):
 * - `GET {base}/{lang}/App/Artist/AlphabetJson?v=new&inPublicDomain=true` -> `[{ contentId,
 *   artistName, url (slug, e.g. "claude-monet"), lastNameFirst, birthDay, deathDay, ... }]`
 * - `GET {base}/{lang}/App/Painting/PaintingsByArtist?artistUrl={slug}&json=2` -> `[{ title,
 *   contentId, artistContentId, artistName, completitionYear, yearAsString, width, height, image }]`
 * - `GET {base}/{lang}/App/Painting/ImageJson/{contentId}` -> `{ title, contentId, artistName,
 *   artistUrl, url, completitionYear, yearAsString, style, genre, technique, material, image, ... }`
 * - `image` URLs end in a size marker such as "!Large.jpg"; removing it gives the original upload.
 */
import { warn } from "../util/log.js";
import type { PoliteClient } from "./http.js";
import { joinUrl, type Candidate, type HarvestSource, type LabelBy, type Resolution } from "./source.js";

/** Default base URL of WikiArt. */
export const WIKIART_URL = "https://www.wikiart.org";

/** Options of {@link wikiartSource}. */
export interface WikiartOptions {
  /** Base URL (mirrors, tests). Default env HERITAGE_WIKIART_URL, else {@link WIKIART_URL}. */
  baseUrl?: string;
  /** Language segment. Default "en". */
  lang?: string;
  /** Artist slugs to harvest, in this order (e.g. ["claude-monet"]); default: every public-domain artist. */
  artists?: string[];
  /** Keep the "!Large.jpg" size marker (smaller files) instead of the original upload. Default false. */
  largeVariant?: boolean;
  /** Accept artists outside WikiArt's public-domain list (rights unknown). Default false. */
  anyLicense?: boolean;
}

interface WikiArtist {
  contentId?: number;
  artistName?: string;
  url?: string;
}

interface WikiPainting {
  contentId?: number | string;
  title?: string;
  artistName?: string;
  artistUrl?: string;
  url?: string;
  completitionYear?: number | null;
  yearAsString?: string;
  style?: string;
  genre?: string;
  image?: string;
}

const WIKIART_LICENSE = "Public domain (artist in WikiArt's public-domain list, inPublicDomain=true)";

/** Strip WikiArt's size marker ("!Large.jpg", "!PinterestSmall.jpg") from an image URL. */
export function originalImageUrl(url: string): string {
  return url.replace(/![A-Za-z0-9]+\.(jpe?g|png|webp)$/i, "");
}

/** The WikiArt harvester. */
export function wikiartSource(opts: WikiartOptions = {}): HarvestSource {
  const base = opts.baseUrl ?? process.env.HERITAGE_WIKIART_URL ?? WIKIART_URL;
  const lang = opts.lang ?? "en";
  const app = (p: string) => joinUrl(base, `${lang}/App/${p}`);
  const inPublicDomain = new Set<string>();
  return {
    name: "wikiart",
    defaultLabelBy: "style" as LabelBy,
    async *candidates(client: PoliteClient): AsyncGenerator<Candidate> {
      const list = await client.getJson<WikiArtist[]>(app("Artist/AlphabetJson?v=new&inPublicDomain=true"));
      if (!Array.isArray(list)) throw new Error(`${client.redact(app("Artist/AlphabetJson"))} did not return an array of artists`);
      for (const a of list) if (a.url) inPublicDomain.add(a.url);
      let slugs: string[];
      if (opts.artists && opts.artists.length > 0) {
        slugs = [];
        for (const s of opts.artists) {
          if (inPublicDomain.has(s) || opts.anyLicense) slugs.push(s);
          else warn(`wikiart: ${s} is not in WikiArt's public-domain artist list; skipped (use anyLicense to take it anyway)`);
        }
      } else {
        slugs = list.map((a) => a.url).filter((u): u is string => Boolean(u));
      }
      for (const slug of slugs) {
        const paintings = await client.getJson<WikiPainting[]>(app(`Painting/PaintingsByArtist?artistUrl=${encodeURIComponent(slug)}&json=2`));
        if (!Array.isArray(paintings)) throw new Error(`the painting list of ${slug} is not an array`);
        for (const p of paintings) {
          if (p.contentId == null || p.contentId === "") continue;
          yield { sourceId: String(p.contentId), hint: { ...p, artistUrl: p.artistUrl ?? slug } };
        }
      }
    },
    async resolve(c: Candidate, client: PoliteClient): Promise<Resolution> {
      const hint = (c.hint ?? {}) as WikiPainting;
      const d = await client.getJson<WikiPainting | null>(app(`Painting/ImageJson/${encodeURIComponent(c.sourceId)}`));
      if (!d || typeof d !== "object") return { ok: false, reason: "empty painting record", permanent: false };
      const artistUrl = d.artistUrl ?? hint.artistUrl ?? "";
      const pd = inPublicDomain.has(artistUrl);
      if (!pd && !opts.anyLicense) return { ok: false, reason: "artist not in the public-domain list", permanent: true };
      const raw = d.image || hint.image;
      if (!raw) return { ok: false, reason: "no image", permanent: true };
      const year = Number(d.completitionYear ?? hint.completitionYear);
      return {
        ok: true,
        item: {
          imageUrl: opts.largeVariant ? raw : originalImageUrl(raw),
          sourceUrl: d.url && artistUrl ? joinUrl(base, `${lang}/${artistUrl}/${d.url}`) : joinUrl(base, `${lang}/App/Painting/ImageJson/${c.sourceId}`),
          title: d.title ?? hint.title ?? "",
          artist: d.artistName ?? hint.artistName ?? "",
          date: d.yearAsString ?? (Number.isFinite(year) && year ? String(year) : ""),
          year: Number.isFinite(year) && year !== 0 ? year : null,
          license: pd ? WIKIART_LICENSE : "unknown (WikiArt, accepted with anyLicense; check rights)",
          classification: "painting",
          style: (d.style ?? "").split(",")[0]!.trim(),
          genre: (d.genre ?? "").split(",")[0]!.trim(),
        },
      };
    },
  };
}
