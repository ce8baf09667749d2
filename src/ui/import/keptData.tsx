/**
 * What every import panel shares: keeping the imported file in IndexedDB for the next load (said
 * once where the browser refuses), training on the kept file when the page opens, and asking for
 * the file a share link names by its content hash (linkedData.ts).
 */
import { useEffect } from 'react';
import { dataMatches, shortHash } from '../../core/data/dataLink';
import { session } from '../session/session';
import { useStore } from '../shell/store';
import { askedData, setTrainedData } from './linkedData';
import { keepTaskFile, keptTaskFile, type KeptTaskFile } from './taskFiles';

/** the page says once per load that imported data is not kept */
let toldNotKept = false;

/** Keep the file for the next load; where the browser refuses, say so once (training goes on). */
export async function keep(task: string, name: string, file: Blob, hash: string): Promise<void> {
  if (await keepTaskFile({ task, name, hash, file, savedAt: new Date().toISOString() })) return;
  if (toldNotKept) return;
  toldNotKept = true;
  useStore
    .getState()
    .notify('warning', 'The imported data is not kept in this browser', [
      'Storage is full or turned off: training goes on, and after a reload the file must be imported again.',
    ]);
}

/** The page's run of `task` trains on this file from now on: the training worker gets it. */
export function trainOn(task: string, name: string, file: Blob, hash: string): void {
  session.send({ kind: 'taskFile', task, file, source: name });
  setTrainedData(task, hash);
}

/**
 * On mount, when asked, train on the file kept from an earlier import (if there is one): `read`
 * makes the page's part of it (throws when this config cannot use it, which leaves the example in
 * place). Where the opened link names other data, the kept file is left and `ask` gets the hash.
 */
export function useRestore(
  task: string,
  restore: boolean,
  read: (kept: KeptTaskFile) => Promise<void>,
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
        await read(kept);
        trainOn(task, kept.name, kept.file, kept.hash);
      })
      .catch(() => undefined);
    // once per mount: a later import replaces the kept file itself
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
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
