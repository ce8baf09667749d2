/**
 * The task file a family trains on, kept in IndexedDB (through `idb`) so a reload trains on it
 * again: the last imported file per family (a Blob), its name and SHA-256. Nothing leaves the
 * browser. A private window or a full disk means the file is not kept (false / null), never an
 * error.
 */
import { openDB, type DBSchema } from 'idb';
import type { FileReading } from '../../core/families/family';

export interface KeptTaskFile {
  task: string;
  name: string;
  hash: string;
  file: Blob;
  savedAt: string;
  /** how it was read (the columns the user chose), when the reader left a choice */
  reading?: FileReading;
}

interface TaskFilesDb extends DBSchema {
  files: { key: string; value: KeptTaskFile };
}

const open = () =>
  openDB<TaskFilesDb>('maml-task-files', 1, {
    upgrade(db) {
      db.createObjectStore('files');
    },
  });

/** Keep a family's task file; false when the browser would not store it (quota, private mode). */
export async function keepTaskFile(file: KeptTaskFile): Promise<boolean> {
  try {
    const db = await open();
    await db.put('files', file, file.task);
    db.close();
    return true;
  } catch {
    return false;
  }
}

/** The task file kept for a family, or null. */
export async function keptTaskFile(task: string): Promise<KeptTaskFile | null> {
  try {
    const db = await open();
    const file = (await db.get('files', task)) ?? null;
    db.close();
    return file;
  } catch {
    return null;
  }
}
