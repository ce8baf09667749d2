/**
 * A streamed reader of a task table (CSV, TSV or ';'-separated): text goes in by chunks of any
 * size, each complete line is read at once into its task's pool, and only the unfinished last
 * line is kept between chunks, so a file of any size is read with the memory of its numbers.
 * Bad rows are skipped and counted (the first few line numbers kept); rows and tasks are capped.
 */
import { detectDelimiter, readNumber, splitCells, type Delimiter } from './cells';
import { chooseColumns, type ColumnChoice, type ColumnRequest } from './columns';
import { TableError } from './tableError';

export interface ReadLimits {
  /** rows kept at most; reading stops at the cap and says so */
  maxRows: number;
  /** distinct tasks at most; reading stops at the cap and says so */
  maxTasks: number;
  /** a line longer than this is malformed (a binary or a one-line file) */
  maxLineLength: number;
}

export const DEFAULT_LIMITS: ReadLimits = { maxRows: 5_000_000, maxTasks: 100_000, maxLineLength: 10_000 };

/** How many line numbers of skipped rows a read keeps, per kind of fault. */
export const LINES_KEPT = 5;

export interface ReadCounts {
  /** non-empty lines after the header that were read: kept + malformed + nonFinite */
  rows: number;
  kept: number;
  malformed: number;
  nonFinite: number;
  /** 1-based line numbers of the first few malformed and non-finite rows */
  malformedLines: number[];
  nonFiniteLines: number[];
}

/** A table as read: every task's points in file order, before any split or scaling. */
export interface RawTable {
  delimiter: Delimiter;
  columns: ColumnChoice;
  /** task id → its points, in order of first appearance */
  tasks: Map<string, { x: number[]; y: number[] }>;
  counts: ReadCounts;
  /** why reading stopped before the end of the file, or null */
  capped: string | null;
}

export class TableReader {
  private rest = '';
  private line = 0;
  private delimiter: Delimiter | null = null;
  private columns: ColumnChoice | null = null;
  private capped: string | null = null;
  private readonly tasks = new Map<string, { x: number[]; y: number[] }>();
  private readonly counts: ReadCounts = {
    rows: 0,
    kept: 0,
    malformed: 0,
    nonFinite: 0,
    malformedLines: [],
    nonFiniteLines: [],
  };

  constructor(
    private readonly request: ColumnRequest = {},
    private readonly limits: ReadLimits = DEFAULT_LIMITS,
  ) {}

  /** Read the complete lines of the next chunk of text. */
  push(chunk: string): void {
    if (this.capped !== null) return;
    const text = this.rest + chunk;
    let start = 0;
    for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      this.readLine(text.slice(start, end));
      start = end + 1;
      if (this.capped !== null) return;
    }
    this.rest = text.slice(start);
    if (this.rest.length > this.limits.maxLineLength) {
      // a line that never ends: counted once, and dropped up to its newline
      if (!this.skipRestOfLine) {
        this.line++;
        this.skip('malformed');
      }
      this.rest = '';
      this.skipRestOfLine = true;
    }
  }

  /** Read the last line and hand over the table; throws TableError when nothing usable was read. */
  finish(): RawTable {
    if (this.capped === null && this.rest.length > 0) this.readLine(this.rest);
    this.rest = '';
    if (this.columns === null || this.delimiter === null) throw new TableError('the file has no lines');
    if (this.counts.kept === 0) {
      throw new TableError(
        `no row of the file could be read (${this.counts.malformed} malformed, ${this.counts.nonFinite} with NaN or infinite values)`,
      );
    }
    return {
      delimiter: this.delimiter,
      columns: this.columns,
      tasks: this.tasks,
      counts: this.counts,
      capped: this.capped,
    };
  }

  /** set after an over-long line was dropped: its remainder up to the next newline is skipped */
  private skipRestOfLine = false;

  private readLine(raw: string): void {
    if (this.skipRestOfLine) {
      this.skipRestOfLine = false;
      return;
    }
    this.line++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    if (line.length > this.limits.maxLineLength) return this.skip('malformed');
    if (this.delimiter === null) {
      this.delimiter = detectDelimiter(line);
      const cells = splitCells(line, this.delimiter);
      this.columns = chooseColumns(cells ?? [], this.request);
      if (this.columns.header) return;
    }
    this.readRow(line);
  }

  private readRow(line: string): void {
    const columns = this.columns as ColumnChoice;
    const cells = splitCells(line, this.delimiter as Delimiter);
    if (cells === null || cells.length !== columns.names.length) return this.skip('malformed');
    const id = cells[columns.task] as string;
    const x = readNumber(cells[columns.x] as string);
    const y = readNumber(cells[columns.y] as string);
    if (id === '' || x.kind === 'invalid' || y.kind === 'invalid') return this.skip('malformed');
    if (x.kind !== 'finite' || y.kind !== 'finite') return this.skip('nonFinite');
    let pool = this.tasks.get(id);
    if (!pool) {
      if (this.tasks.size >= this.limits.maxTasks) {
        this.capped = `stopped at line ${this.line}: more than ${this.limits.maxTasks.toLocaleString('en')} tasks (the cap); the rest of the file was not read`;
        return;
      }
      pool = { x: [], y: [] };
      this.tasks.set(id, pool);
    }
    this.counts.rows++;
    pool.x.push(x.value);
    pool.y.push(y.value);
    this.counts.kept++;
    if (this.counts.kept >= this.limits.maxRows) {
      this.capped = `stopped at line ${this.line}: ${this.limits.maxRows.toLocaleString('en')} rows read (the cap); the rest of the file was not read`;
    }
  }

  private skip(kind: 'malformed' | 'nonFinite'): void {
    this.counts.rows++;
    this.counts[kind]++;
    const lines = kind === 'malformed' ? this.counts.malformedLines : this.counts.nonFiniteLines;
    if (lines.length < LINES_KEPT) lines.push(this.line);
  }
}
