/**
 * What every import panel shares: handing a file to the training worker, training on the kept
 * file when the page opens, taking the data an opened run file brought, and asking for the file a
 * share link names by its content hash (linkedData.ts).
 */
import { useEffect } from 'react';
import { dataMatches, shortHash } from '../../core/data/dataLink';
import type { FileReading } from '../../core/families/family';
import { session } from '../session/session';
import { onDataArrived } from './arrivedData';
import { askedData, setTrainedData } from './linkedData';
import { keptTaskFile, type KeptTaskFile } from './taskFiles';

export { keep } from './arrivedData';

/**
 * What the page's import worker already read of a file (TaskFamily.adoptTaskData), handed to the
 * training worker with its buffers moved (`transfer`), so the file is not read twice.
 */
export interface ReadData {
  data: unknown;
  transfer: Transferable[];
}

/**
 * The page's run of `task` trains on this file from now on: the training worker gets it, with
 * what was read of it already (`read`, moved: the page cannot use it after).
 */
export function trainOn(
  task: string,
  name: string,
  file: Blob,
  hash: string,
  reading?: FileReading,
  read?: ReadData,
): void {
  session.send(
    {
      kind: 'taskFile',
      task,
      file,
      source: name,
      ...(reading ? { reading } : {}),
      ...(read ? { read: read.data } : {}),
    },
    read?.transfer ?? [],
  );
  setTrainedData(task, hash);
}

/**
 * On mount, when asked, train on the file kept from an earlier import (if there is one): `read`
 * makes the page's part of it (throws when this config cannot use it, which leaves the example in
 * place) and may give what it read for the training worker. Where the opened link names other
 * data, the kept file is left and `ask` gets the hash.
 */
export function useRestore(
  task: string,
  restore: boolean,
  read: (kept: KeptTaskFile) => Promise<ReadData | void>,
  ask: (hash: string) => void,
): void {
  useEffect(() => {
    if (!restore) return;
    const wanted = askedData(task);
    void keptTaskFile(task)
      .then(async (kept) => {
        if (wanted !== null && !(kept && dataMatches(wanted, kept.hash))) {
          ask(wanted);
          return;
        }
        if (!kept) return;
        const readData = await read(kept);
        trainOn(task, kept.name, kept.file, kept.hash, kept.reading, readData ?? undefined);
      })
      .catch(() => undefined);
    // once per mount: a later import replaces the kept file itself
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}

/**
 * Data an opened run file brought for `task` (the worker trains on it already): `read` makes the
 * page's part of it, as for an import, read as the file says (`reading`: the columns chosen); the
 * asking line goes (`arrived`).
 */
export function useArrivedData(
  task: string,
  read: (file: Blob, name: string, reading?: FileReading) => Promise<void>,
  arrived: () => void,
): void {
  useEffect(
    () =>
      onDataArrived((data) => {
        if (data.task !== task) return;
        arrived();
        void read(data.file, data.name, data.reading).catch(() => undefined);
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [task],
  );
}

/** The one line asking for the file a link's run trained on. */
export function AskForFile({ hash }: { hash: string }) {
  return (
    <p className="import-ask">
      This link&apos;s run trained on data of its author&apos;s (content hash {shortHash(hash)}), which this
      browser does not have: import that file to train on it. Until then the run trains on the example.
    </p>
  );
}
