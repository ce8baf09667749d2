/**
 * What the runs shelf reads of a stored record, and the writes of whole records, done where the
 * files are: off the main thread in the shelf's worker (shelfRecords.worker.ts), or in place where
 * there is no Worker (Node).
 */
import { readRunSummary, type RunSummary } from '../../core/runs/runSummary';
import {
  getStoredRun,
  listSavedRuns,
  storeDamage,
  storeRunName,
  storeSavedRun,
  type SavedRun,
  type StoredRun,
} from './autosaveDb';
import type { RunsChange } from './runsChannel';

/** A saved record as the shelf holds it: without its run file. */
export type SavedRunMeta = Omit<SavedRun, 'text'>;
export type StoredMeta = { ok: true; run: SavedRunMeta } | Extract<StoredRun, { ok: false }>;

/** One record for the shelf: the record, and its file's summary or why the file cannot be read. */
export interface ShelfRecord {
  stored: StoredMeta;
  summary: RunSummary | null;
  /** why its file cannot be read (null when it can, or when the record itself is not a run) */
  unreadable: string | null;
}

/**
 * What the shelf asks (`tasks`: the families this page runs): every record, or one; or a write:
 * a whole record (with its file's summary when the writer knows it), a name, a damage mark.
 */
export type ShelfQuery = { tasks: readonly string[] } & (
  | { kind: 'list' }
  | { kind: 'one'; runId: string }
  | { kind: 'put'; run: SavedRun; summary: RunSummary | null }
  | { kind: 'rename'; runId: string; name: string }
  | { kind: 'damage'; runId: string; reason: string }
);
/** The records read, or written (with what changed; none when the record to change was gone). */
export interface ShelfAnswer {
  records: ShelfRecord[];
  change: RunsChange | null;
}
export type ShelfRequest = ShelfQuery & { id: number };
export type ShelfReply = { id: number } & (ShelfAnswer | { error: string });

/** A record without its file. */
export function withoutFile(run: SavedRun): SavedRunMeta {
  const { text: _file, ...meta } = run;
  return meta;
}

/**
 * What the shelf needs of one stored record (its file is read here and left behind; not again
 * when its summary is known).
 */
export function shelfRecord(
  stored: StoredRun,
  tasks: readonly string[],
  known: RunSummary | null = null,
): ShelfRecord {
  if (!stored.ok) return { stored, summary: null, unreadable: null };
  const { run } = stored;
  const meta: StoredMeta = { ok: true, run: withoutFile(run) };
  // a run the training worker refused is listed with that reason; its file is not read again
  if (typeof run.damaged === 'string') return { stored: meta, summary: null, unreadable: null };
  if (known !== null) return { stored: meta, summary: known, unreadable: null };
  try {
    return { stored: meta, summary: readRunSummary(run.text, { tasks }), unreadable: null };
  } catch (e) {
    return { stored: meta, summary: null, unreadable: e instanceof Error ? e.message : String(e) };
  }
}

/** The record written, as the shelf lists it, and what changed; nothing when it was gone. */
function written(run: SavedRun | null, tasks: readonly string[]): ShelfAnswer {
  if (run === null) return { records: [], change: null };
  return { records: [shelfRecord({ ok: true, run }, tasks)], change: { kind: 'put', id: run.id } };
}

/** Answer one request (in the worker, or in place where there is none). */
export async function answer(request: ShelfQuery): Promise<ShelfAnswer> {
  const { tasks } = request;
  switch (request.kind) {
    case 'list': {
      const list = await listSavedRuns();
      return { records: list.map((stored) => shelfRecord(stored, tasks)), change: null };
    }
    case 'one': {
      const stored = await getStoredRun(request.runId);
      return { records: stored ? [shelfRecord(stored, tasks)] : [], change: null };
    }
    case 'put': {
      const { run, summary } = request;
      const change = await storeSavedRun(run);
      return { records: [shelfRecord({ ok: true, run }, tasks, summary)], change };
    }
    case 'rename':
      return written(await storeRunName(request.runId, request.name), tasks);
    case 'damage':
      return written(await storeDamage(request.runId, request.reason), tasks);
  }
}
