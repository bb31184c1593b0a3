/**
 * The study's notebooks: `notebooks/NN_name.ipynb`, run in the order of their number. Names on the
 * command line may be the number ("3", "03"), the stem ("03_features"), the part after the number
 * ("features"), the file name, or a path to any .ipynb file.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../util/paths.js";
import { parseNotebook, sourceText } from "./ipynb.js";
import { notebookParameters, type DeclaredParameter } from "./params.js";

/** One notebook of the catalog. */
export interface NotebookEntry {
  /** File stem, e.g. "01_harvest". */
  name: string;
  /** Its number (1 for 01_harvest). */
  order: number;
  /** Absolute path of the .ipynb file. */
  file: string;
  /** The first Markdown heading, e.g. "1. Harvest paintings". */
  title: string;
  /** Parameters declared in its `parameters` cell. */
  parameters: DeclaredParameter[];
}

const NAME = /^(\d{2})_([\w-]+)\.ipynb$/;

/** The repository's notebooks folder (`<root>/notebooks`). */
export function notebooksDir(): string {
  return path.join(projectRoot(), "notebooks");
}

function describe(file: string, order: number): NotebookEntry {
  const nb = parseNotebook(readFileSync(file, "utf8"), file);
  const md = nb.cells.find((c) => c.cell_type === "markdown");
  const heading = md ? /^#+\s*(.+)$/m.exec(sourceText(md.source)) : null;
  return {
    name: path.basename(file, ".ipynb"),
    order,
    file,
    title: heading ? heading[1]!.trim() : path.basename(file, ".ipynb"),
    parameters: notebookParameters(nb),
  };
}

/** The numbered notebooks in `dir` (default: the repository's), in order. */
export function listNotebooks(dir = notebooksDir()): NotebookEntry[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => NAME.test(f))
    .sort()
    .map((f) => describe(path.join(dir, f), Number(NAME.exec(f)![1])));
}

/**
 * Resolve command-line names to notebook files. No names: every numbered notebook. Catalog
 * notebooks are returned in their numeric order whatever order they were named in; explicit
 * paths follow, in the order given. Unknown names are an error listing what exists.
 */
export function resolveNotebooks(names: readonly string[], dir = notebooksDir()): string[] {
  const all = listNotebooks(dir);
  if (names.length === 0) {
    if (all.length === 0) throw new Error(`no notebooks (NN_name.ipynb) in ${dir}`);
    return all.map((e) => e.file);
  }
  const picked = new Set<NotebookEntry>();
  const paths: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (name.endsWith(".ipynb") && existsSync(name) && !all.some((e) => path.resolve(name) === e.file)) {
      paths.push(path.resolve(name));
      continue;
    }
    const stem = path.basename(name, ".ipynb");
    const hit = all.find(
      (e) =>
        e.name === stem ||
        (/^\d+$/.test(stem) && e.order === Number(stem)) ||
        e.name.replace(/^\d{2}_/, "") === stem,
    );
    if (!hit) {
      throw new Error(`no notebook "${raw}" in ${dir}; there are: ${all.map((e) => e.name).join(", ") || "none"}`);
    }
    picked.add(hit);
  }
  return [...[...picked].sort((a, b) => a.order - b.order).map((e) => e.file), ...paths];
}
