import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ColumnRequest } from '../core/data/csv/columns';
import type { Experiment } from '../core/experiment';
import type { FileReading, TaskFamily } from '../core/families/family';
import { sha256Hex } from '../core/data/csv/importTable';
import { TableError } from '../core/data/csv/tableError';
import type { RunData } from '../core/runs/runFile';
import { UsageError } from './args';

/** The flags that name the user's table: --tasks FILE and --columns task,x,y. */
export interface DataFlags {
  tasks?: string;
  columns?: string;
}

/**
 * --columns task,x,y: the table's task, x and y columns, each a header name or a 0-based index
 * (an empty entry leaves that role to the reader). Throws a usage error for any other shape.
 */
export function columnsFlag(text: string): ColumnRequest {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3)
    throw new UsageError(`--columns ${text}: give three columns, task,x,y (names or 0-based indexes)`);
  const out: ColumnRequest = {};
  (['task', 'x', 'y'] as const).forEach((role, i) => {
    const p = parts[i] as string;
    if (p !== '') out[role] = /^\d+$/.test(p) ? Number(p) : p;
  });
  return out;
}

/**
 * --tasks FILE, or the data a resumed run file embeds: the family's tasks from the user's own
 * file, read before any run is created, with the columns --columns names, else those the run
 * file's data was read with; says on stderr what was read and returns the data (name, content
 * hash, bytes, the column choice; null without either). A file the family cannot use, a family
 * that takes no file, or embedded bytes whose hash is not the one the run file states, is a usage
 * error with the reason. --tasks wins over embedded data.
 */
export async function readTaskFile(
  family: TaskFamily,
  config: Experiment,
  flags: DataFlags,
  embedded: RunData | null = null,
): Promise<RunData | null> {
  const path = flags.tasks;
  const columns = flags.columns === undefined ? undefined : columnsFlag(flags.columns);
  if (path === undefined && embedded === null) return null;
  const where = path === undefined ? `the run file's data (${embedded?.name ?? ''})` : path;
  if (!family.loadTaskFile)
    throw new UsageError(`--tasks: ${config.task} tasks are generated, not read from a file`);
  let bytes: Uint8Array;
  try {
    bytes = path === undefined ? (embedded as RunData).bytes : readFileSync(path);
  } catch (err) {
    throw new UsageError(`--tasks ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (path === undefined) {
    const hash = await sha256Hex(bytes); // checked before the bytes are read as a table
    if (hash !== embedded?.hash)
      throw new UsageError(`${where} has SHA-256 ${hash}, not the ${embedded?.hash ?? ''} the file states`);
  }
  const reading: FileReading | undefined = columns
    ? { columns }
    : path === undefined
      ? embedded?.reading
      : undefined;
  try {
    const { hash, lines } = await family.loadTaskFile(bytes, config, reading);
    for (const line of lines) process.stderr.write(`tasks: ${line}\n`);
    process.stderr.write(`tasks: ${where} has SHA-256 ${hash}\n`);
    const name = path === undefined ? (embedded as RunData).name : basename(path);
    // a run file states the SHA-256 of the bytes it embeds (an image family names its data by
    // another hash, of the images' paths and bytes)
    const fileHash = path === undefined ? (embedded as RunData).hash : await sha256Hex(bytes);
    return { name, hash: fileHash, bytes, ...(reading ? { reading } : {}) };
  } catch (err) {
    if (err instanceof TableError)
      throw new UsageError(`${path === undefined ? '' : '--tasks '}${where}: ${err.message}`);
    throw err;
  }
}
