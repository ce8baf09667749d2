/**
 * One line of a delimited text file split into cells, and one cell read as a number. Quoted
 * cells follow RFC 4180 within a line ("a,b" and "" for a quote); a quote left open at the end of
 * the line makes the line malformed (cells do not span lines).
 */

export type Delimiter = ',' | '\t' | ';';

/** The cells of one line, or null when its quoting is broken. */
export function splitCells(line: string, delimiter: Delimiter): string[] | null {
  if (!line.includes('"')) return line.split(delimiter).map((c) => c.trim());
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === delimiter) {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += ch;
    }
    i++;
  }
  if (quoted) return null;
  cells.push(cell.trim());
  return cells;
}

/**
 * The delimiter of a file, from its first line outside quotes: a tab, else ';' when it has no
 * comma, else ','.
 */
export function detectDelimiter(firstLine: string): Delimiter {
  const bare = firstLine.replace(/"[^"]*"/g, '');
  if (bare.includes('\t')) return '\t';
  if (bare.includes(';') && !bare.includes(',')) return ';';
  return ',';
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(nan|inf|infinity)$/i;

/** A cell as a number: finite, non-finite (NaN, inf, 1e999) or not a number at all. */
export type CellNumber = { kind: 'finite'; value: number } | { kind: 'nonFinite' } | { kind: 'invalid' };

export function readNumber(cell: string): CellNumber {
  if (cell.length === 0 || cell.length > 64) return { kind: 'invalid' };
  if (NUMBER_RE.test(cell)) {
    const value = Number(cell);
    return Number.isFinite(value) ? { kind: 'finite', value } : { kind: 'nonFinite' };
  }
  return NON_FINITE_RE.test(cell) ? { kind: 'nonFinite' } : { kind: 'invalid' };
}

/** Whether a cell reads as a number of any kind (header detection). */
export function isNumeric(cell: string): boolean {
  return readNumber(cell).kind !== 'invalid';
}
