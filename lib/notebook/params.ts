/**
 * Notebook parameters, papermill style: the cell tagged `parameters` declares defaults, and a run
 * overrides some of them by inserting a cell tagged `injected-parameters` right after it.
 *
 * TypeScript twist: a parameter declared with `let` (recommended, with an explicit type:
 * `let preset: "tiny" | "small" | "paper" = "small";`) is overridden by assignment, so the
 * compiler still checks the new value against the declared type; one declared with `const` is
 * redeclared (tslab allows redeclaring across cells), which also works but loses the type check.
 */
import { codeCell, sourceText, type Notebook } from "./ipynb.js";

/** Tag of the cell holding the defaults. */
export const PARAMETERS_TAG = "parameters";
/** Tag of the cell the runner inserts. */
export const INJECTED_TAG = "injected-parameters";

/** A parameter declared in the parameters cell. */
export interface DeclaredParameter {
  /** Variable name. */
  name: string;
  /** How it is declared (decides assignment versus redeclaration). */
  kind: "let" | "const" | "var";
}

/**
 * Parse `key=value` strings from the command line. The value is read as JSON when it parses
 * (`3`, `true`, `[1,2]`, `"x"`), else taken as a plain string (`preset=tiny`).
 */
export function parseParamArgs(args: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new Error(`--param "${arg}" must look like key=value`);
    const key = arg.slice(0, eq).trim();
    if (!/^[A-Za-z_$][\w$]*$/.test(key)) throw new Error(`--param "${arg}": "${key}" is not a valid variable name`);
    const raw = arg.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    out[key] = value;
  }
  return out;
}

/** Index of the first cell tagged "parameters", or -1. */
export function parametersCellIndex(nb: Notebook): number {
  return nb.cells.findIndex((c) => c.cell_type === "code" && (c.metadata.tags ?? []).includes(PARAMETERS_TAG));
}

/** Top-level `let`/`const`/`var` declarations of a parameters cell, in order. */
export function declaredParameters(source: string): DeclaredParameter[] {
  const out: DeclaredParameter[] = [];
  const re = /^[ \t]*(?:export[ \t]+)?(let|const|var)[ \t]+([A-Za-z_$][\w$]*)/gm;
  for (const m of source.matchAll(re)) out.push({ kind: m[1] as DeclaredParameter["kind"], name: m[2]! });
  return out;
}

/** The parameters a notebook declares (empty when it has no parameters cell). */
export function notebookParameters(nb: Notebook): DeclaredParameter[] {
  const i = parametersCellIndex(nb);
  return i < 0 ? [] : declaredParameters(sourceText(nb.cells[i]!.source));
}

/** TypeScript source of a JSON-able value (throws on functions, undefined, BigInt, cycles). */
export function literal(name: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new Error(`parameter ${name}: value cannot be written as JSON (${(err as Error).message})`);
  }
  if (json === undefined) throw new Error(`parameter ${name}: value ${String(value)} cannot be written as JSON`);
  return json;
}

/** The source of the injected cell for `params` given the declarations (assignment for let/var, redeclaration for const). */
export function injectedSource(params: Record<string, unknown>, declared: DeclaredParameter[]): string {
  const kinds = new Map(declared.map((d) => [d.name, d.kind]));
  const lines = ["// Parameters injected by `heritage notebooks run`; they override the cell above."];
  for (const [name, value] of Object.entries(params)) {
    const kind = kinds.get(name);
    lines.push(kind === "const" ? `const ${name} = ${literal(name, value)};` : `${name} = ${literal(name, value)};`);
  }
  return lines.join("\n");
}

/** What {@link injectParameters} did. */
export interface Injection {
  /** The notebook with the injected cell (a copy; the input is not changed). */
  notebook: Notebook;
  /** Index of the injected cell, or -1 when nothing was injected. */
  injectedIndex: number;
  /** Parameters applied. */
  applied: string[];
  /** Parameters given but not declared by this notebook (skipped). */
  ignored: string[];
}

/**
 * Insert an `injected-parameters` cell after the `parameters` cell, for the given parameters this
 * notebook declares. An earlier injected cell (from a previous run) is replaced. Parameters the
 * notebook does not declare are reported in `ignored`; a notebook with no parameters cell but
 * parameters given gets nothing injected and every parameter ignored.
 */
export function injectParameters(nb: Notebook, params: Record<string, unknown>): Injection {
  const copy = structuredClone(nb);
  copy.cells = copy.cells.filter((c) => !(c.metadata.tags ?? []).includes(INJECTED_TAG));
  const at = parametersCellIndex(copy);
  const declared = at < 0 ? [] : declaredParameters(sourceText(copy.cells[at]!.source));
  const names = new Set(declared.map((d) => d.name));
  const applied = Object.keys(params).filter((k) => names.has(k));
  const ignored = Object.keys(params).filter((k) => !names.has(k));
  if (at < 0 || applied.length === 0) return { notebook: copy, injectedIndex: -1, applied: [], ignored: Object.keys(params) };
  const subset = Object.fromEntries(applied.map((k) => [k, params[k]]));
  copy.cells.splice(at + 1, 0, codeCell(injectedSource(subset, declared), [INJECTED_TAG]));
  return { notebook: copy, injectedIndex: at + 1, applied, ignored };
}
