/**
 * Imported data the page comes to train on: kept in IndexedDB for the next load (said once where
 * the browser refuses), and data a run file brought (the worker checked and loaded it), which the
 * import panels take as if it had been imported (`onDataArrived`).
 */
import type { FileReading } from '../../core/families/family';
import { useStore } from '../shell/store';
import { setTrainedData } from './linkedData';
import { keepTaskFile } from './taskFiles';

/** the page says once per load that imported data is not kept */
let toldNotKept = false;

/** Keep the file for the next load; where the browser refuses, say so once (training goes on). */
export async function keep(
  task: string,
  name: string,
  file: Blob,
  hash: string,
  reading?: FileReading,
): Promise<void> {
  const kept = { task, name, hash, file, savedAt: new Date().toISOString() };
  if (await keepTaskFile(reading ? { ...kept, reading } : kept)) return;
  if (toldNotKept) return;
  toldNotKept = true;
  useStore
    .getState()
    .notify('warning', 'The imported data is not kept in this browser', [
      'Storage is full or turned off: training goes on, and after a reload the file must be imported again.',
    ]);
}

/** Data a run file brought: its family, file name, content hash, bytes and how it was read. */
export interface ArrivedData {
  task: string;
  name: string;
  hash: string;
  file: Blob;
  reading?: FileReading;
}

const listeners = new Set<(data: ArrivedData) => void>();

/** Call `listener` with each run file's data from now on; returns the unsubscribe. */
export function onDataArrived(listener: (data: ArrivedData) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** An opened run file's data: the run trains on it, the page keeps it and its panel shows it. */
export function dataArrived(data: ArrivedData): void {
  setTrainedData(data.task, data.hash);
  void keep(data.task, data.name, data.file, data.hash, data.reading);
  for (const listener of listeners) listener(data);
}
