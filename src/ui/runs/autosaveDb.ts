/**
 * The page's saved runs in IndexedDB (through `idb`): one record per run (a reset or a new network
 * starts another), the run file's text with what the page lists about it, indexed by experiment.
 * The page offers the latest run of the experiment it opens with; the oldest runs beyond
 * MAX_SAVED_RUNS are dropped. Anything unreadable is treated as absent (a private window, a full
 * disk, an old format).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

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
}

interface RunsDb extends DBSchema {
  runs: { key: string; value: SavedRun; indexes: { 'by-key': string } };
}

/** saved runs kept in this browser (a paper-sized sinusoid run is ~100 kB, a glyph run ~2 MB) */
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

/** The latest saved run of this experiment, or null (none, or not readable). */
export async function loadSavedRun(key: string): Promise<SavedRun | null> {
  try {
    const runs = (await (await open()).getAllFromIndex('runs', 'by-key', key)).filter(isSavedRun);
    runs.sort((a, b) => (a.savedAt < b.savedAt ? 1 : -1));
    return runs[0] ?? null;
  } catch {
    return null;
  }
}

/** Save (replace) a run and drop the oldest beyond MAX_SAVED_RUNS; throws the browser's reason. */
export async function putSavedRun(run: SavedRun): Promise<void> {
  const d = await open();
  await d.put('runs', run);
  const all = await d.getAll('runs');
  if (all.length <= MAX_SAVED_RUNS) return;
  all.sort((a, b) => (a.savedAt < b.savedAt ? -1 : 1));
  for (const old of all.slice(0, all.length - MAX_SAVED_RUNS)) await d.delete('runs', old.id);
}

export async function deleteSavedRun(id: string): Promise<void> {
  try {
    await (await open()).delete('runs', id);
  } catch {
    // nothing saved, or storage unavailable: nothing to delete
  }
}
