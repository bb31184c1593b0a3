/**
 * RFC 4180 CSV for the whole project (dataset manifests, harvest manifests, study tables): a
 * streaming parser (the MET's MetObjects.csv is ~300 MB and is read chunk by chunk, never held in
 * memory), whole-text helpers, and a writer that quotes what needs quoting. Every cell is a string.
 *
 * Why not danfojs for writing: `dfd.toCSV` in danfojs-node 1.2.0 does not quote cells holding
 * commas, quotes or newlines (museum titles have all three), so its output does not parse back.
 */

/** Incremental CSV parser: `push` text chunks, get back the complete records seen so far. */
export class CsvStreamParser {
  private cell = "";
  private row: string[] = [];
  private quoted = false;
  /** A quote seen inside a quoted cell: either the end of the cell or the first of a doubled quote. */
  private pendingQuote = false;
  private pendingCR = false;
  private started = false;

  /** Parse `chunk` and return the records it completed (each an array of cells). */
  push(chunk: string): string[][] {
    const out: string[][] = [];
    let i = 0;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    for (; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (this.pendingCR) {
        this.pendingCR = false;
        if (ch === "\n") continue;
      }
      if (this.quoted) {
        if (this.pendingQuote) {
          this.pendingQuote = false;
          if (ch === '"') {
            this.cell += '"';
            continue;
          }
          this.quoted = false; // fall through: ch is handled unquoted
        } else if (ch === '"') {
          this.pendingQuote = true;
          continue;
        } else {
          this.cell += ch;
          continue;
        }
      }
      if (ch === '"' && this.cell === "") this.quoted = true;
      else if (ch === ",") {
        this.row.push(this.cell);
        this.cell = "";
      } else if (ch === "\n" || ch === "\r") {
        if (ch === "\r") this.pendingCR = true;
        this.endRow(out);
      } else this.cell += ch;
    }
    return out;
  }

  /** Flush the last record (a file without a final newline). */
  end(): string[][] {
    const out: string[][] = [];
    if (this.pendingQuote) {
      this.pendingQuote = false;
      this.quoted = false;
    }
    if (this.cell !== "" || this.row.length > 0) this.endRow(out);
    return out;
  }

  private endRow(out: string[][]): void {
    this.row.push(this.cell);
    this.cell = "";
    const row = this.row;
    this.row = [];
    if (!(row.length === 1 && row[0] === "")) out.push(row);
  }
}

/** Parse a whole CSV text into rows of cells (BOM stripped, empty lines dropped). */
export function parseCsvRows(text: string): string[][] {
  const p = new CsvStreamParser();
  return [...p.push(text), ...p.end()];
}

/**
 * Records keyed by header from a stream of text chunks. Yields `Record<column, cell>`; a row with
 * fewer cells than the header gets "" for the missing ones.
 */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<Record<string, string>> {
  const parser = new CsvStreamParser();
  let header: string[] | null = null;
  const toRecord = (row: string[]): Record<string, string> => {
    const rec: Record<string, string> = {};
    header!.forEach((h, j) => {
      rec[h] = row[j] ?? "";
    });
    return rec;
  };
  for await (const chunk of chunks) {
    for (const row of parser.push(chunk)) {
      if (!header) header = row.map((h) => h.trim());
      else yield toRecord(row);
    }
  }
  for (const row of parser.end()) {
    if (!header) header = row.map((h) => h.trim());
    else yield toRecord(row);
  }
}

/** Quote a cell when it holds a comma, quote, CR or LF (or leading/trailing space). */
export function quoteCsvCell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Format records as CSV with the given column order (LF line ends, final newline). */
export function formatCsv(columns: readonly string[], records: readonly Record<string, unknown>[]): string {
  const lines = [columns.map(quoteCsvCell).join(",")];
  for (const r of records) {
    lines.push(columns.map((c) => quoteCsvCell(r[c] == null ? "" : String(r[c]))).join(","));
  }
  return lines.join("\n") + "\n";
}

/** Parse CSV text into rows of cells (alias of {@link parseCsvRows}). */
export function parseCsv(text: string): string[][] {
  return parseCsvRows(text);
}

/** Parse CSV text with a header row into records keyed by (trimmed) column name. */
export function parseCsvRecords(text: string): { columns: string[]; records: Record<string, string>[] } {
  const rows = parseCsvRows(text);
  if (rows.length === 0) return { columns: [], records: [] };
  const columns = rows[0]!.map((c) => c.trim());
  const records = rows.slice(1).map((r) => {
    const rec: Record<string, string> = {};
    columns.forEach((c, j) => {
      rec[c] = r[j] ?? "";
    });
    return rec;
  });
  return { columns, records };
}
