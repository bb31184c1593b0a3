/**
 * Listing a dataset folder: which images it holds and their labels.
 *
 * A dataset is a folder of images. Labels come from, in order of preference:
 *   1. `manifest.csv` in the folder (columns at least `file,label`; `file` relative to the folder;
 *      the other columns are kept as `meta`) — the format of ../shared/paintings;
 *   2. the first-level subfolder names (`<dir>/<label>/.../x.jpg`);
 *   3. nothing (a flat folder of images: every label is null).
 * Hidden files and folders (name starting with ".") and files without an image extension are ignored.
 * Items come back sorted by their relative path (code-point order), so listings are stable.
 *
 * Nothing is ignored without a word (one stderr line each, unless `quiet`, and in the listing):
 * manifest paths that leave the folder (`../x.png`, absolute paths) are skipped (`outside`); images
 * in the folder that the manifest does not list are named (`unlisted`); a manifest without a `label`
 * column says that every image is unlabelled.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { warn } from "../util/log.js";
import { parseCsvRecords } from "./csv.js";

/** File extensions treated as images (lower case, with the dot). */
export const IMAGE_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".gif", ".avif"];

export interface DatasetItem {
  /** Stable identifier: the relative path with "/" separators. */
  id: string;
  /** Absolute path of the image file. */
  file: string;
  /** Path relative to the dataset folder, "/" separators. */
  relPath: string;
  /** Class label (style, movement, artist...), or null when the dataset is unlabelled. */
  label: string | null;
  /** Other manifest columns for this file (empty for folder datasets). */
  meta: Record<string, string>;
}

export interface DatasetListing {
  items: DatasetItem[];
  /** The distinct non-null labels, sorted. */
  labels: string[];
  /** Where the labels came from. */
  source: "manifest" | "folders" | "flat";
  /** Relative paths of files that were ignored (not an image extension, or listed twice in the manifest). */
  ignored: string[];
  /** Manifest `file` values that resolve outside the dataset folder (`../x`, absolute paths): skipped. */
  outside: string[];
  /** Images in the folder that manifest.csv does not list (not used; empty without a manifest). */
  unlisted: string[];
  /** The lines printed about this listing (outside paths, unlisted images, no label column). */
  warnings: string[];
}

export interface ListOptions {
  /** Do not print the warning lines (they are still in `warnings`). Default false. */
  quiet?: boolean;
}

/**
 * Where a manifest's `file` value points, or null when it leaves the dataset folder (a `..` that
 * climbs out, an absolute or drive-letter path, a NUL byte). `relPath` uses "/" separators.
 */
export function resolveInside(root: string, relPath: string): string | null {
  if (relPath.includes("\0") || path.isAbsolute(relPath) || path.posix.isAbsolute(relPath) || /^[A-Za-z]:/.test(relPath)) return null;
  const abs = path.resolve(root, ...relPath.split("/"));
  const rel = path.relative(root, abs);
  if (!rel || rel.startsWith("..") || path.isAbsolute(rel)) return null;
  return abs;
}

const example = (xs: readonly string[], n = 3): string => xs.slice(0, n).join(", ") + (xs.length > n ? `, ... (${xs.length - n} more)` : "");

/** True when the file name has one of {@link IMAGE_EXTENSIONS}. */
export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function walk(dir: string, rel: string, out: string[]): Promise<void> {
  const entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(dir, r, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(r);
  }
}

/** List the images of a dataset folder with their labels (see the module comment for the rules). */
export async function listDataset(dir: string, opts: ListOptions = {}): Promise<DatasetListing> {
  const root = path.resolve(dir);
  let stat;
  try {
    stat = await fsp.stat(root);
  } catch {
    throw new Error(`dataset folder ${root} does not exist`);
  }
  if (!stat.isDirectory()) throw new Error(`dataset path ${root} is not a folder`);

  const manifest = path.join(root, "manifest.csv");
  let manifestText: string | null = null;
  try {
    manifestText = await fsp.readFile(manifest, "utf8");
  } catch {
    manifestText = null;
  }
  const ignored: string[] = [];
  const outside: string[] = [];
  const unlisted: string[] = [];
  const warnings: string[] = [];
  let items: DatasetItem[];
  let source: DatasetListing["source"];

  if (manifestText !== null) {
    const { columns, records } = parseCsvRecords(manifestText);
    if (!columns.includes("file")) {
      throw new Error(`${manifest} has no "file" column (columns: ${columns.join(", ") || "none"})`);
    }
    source = "manifest";
    const seen = new Set<string>();
    items = [];
    for (const rec of records) {
      const relPath = rec.file!.trim().replace(/\\/g, "/").replace(/^\.\//, "");
      if (!relPath) continue;
      const file = resolveInside(root, relPath);
      if (file === null) {
        outside.push(relPath);
        continue;
      }
      if (!isImageFile(relPath) || seen.has(relPath)) {
        ignored.push(relPath);
        continue;
      }
      seen.add(relPath);
      const meta: Record<string, string> = {};
      for (const c of columns) if (c !== "file" && c !== "label") meta[c] = rec[c] ?? "";
      const label = (rec.label ?? "").trim();
      items.push({ id: relPath, file, relPath, label: label || null, meta });
    }
    if (outside.length > 0) {
      warnings.push(`${manifest}: ${outside.length} path(s) outside ${root} skipped: ${example(outside, 5)}; dataset files must be relative paths inside the folder`);
    }
    if (!columns.includes("label")) {
      warnings.push(`${manifest} has no "label" column: every image is unlabelled (add a label column for stratified splits and label metrics)`);
    }
    const onDisk: string[] = [];
    await walk(root, "", onDisk);
    const listed = new Set(items.map((i) => i.relPath));
    for (const f of onDisk) if (isImageFile(f) && !listed.has(f)) unlisted.push(f);
    unlisted.sort(byCodePoint);
    if (unlisted.length > 0) {
      warnings.push(`${unlisted.length} image(s) in ${root} are not listed in manifest.csv and are not used: ${example(unlisted)}; add them to the manifest to use them`);
    }
  } else {
    const files: string[] = [];
    await walk(root, "", files);
    const images = files.filter((f) => {
      if (isImageFile(f)) return true;
      ignored.push(f);
      return false;
    });
    const nested = images.some((f) => f.includes("/"));
    source = nested ? "folders" : "flat";
    items = images.map((relPath) => {
      const slash = relPath.indexOf("/");
      return {
        id: relPath,
        file: path.join(root, ...relPath.split("/")),
        relPath,
        label: nested && slash > 0 ? relPath.slice(0, slash) : null,
        meta: {},
      };
    });
  }
  items.sort((a, b) => byCodePoint(a.relPath, b.relPath));
  ignored.sort(byCodePoint);
  const labels = [...new Set(items.map((i) => i.label).filter((l): l is string => l !== null))].sort(byCodePoint);
  if (!opts.quiet) for (const w of warnings) warn(w);
  return { items, labels, source, ignored, outside, unlisted, warnings };
}

/** Count items per label (null labels counted under "(unlabelled)"). */
export function countByLabel(items: readonly DatasetItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const it of items) {
    const k = it.label ?? "(unlabelled)";
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
