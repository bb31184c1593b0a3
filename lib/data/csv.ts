/**
 * A small RFC 4180 CSV reader and writer (quoted fields, doubled quotes, CRLF or LF line ends),
 * enough for dataset manifests. No type inference: every cell is a string.
 */

/** Parse CSV text into rows of cells. A trailing empty line is ignored. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Parse CSV text with a header row into records keyed by column name. */
export function parseCsvRecords(text: string): { columns: string[]; records: Record<string, string>[] } {
  const rows = parseCsv(text);
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

function quoteCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Format records as CSV with the given columns (LF line ends, trailing newline). */
export function formatCsv(columns: readonly string[], records: readonly Record<string, string>[]): string {
  const lines = [columns.map(quoteCell).join(",")];
  for (const r of records) lines.push(columns.map((c) => quoteCell(r[c] ?? "")).join(","));
  return lines.join("\n") + "\n";
}
