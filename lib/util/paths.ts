/** Where things live: the project root (found from this file), the cache and results folders. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | null = null;

/** The folder holding the project's package.json (works from lib/, dist/ and .build/<x>/). */
export function projectRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "experiments"))) {
      root = dir;
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the heritage-inpaint project root above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The cache folder (HERITAGE_CACHE, default <root>/.cache). */
export function cacheDir(...parts: string[]): string {
  return path.join(process.env.HERITAGE_CACHE ?? path.join(projectRoot(), ".cache"), ...parts);
}

/** The shared real paintings beside the project (HERITAGE_PAINTINGS, default ../shared/paintings), or null. */
export function sharedPaintingsDir(): string | null {
  const dir = process.env.HERITAGE_PAINTINGS ?? path.join(projectRoot(), "..", "shared", "paintings");
  return existsSync(path.join(dir, "manifest.csv")) ? dir : null;
}
