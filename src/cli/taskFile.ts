import { readFileSync } from 'node:fs';
import type { Experiment } from '../core/experiment';
import type { TaskFamily } from '../core/families/family';
import { TableError } from '../core/data/csv/tableError';
import { UsageError } from './args';

/**
 * --tasks FILE: the family's tasks from the user's own file, read before any run is created; says
 * on stderr what was read and returns the data's content hash (null without the flag). A file the
 * family cannot use, or a family that takes no file, is a usage error with the reason.
 */
export async function readTaskFile(
  family: TaskFamily,
  path: string | undefined,
  config: Experiment,
): Promise<string | null> {
  if (path === undefined) return null;
  if (!family.loadTaskFile)
    throw new UsageError(`--tasks: ${config.task} tasks are generated, not read from a file`);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UsageError(`--tasks ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const { hash, lines } = await family.loadTaskFile(bytes, config);
    for (const line of lines) process.stderr.write(`tasks: ${line}\n`);
    process.stderr.write(`tasks: ${path} has SHA-256 ${hash}\n`);
    return hash;
  } catch (err) {
    if (err instanceof TableError) throw new UsageError(`--tasks ${path}: ${err.message}`);
    throw err;
  }
}
