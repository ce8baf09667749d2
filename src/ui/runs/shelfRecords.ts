/**
 * The saved runs' records, read and written off the main thread. Listing the saved runs copies
 * every record out of IndexedDB, each with its run file (a conv net's is about a megabyte, and up
 * to MAX_SAVED_RUNS are kept), and the shelf reads each file's summary: a long task on the main
 * thread. A small worker (shelfRecords.worker.ts) does both and sends back the records without
 * their files, with their summaries: what the shelf lists, compares and names. A run's file is read from IndexedDB
 * only when it is opened or its deletion undone. Where there is no Worker (Node), the same reading
 * runs in place.
 *
 * Writing a record costs the main thread as much: IndexedDB copies the value and wraps a large one
 * in a blob before `put` returns, in the middle of training. Autosave, Undo, a rename and a damage mark send
 * the record to the same worker, which writes it and answers with what the shelf lists of it;
 * the shelf and the other tabs are told from here.
 */
import type { RunSummary } from '../../core/runs/runSummary';
import { pageTasks } from '../shell/families';
import { announce, type SavedRun } from './autosaveDb';
import {
  answer,
  type ShelfAnswer,
  type ShelfQuery,
  type ShelfRecord,
  type ShelfReply,
  type ShelfRequest,
} from './shelfRecord';

let worker: Worker | null = null;
/** the worker could not run: the shelf reads in place from then on */
let inPlace = typeof Worker === 'undefined';
let nextId = 1;
const waiting = new Map<
  number,
  { request: ShelfRequest; resolve(r: ShelfAnswer): void; reject(e: Error): void }
>();

function startWorker(): Worker {
  const w = new Worker(new URL('./shelfRecords.worker.ts', import.meta.url), {
    type: 'module',
    name: 'maml-shelf',
  });
  w.onmessage = (e: MessageEvent<ShelfReply>) => {
    const reply = e.data;
    const wait = waiting.get(reply.id);
    waiting.delete(reply.id);
    if ('error' in reply) wait?.reject(new Error(reply.error));
    else wait?.resolve(reply);
  };
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    // a worker that cannot run (it should not happen) leaves the reading to the main thread
    inPlace = true;
    worker = null;
    w.terminate();
    const pending = [...waiting.values()];
    waiting.clear();
    for (const p of pending) answer(p.request).then(p.resolve, p.reject);
  };
  return w;
}

function ask(query: ShelfQuery): Promise<ShelfAnswer> {
  if (inPlace) return answer(query);
  const full: ShelfRequest = { ...query, id: nextId++ };
  worker ??= startWorker();
  const w = worker;
  return new Promise((resolve, reject) => {
    waiting.set(full.id, { request: full, resolve, reject });
    w.postMessage(full);
  });
}

/** Every stored record, newest first, with its summary; throws the browser's reason. */
export async function readShelfRecords(tasks: readonly string[]): Promise<ShelfRecord[]> {
  return (await ask({ kind: 'list', tasks })).records;
}

/** One stored record with its summary, or null when it is gone; throws the browser's reason. */
export async function readShelfRecord(runId: string, tasks: readonly string[]): Promise<ShelfRecord | null> {
  return (await ask({ kind: 'one', runId, tasks })).records[0] ?? null;
}

/** Write, then tell the shelf and the other tabs; false when the record to change was gone. */
async function write(query: ShelfQuery): Promise<boolean> {
  const { records, change } = await ask(query);
  if (change === null) return false;
  announce(change, records[0] ?? null);
  return true;
}

/**
 * Save (replace) a run, dropping the oldest beyond MAX_SAVED_RUNS; throws the browser's reason.
 * `summary`: what readRunSummary gives of its file, when the writer knows it.
 */
export async function putSavedRun(run: SavedRun, summary: RunSummary | null = null): Promise<void> {
  await write({ kind: 'put', run, summary, tasks: pageTasks() });
}

/**
 * Give a saved run a name, in its record and its run file ('' removes it); false when the record
 * is gone. Throws the browser's reason, or why the file cannot be read.
 */
export function renameSavedRun(runId: string, name: string): Promise<boolean> {
  return write({ kind: 'rename', runId, name, tasks: pageTasks() });
}

/** Mark a saved run damaged, with why (the training worker refused it); storage errors are let go. */
export async function markSavedRunDamaged(runId: string, reason: string): Promise<void> {
  try {
    await write({ kind: 'damage', runId, reason, tasks: pageTasks() });
  } catch {
    // storage unavailable: the shelf cannot list it either
  }
}
