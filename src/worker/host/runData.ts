/**
 * The imported data the worker's runs train on (the last task file read, or the data a run file
 * brought), so a run file the page downloads can embed it; and a run file's embedded data, checked
 * against its SHA-256 and loaded into its family before the run is built. One worker, one page:
 * the data is the worker's.
 */
import { sha256Hex } from '../../core/data/csv/importTable';
import { familyOf } from '../../core/families/registry';
import type { FileReading } from '../../core/families/family';
import { readRunFileData } from '../../core/runs/parseRunFile';
import type { RunData } from '../../core/runs/runFile';

let held: { task: string; name: string; bytes: Uint8Array; reading?: FileReading } | null = null;

/** The runs of `task` train on this file from now on, read as `reading` says (the columns chosen). */
export function holdData(task: string, name: string, bytes: Uint8Array, reading?: FileReading): void {
  held = { task, name, bytes, ...(reading ? { reading } : {}) };
}

/** The data runs of `task` train on, as a run file embeds it (null: they train on no imported file). */
export async function embeddedData(task: string): Promise<RunData | null> {
  if (!held || held.task !== task) return null;
  const { name, bytes, reading } = held;
  return { name, hash: await sha256Hex(bytes), bytes, ...(reading ? { reading } : {}) };
}

/** Embedded data that was loaded: its file, the content hash its family names it by, how it was read. */
export interface OpenedData {
  name: string;
  bytes: Uint8Array;
  hash: string;
  reading?: FileReading;
}

/**
 * A run file's embedded data (null: none), checked and loaded into its family (of `task`, the
 * only one the page opens) so the file's run is built on it. Throws the reason (one line) when the
 * bytes are not what the file states or the family cannot use them.
 */
export async function loadRunData(text: string, task: string): Promise<OpenedData | null> {
  const { config, data } = readRunFileData(text, { tasks: [task] });
  if (!data) return null;
  const load = familyOf(config.task).loadTaskFile;
  if (!load)
    throw new Error(`it embeds data (${data.name}), but its tasks are generated, not read from a file`);
  const sha = await sha256Hex(data.bytes);
  if (sha !== data.hash)
    throw new Error(`its data (${data.name}) has SHA-256 ${sha}, not the ${data.hash} the file states`);
  const { hash } = await load(data.bytes, config, data.reading);
  holdData(config.task, data.name, data.bytes, data.reading);
  return { name: data.name, bytes: data.bytes, hash, ...(data.reading ? { reading: data.reading } : {}) };
}
