/**
 * Jupyter notebook files (nbformat 4): types for the parts we read and write, reading with clear
 * errors, writing in Jupyter's own layout (1-space indent, sorted keys not required), and small
 * helpers to build cells.
 */
import { promises as fsp } from "node:fs";
import { writeFileAtomic } from "../util/fs.js";

/** Cell source as stored: one string or a list of lines (each keeping its "\n"). */
export type MultilineString = string | string[];

/** One output of a code cell. */
export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: MultilineString }
  | { output_type: "display_data"; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "execute_result"; execution_count: number | null; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface CellMetadata {
  /** Cell tags; "parameters" marks the cell whose values `heritage notebooks run` may override. */
  tags?: string[];
  [key: string]: unknown;
}

export interface CodeCell {
  cell_type: "code";
  id?: string;
  source: MultilineString;
  metadata: CellMetadata;
  execution_count: number | null;
  outputs: Output[];
}

export interface TextCell {
  cell_type: "markdown" | "raw";
  id?: string;
  source: MultilineString;
  metadata: CellMetadata;
  attachments?: Record<string, unknown>;
}

export type Cell = CodeCell | TextCell;

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Cell source as one string. */
export function sourceText(source: MultilineString): string {
  return Array.isArray(source) ? source.join("") : source;
}

/** Split text into nbformat's list-of-lines form (every line but the last keeps its "\n"). */
export function toLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  const out = lines.map((l, i) => (i < lines.length - 1 ? l + "\n" : l));
  if (out[out.length - 1] === "") out.pop();
  return out;
}

/** Parse notebook JSON; errors name the file and the problem. */
export function parseNotebook(text: string, file = "<notebook>"): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(text) as Notebook;
  } catch (err) {
    throw new Error(`${file} is not valid notebook JSON: ${(err as Error).message}`);
  }
  if (!nb || typeof nb !== "object" || !Array.isArray(nb.cells)) throw new Error(`${file} is not a notebook: no "cells" list`);
  if (nb.nbformat !== 4) throw new Error(`${file} has nbformat ${String(nb.nbformat)}; only nbformat 4 is supported`);
  for (const [i, c] of nb.cells.entries()) {
    if (!["code", "markdown", "raw"].includes(c.cell_type)) throw new Error(`${file}: cell ${i} has unknown cell_type "${c.cell_type}"`);
    c.metadata ??= {};
    if (nb.nbformat_minor >= 5 && !c.id) c.id = newCellId(c.cell_type);
    if (c.cell_type === "code") {
      c.outputs ??= [];
      c.execution_count ??= null;
    }
  }
  nb.metadata ??= {};
  return nb;
}

/** Read a notebook file. */
export async function readNotebook(file: string): Promise<Notebook> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read notebook ${file}: ${(err as Error).message}`);
  }
  return parseNotebook(text, file);
}

/** Serialise like Jupyter does (1-space indent, trailing newline). */
export function formatNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + "\n";
}

/** Write a notebook atomically. */
export async function writeNotebook(file: string, nb: Notebook): Promise<void> {
  await writeFileAtomic(file, formatNotebook(nb));
}

let idCounter = 0;
function newCellId(prefix: string): string {
  return `${prefix}-${(++idCounter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A new code cell. */
export function codeCell(source: string, tags: string[] = []): CodeCell {
  return {
    cell_type: "code",
    id: newCellId("code"),
    metadata: tags.length ? { tags } : {},
    source: toLines(source),
    execution_count: null,
    outputs: [],
  };
}

/** A new markdown cell. */
export function markdownCell(source: string): TextCell {
  return { cell_type: "markdown", id: newCellId("md"), metadata: {}, source: toLines(source) };
}

/** The notebook metadata that makes Jupyter pick the repository's tslab kernel (notebooks/jupyter). */
export const TSLAB_METADATA = {
  kernelspec: { display_name: "TypeScript (heritage, tslab)", language: "typescript", name: "tslab" },
  language_info: {
    codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
    file_extension: ".ts",
    mimetype: "text/typescript",
    name: "typescript",
    version: "5.0.4",
  },
};

/** A notebook with the given cells and the tslab kernel metadata. */
export function newNotebook(cells: Cell[]): Notebook {
  return { cells, metadata: structuredClone(TSLAB_METADATA), nbformat: 4, nbformat_minor: 5 };
}

/** A copy with all outputs and execution counts removed (what is committed to git). */
export function clearOutputs(nb: Notebook): Notebook {
  const copy = structuredClone(nb);
  for (const c of copy.cells) {
    if (c.cell_type === "code") {
      c.outputs = [];
      c.execution_count = null;
    }
  }
  return copy;
}
