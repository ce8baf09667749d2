/**
 * A task table file from its bytes to a TaskTable: decoded as UTF-8 by chunks through the
 * streamed reader, split and standardised, with the SHA-256 of the bytes (hex) that names the data
 * in share links and run files. Runs the same in the page's worker, in Node and in tests.
 */
import type { ColumnRequest } from './columns';
import { DEFAULT_LIMITS, TableReader, type ReadLimits } from './reader';
import { buildTaskTable, DEFAULT_SPLIT, type SplitOptions, type TaskTable } from './taskTable';

export interface ImportOptions {
  columns?: ColumnRequest;
  limits?: ReadLimits;
  split?: SplitOptions;
  /** bytes decoded per chunk */
  chunkBytes?: number;
  /** called after each chunk with the share of the bytes read, in [0, 1] */
  onProgress?: (done: number) => void;
}

export interface ImportedTable extends TaskTable {
  /** SHA-256 of the file's bytes, 64 hex digits */
  hash: string;
  bytes: number;
}

/** SHA-256 of bytes as 64 hex digits (Web Crypto: browsers, workers and Node 20 have it). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Read a table's bytes by chunks (throws TableError with the reason when it cannot be used). */
export function readTableBytes(bytes: Uint8Array, options: ImportOptions = {}): TaskTable {
  const reader = new TableReader(options.columns, options.limits ?? DEFAULT_LIMITS);
  const decoder = new TextDecoder('utf-8');
  const step = Math.max(1, options.chunkBytes ?? 1 << 20);
  for (let at = 0; at < bytes.length; at += step) {
    reader.push(decoder.decode(bytes.subarray(at, at + step), { stream: true }));
    options.onProgress?.(Math.min(1, (at + step) / bytes.length));
  }
  reader.push(decoder.decode());
  return buildTaskTable(reader.finish(), options.split ?? DEFAULT_SPLIT);
}

/** The table and the content hash of a file's bytes. */
export async function importTable(bytes: Uint8Array, options: ImportOptions = {}): Promise<ImportedTable> {
  const table = readTableBytes(bytes, options);
  return { ...table, hash: await sha256Hex(bytes), bytes: bytes.length };
}

const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

/** What the import did, one line per fact, for the page's preview and the CLI's stderr. */
export function describeImport(table: TaskTable): string[] {
  const { counts, columns, scale } = table;
  const held = table.tasks.filter((t) => t.heldOut).length;
  const cols = `task = ${columns.names[columns.task]}, x = ${columns.names[columns.x]}, y = ${columns.names[columns.y]}`;
  const lines = [
    `${plural(counts.kept, 'row')} in ${plural(table.tasks.length, 'task')}; columns ${cols}${columns.header ? '' : ' (no header)'}${columns.ambiguous ? ' (chosen from several: check them)' : ''}`,
    `split by a hash of the task id (seed ${table.split.splitSeed}): ${table.tasks.length - held} meta-training, ${held} held out`,
    `standardised: x = (x − ${fmt(scale.xMean)}) / ${fmt(scale.xStd)}, y = (y − ${fmt(scale.yMean)}) / ${fmt(scale.yStd)} (meta-training points' mean and std)`,
  ];
  if (counts.malformed > 0)
    lines.push(
      `${plural(counts.malformed, 'malformed row')} skipped (lines ${lineList(counts.malformedLines, counts.malformed)})`,
    );
  if (counts.nonFinite > 0)
    lines.push(
      `${plural(counts.nonFinite, 'row')} with NaN or infinite values skipped (lines ${lineList(counts.nonFiniteLines, counts.nonFinite)})`,
    );
  if (table.capped) lines.push(table.capped);
  return lines;
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(4)));
}

function lineList(lines: number[], total: number): string {
  return `${lines.join(', ')}${total > lines.length ? ', ...' : ''}`;
}
