/**
 * The runs shelf's records, read off the main thread. Listing the saved runs copies every record
 * out of IndexedDB, each with its run file (a glyph run's is about a megabyte, and up to
 * MAX_SAVED_RUNS are kept), and the shelf reads each file's summary. On the main thread that was
 * one 85-90 ms task on the 2-core machine for 20 glyph runs, then a parse per run. A small worker
 * (shelfRecords.worker.ts) does both and sends back the records without their files, with their
 * summaries: what the shelf lists, compares and names. A run's file is read from IndexedDB only
 * when it is opened or its deletion undone. Where there is no Worker (Node), the same reading runs
 * in place.
 */
import { answer, type ShelfQuery, type ShelfRecord, type ShelfReply, type ShelfRequest } from './shelfRecord';

let worker: Worker | null = null;
/** the worker could not run: the shelf reads in place from then on */
let inPlace = typeof Worker === 'undefined';
let nextId = 1;
const waiting = new Map<
  number,
  { request: ShelfRequest; resolve(r: ShelfRecord[]): void; reject(e: Error): void }
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
    if ('records' in reply) wait?.resolve(reply.records);
    else wait?.reject(new Error(reply.error));
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

function ask(query: ShelfQuery): Promise<ShelfRecord[]> {
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
export function readShelfRecords(tasks: readonly string[]): Promise<ShelfRecord[]> {
  return ask({ kind: 'list', tasks });
}

/** One stored record with its summary, or null when it is gone; throws the browser's reason. */
export async function readShelfRecord(runId: string, tasks: readonly string[]): Promise<ShelfRecord | null> {
  return (await ask({ kind: 'one', runId, tasks }))[0] ?? null;
}
