/**
 * Where harvested images go and how they are checked. Local names are derived only from the
 * harvester's own ids (sanitised, with a hash when sanitising changed anything) and from labels
 * sanitised the same way, so no remote string can write outside the output folder. Images are
 * verified by a full decode with sharp, then written to a temp file and renamed into place.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import sharp from "sharp";

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * A file-system-safe token from any string: characters outside [A-Za-z0-9._-] become "_", runs
 * collapse, at most 80 characters; when anything changed, an 8-hex hash of the original is appended
 * so two different inputs never map to one name. Never empty, never starts with "." or "-".
 */
export function safeToken(raw: string, fallback = "unknown"): string {
  const s = raw.trim();
  if (SAFE.test(s) && !s.includes("..")) return s;
  let t = s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/\.{2,}/g, ".")
    .replace(/^[._-]+|[._-]+$/g, "")
    .slice(0, 80);
  if (!t) t = fallback;
  if (t === s) return t;
  const h = createHash("sha1").update(raw).digest("hex").slice(0, 8);
  return `${t}-${h}`;
}

/** The harvest id of a record: `<source>-<safe source id>`, e.g. "met-436535", "rijksmuseum-SK-A-180". */
export function harvestId(source: string, sourceId: string | number): string {
  return `${source}-${safeToken(String(sourceId))}`;
}

/**
 * A label usable as a folder name: spaces and punctuation become "_", accents dropped
 * ("Post-Impressionism" stays, "Northern Renaissance" -> "Northern_Renaissance"). Empty -> "unlabelled".
 */
export function safeLabel(raw: string | null | undefined): string {
  const s = (raw ?? "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9-]+/g, "_")
    .replace(/^[_-]+|[_-]+$/g, "")
    .slice(0, 60);
  return s || "unlabelled";
}

/** What {@link verifyImage} learned. */
export interface VerifiedImage {
  /** File extension for the format, without the dot ("jpg", "png", "webp", "tif", "gif"). */
  ext: string;
  width: number;
  height: number;
}

const EXT: Record<string, string> = { jpeg: "jpg", png: "png", webp: "webp", tiff: "tif", gif: "gif", avif: "avif", heif: "avif" };

/** Decode the whole image with sharp (truncated data fails); throws a message saying why. */
export async function verifyImage(bytes: Uint8Array, what: string): Promise<VerifiedImage> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(bytes, { failOn: "truncated" }).metadata();
    // metadata reads headers only; a full decode catches truncated or corrupt pixel data
    await sharp(bytes, { failOn: "truncated" }).raw().toBuffer();
  } catch (err) {
    throw new Error(`${what} does not decode as an image: ${(err as Error).message.split("\n")[0]}`);
  }
  const ext = meta.format ? EXT[meta.format] : undefined;
  if (!ext || !meta.width || !meta.height) {
    throw new Error(`${what} is a ${meta.format ?? "unknown"} image, not one of jpeg/png/webp/tiff/gif/avif`);
  }
  return { ext, width: meta.width, height: meta.height };
}

/** The temp folder of an output folder (cleared at the start of every run). */
export function tempDir(outDir: string): string {
  return path.join(outDir, ".harvest", "tmp");
}

/**
 * Write `bytes` to `<outDir>/<rel>` atomically (a `.part` file in the temp folder, then rename).
 * `rel` must be a relative path inside `outDir`; anything else throws.
 */
export async function writeImageAtomic(outDir: string, rel: string, bytes: Uint8Array): Promise<string> {
  const root = path.resolve(outDir);
  const dest = path.resolve(root, rel);
  if (!dest.startsWith(root + path.sep)) throw new Error(`refusing to write ${rel}: outside ${outDir}`);
  const tmp = path.join(tempDir(outDir), `${path.basename(dest)}.${process.pid}.part`);
  await fsp.mkdir(path.dirname(tmp), { recursive: true });
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  try {
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, dest);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw new Error(`cannot write ${dest}: ${(err as Error).message}`);
  }
  return dest;
}

/** Remove partial downloads left by a killed run. Returns how many were removed. */
export async function cleanPartials(outDir: string): Promise<number> {
  const dir = tempDir(outDir);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return 0;
  }
  await Promise.all(names.map((n) => fsp.rm(path.join(dir, n), { force: true, recursive: true })));
  return names.length;
}
