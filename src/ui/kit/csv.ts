/**
 * CSV for the charts' downloads (RFC 4180): one header row, then one row per record; a field with
 * a comma, a quote or a line break is quoted, its quotes doubled; lines end with CRLF. Numbers are
 * written in full (JavaScript's shortest round-trip form), a missing value as an empty field.
 */

export type CsvValue = string | number | null | undefined;

/** A table: column names (with their units, e.g. "mse") and the rows under them. */
export interface CsvTable {
  header: readonly string[];
  rows: readonly (readonly CsvValue[])[];
}

/** One field, quoted when it must be. */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The table as CSV text (header first; every row as wide as the header). */
export function toCsv(table: CsvTable): string {
  const width = table.header.length;
  table.rows.forEach((row, i) => {
    if (row.length !== width) {
      throw new Error(`CSV row ${i} has ${row.length} fields; the header has ${width}`);
    }
  });
  const lines = [table.header, ...table.rows].map((row) => row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
