import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Experiment } from '../core/experiment';
import type { TaskFamily } from '../core/families/family';
import { sha256Hex } from '../core/data/csv/importTable';
import { TableError } from '../core/data/csv/tableError';
import type { RunData } from '../core/runs/runFile';
import { UsageError } from './args';

/**
 * --tasks FILE, or the data a resumed run file embeds: the family's tasks from the user's own
 * file, read before any run is created; says on stderr what was read and returns the data (name,
 * content hash, bytes; null without either). A file the family cannot use, a family that takes no
 * file, or embedded bytes whose hash is not the one the run file states, is a usage error with
 * the reason. --tasks wins over embedded data.
 */
export async function readTaskFile(
  family: TaskFamily,
  path: string | undefined,
  config: Experiment,
  embedded: RunData | null = null,
): Promise<RunData | null> {
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
  try {
    const { hash, lines } = await family.loadTaskFile(bytes, config);
    for (const line of lines) process.stderr.write(`tasks: ${line}\n`);
    process.stderr.write(`tasks: ${where} has SHA-256 ${hash}\n`);
    return { name: path === undefined ? (embedded as RunData).name : basename(path), hash, bytes };
  } catch (err) {
    if (err instanceof TableError)
      throw new UsageError(`${path === undefined ? '' : '--tasks '}${where}: ${err.message}`);
    throw err;
  }
}
