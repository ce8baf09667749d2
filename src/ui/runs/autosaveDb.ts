/**
 * The page's saved runs in IndexedDB (through `idb`): one record per run (a reset or a new network
 * starts another), the run file's text with what the page lists about it, indexed by experiment.
 * The page offers the latest run of the experiment it opens with; the oldest runs beyond
 * MAX_SAVED_RUNS are dropped. Anything unreadable is treated as absent (a private window, a full
 * disk, an old format).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { renameRunFile } from '../../core/runs/runSummary';
import { tellOtherTabs, type RunsChange } from './runsChannel';
// (a type only: shelfRecord.ts reads and writes through this module)
import type { ShelfRecord } from './shelfRecord';

export interface SavedRun {
  /** this run's id (a page that opens a link replays its own run: it never overwrites another) */
  id: string;
  /** the experiment's query string (settings, no page keys) */
  key: string;
  task: string;
  algo: string;
  step: number;
  savedAt: string;
  /** the run file (src/core/runs/runFile.ts) */
  text: string;
  /** the name the user gave it on the shelf (also in the run file) */
  name?: string;
  /** why it cannot be continued, when the training worker refused it (listed as damaged) */
  damaged?: string;
}

/** A record as stored: a SavedRun, or something that cannot be read as one (listed as damaged). */
export type StoredRun = { ok: true; run: SavedRun } | { ok: false; id: IDBValidKey; savedAt: string };

/**
 * Fired on window when this page changed the saved runs (the runs shelf refreshes): its detail is
 * a RunsChanged. The other tabs of the site hear the change (runsChannel.ts) without the record.
 */
export const RUNS_CHANGED = 'maml-runs-changed';

/**
 * What changed, with what the shelf lists of the record written when it is one: the record without
 * its file, and the file's summary (records are written off the main thread, shelfRecords.ts).
 */
export interface RunsChanged {
  change: RunsChange;
  written: ShelfRecord | null;
}

/** Tell this page's shelf and the other tabs that the saved runs changed. */
export function announce(change: RunsChange, written: ShelfRecord | null = null): void {
  if (typeof window === 'undefined') return;
  window.dispatchEvent(new CustomEvent<RunsChanged>(RUNS_CHANGED, { detail: { change, written } }));
  tellOtherTabs(change);
}

interface RunsDb extends DBSchema {
  runs: { key: string; value: SavedRun; indexes: { 'by-key': string } };
}

/** sessionStorage key: the saved run a page opened from another family's shelf continues */
export const OPEN_RUN_KEY = 'maml-open-run';

/** saved runs kept in this browser (a small MLP's run is ~100 kB, a conv net's ~2 MB) */
export const MAX_SAVED_RUNS = 20;

const DB_NAME = 'maml-playground';
const DB_VERSION = 1;
let db: Promise<IDBPDatabase<RunsDb>> | null = null;

function open(): Promise<IDBPDatabase<RunsDb>> {
  db ??= openDB<RunsDb>(DB_NAME, DB_VERSION, {
    upgrade(d) {
      if (!d.objectStoreNames.contains('runs')) {
        d.createObjectStore('runs', { keyPath: 'id' }).createIndex('by-key', 'key');
      }
    },
  });
  return db;
}

function isSavedRun(v: unknown): v is SavedRun {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    typeof r.key === 'string' &&
    typeof r.text === 'string' &&
    typeof r.step === 'number' &&
    Number.isInteger(r.step) &&
    r.step >= 0 &&
    typeof r.savedAt === 'string' &&
    typeof r.task === 'string' &&
    typeof r.algo === 'string'
  );
}

