/**
 * What the runs shelf reads of a stored record, done where the files are read: off the main thread
 * in the shelf's worker (shelfRecords.worker.ts), or in place where there is no Worker (Node).
 */
import { readRunSummary, type RunSummary } from '../../core/runs/runSummary';
import { getStoredRun, listSavedRuns, type SavedRun, type StoredRun } from './autosaveDb';

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

/** What the shelf asks: every record, or one; `tasks`: the families this page runs. */
export type ShelfQuery = { tasks: readonly string[] } & ({ kind: 'list' } | { kind: 'one'; runId: string });
export type ShelfRequest = ShelfQuery & { id: number };
export type ShelfReply = { id: number } & ({ records: ShelfRecord[] } | { error: string });

/** A record without its file. */
export function withoutFile(run: SavedRun): SavedRunMeta {
  const { text: _file, ...meta } = run;
  return meta;
}

/** What the shelf needs of one stored record (its file is read here and left behind). */
export function shelfRecord(stored: StoredRun, tasks: readonly string[]): ShelfRecord {
  if (!stored.ok) return { stored, summary: null, unreadable: null };
  const { run } = stored;
  const meta: StoredMeta = { ok: true, run: withoutFile(run) };
  // a run the training worker refused is listed with that reason; its file is not read again
  if (typeof run.damaged === 'string') return { stored: meta, summary: null, unreadable: null };
  try {
    return { stored: meta, summary: readRunSummary(run.text, { tasks }), unreadable: null };
  } catch (e) {
    return { stored: meta, summary: null, unreadable: e instanceof Error ? e.message : String(e) };
  }
}

/** Answer one request (in the worker, or in place where there is none). */
export async function answer(request: ShelfQuery): Promise<ShelfRecord[]> {
  if (request.kind === 'list') {
    const list = await listSavedRuns();
    return list.map((stored) => shelfRecord(stored, request.tasks));
  }
  const stored = await getStoredRun(request.runId);
  return stored ? [shelfRecord(stored, request.tasks)] : [];
}
