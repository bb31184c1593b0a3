/**
 * The one reuse check of the pipeline's stages (split, clusterings, GANs): a stage writes a record of
 * the settings and inputs (ids included) it was made from beside its output; a rerun compares it
 * with what it would make now and reuses the output or refuses, naming every field that differs.
 * Pure: no files are read here.
 */
/**
 * What a stage was made from: its settings and inputs (image ids included), written beside its
 * output and compared with what a rerun wants by {@link reuseOrRefuse}. Plain JSON values only.
 */
export type StageRecord = Record<string, unknown>;

/** One setting or input that differs between what a stage was made from and what is wanted now. */
export interface RecordDifference {
  /** Dotted field name ("minSize", "arch.nz", "ids"). */
  field: string;
  recorded: unknown;
  wanted: unknown;
}

/** Options of {@link recordDifferences} / {@link reuseOrRefuse}. */
export interface ReuseOptions {
  /**
   * Fields older records may lack (written before they were recorded): absent from the record,
   * they are not compared. Any other field absent on one side is a difference.
   */
  legacy?: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** Every field (dotted, objects walked, arrays compared whole) where `recorded` and `wanted` differ. */
export function recordDifferences(recorded: StageRecord, wanted: StageRecord, opts: ReuseOptions = {}): RecordDifference[] {
  const legacy = new Set(opts.legacy ?? []);
  const out: RecordDifference[] = [];
  const walk = (a: Record<string, unknown>, b: Record<string, unknown>, prefix: string) => {
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
    for (const key of keys) {
      const field = prefix + key;
      const inA = key in a && a[key] !== undefined;
      const inB = key in b && b[key] !== undefined;
      if (!inA && legacy.has(field)) continue;
      if (isObject(a[key]) && isObject(b[key])) {
        walk(a[key] as Record<string, unknown>, b[key] as Record<string, unknown>, `${field}.`);
        continue;
      }
      if (inA !== inB || JSON.stringify(a[key]) !== JSON.stringify(b[key])) out.push({ field, recorded: inA ? a[key] : undefined, wanted: inB ? b[key] : undefined });
    }
  };
  walk(recorded, wanted, "");
  return out;
}

/** A value for a message: short JSON; id lists as a count. */
function shown(v: unknown): string {
  if (v === undefined) return "(not set)";
  if (Array.isArray(v) && v.length > 4 && v.every((x) => typeof x === "string")) return `${v.length} ids`;
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** One difference in words; two id lists are described by what is missing and what is new. */
export function describeDifference(d: RecordDifference): string {
  const ids = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
  if (ids(d.recorded) && ids(d.wanted)) {
    const was = new Set(d.recorded);
    const now = new Set(d.wanted);
    const gone = d.recorded.filter((x) => !now.has(x));
    const added = d.wanted.filter((x) => !was.has(x));
    const list = (xs: string[]) => `${xs.slice(0, 3).join(", ")}${xs.length > 3 ? ", ..." : ""}`;
    const parts = [
      ...(gone.length ? [`${gone.length} no longer wanted (${list(gone)})`] : []),
      ...(added.length ? [`${added.length} new (${list(added)})`] : []),
    ];
    if (parts.length === 0) parts.push("the same ids in another order");
    return `${d.field}: ${d.recorded.length} recorded, ${d.wanted.length} now; ${parts.join(", ")}`;
  }
  return `${d.field}: ${shown(d.recorded)} recorded, ${shown(d.wanted)} now`;
}

/** Thrown by {@link reuseOrRefuse}: names the file, every differing field and the way out. */
export class StageMismatchError extends Error {
  constructor(
    readonly stage: string,
    readonly file: string,
    readonly differences: RecordDifference[],
  ) {
    super(
      `${file}: the ${stage} on disk was made from other settings or inputs: ${differences.map(describeDifference).join("; ")}. ` +
        `Use another run (--run NAME or --out DIR), or delete ${file} to make it again`,
    );
    this.name = "StageMismatchError";
  }
}

/**
 * The one reuse check of every stage: returns when `recorded` (what the output on disk was made
 * from) matches `wanted` (what this run would make it from), else throws a StageMismatchError that
 * says exactly which setting or input differs.
 */
export function reuseOrRefuse(stage: string, file: string, recorded: StageRecord, wanted: StageRecord, opts: ReuseOptions = {}): void {
  const diff = recordDifferences(recorded, wanted, opts);
  if (diff.length) throw new StageMismatchError(stage, file, diff);
}