/** The latest saved run of this experiment (or the record `id` when given), or null. */
export async function loadSavedRun(key: string, id: string | null = null): Promise<SavedRun | null> {
  try {
    if (id !== null) {
      const run: unknown = await (await open()).get('runs', id);
      return isSavedRun(run) ? run : null;
    }
    const runs = (await (await open()).getAllFromIndex('runs', 'by-key', key)).filter(isSavedRun);
    runs.sort((a, b) => (a.savedAt < b.savedAt ? 1 : -1));
    return runs[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * Save (replace) a run and drop the oldest beyond MAX_SAVED_RUNS; throws the browser's reason.
 * What changed: the one record, or the list when older ones were dropped. (Runs where the shelf's
 * reader runs, off the main thread: shelfRecords.ts's putSavedRun.)
 */
export async function storeSavedRun(run: SavedRun): Promise<RunsChange> {
  const d = await open();
  await d.put('runs', run);
  const keys = await d.getAllKeys('runs');
  if (keys.length <= MAX_SAVED_RUNS) return { kind: 'put', id: run.id };
  const all = await d.getAll('runs');
  const time = (r: unknown) => (isSavedRun(r) ? r.savedAt : '');
  all.sort((a, b) => (time(a) < time(b) ? -1 : 1));
  for (const old of all.slice(0, all.length - MAX_SAVED_RUNS)) await d.delete('runs', old.id);
  return { kind: 'list' };
}

export async function deleteSavedRun(id: IDBValidKey): Promise<void> {
  try {
    await (await open()).delete('runs', id as string);
    announce(typeof id === 'string' ? { kind: 'delete', id } : { kind: 'list' });
  } catch {
    // nothing saved, or storage unavailable: nothing to delete
  }
}

/** A stored record as the shelf lists it, or null when there is none (throws the browser's reason). */
export async function getStoredRun(id: string): Promise<StoredRun | null> {
  const v: unknown = await (await open()).get('runs', id);
  if (v === undefined) return null;
  return storedRun(v, id);
}

function storedRun(v: unknown, id: IDBValidKey): StoredRun {
  if (isSavedRun(v)) return { ok: true, run: v };
  const at = v && typeof v === 'object' ? (v as { savedAt?: unknown }).savedAt : undefined;
  return { ok: false, id, savedAt: typeof at === 'string' ? at : '' };
}

/** Every stored record, newest first (damaged ones too); throws the browser's reason. */
export async function listSavedRuns(): Promise<StoredRun[]> {
  const d = await open();
  const [keys, values] = await Promise.all([d.getAllKeys('runs'), d.getAll('runs') as Promise<unknown[]>]);
  const list = values.map((v, i) => storedRun(v, keys[i] as IDBValidKey));
  const time = (r: StoredRun) => (r.ok ? r.run.savedAt : r.savedAt);
  return list.sort((a, b) => (time(a) < time(b) ? 1 : time(a) > time(b) ? -1 : 0));
}

/** Rewrite a stored record through `edit`: the record written, or null when it is gone. */
async function rewrite(id: string, edit: (run: SavedRun) => SavedRun): Promise<SavedRun | null> {
  const d = await open();
  const run: unknown = await d.get('runs', id);
  if (!isSavedRun(run)) return null;
  const next = edit(run);
  await d.put('runs', next);
  return next;
}

/**
 * Give a saved run a name, in its record and its run file ('' removes it): the renamed record, or
 * null when it is gone. Throws the browser's reason, or a RunFileError when the file cannot be
 * read. (Off the main thread: shelfRecords.ts's renameSavedRun.)
 */
export function storeRunName(id: string, name: string): Promise<SavedRun | null> {
  return rewrite(id, ({ name: _old, ...rest }) => ({
    ...rest,
    ...(name !== '' ? { name } : {}),
    text: renameRunFile(rest.text, name),
  }));
}

/**
 * Mark a saved run damaged, with why (the training worker refused it): the shelf lists it so, here
 * and after a reload, and the page no longer continues it. Nothing else in it changes. The marked
 * record, or null when it is gone. (Off the main thread: shelfRecords.ts's markSavedRunDamaged.)
 */
export function storeDamage(id: string, reason: string): Promise<SavedRun | null> {
  return rewrite(id, (run) => ({ ...run, damaged: reason }));
}
