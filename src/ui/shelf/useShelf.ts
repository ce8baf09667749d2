/**
 * The runs shelf's list: read once (one record per task), then kept up to date as this tab and the
 * other tabs of the site save, rename, mark or delete runs. A written record is read back alone;
 * only a change of several records reads the whole list again. A hidden tab keeps the changes and
 * applies them when it is shown.
 */
import { useEffect, useState } from 'react';
import { session } from '../session/session';
import { useStore } from '../shell/store';
import { pageTasks } from '../shell/families';
import { RUNS_CHANGED, type RunsChanged } from '../runs/autosaveDb';
import { coalesce, onOtherTabs, type RunsChange } from '../runs/runsChannel';
import { heldRunIds } from '../runs/runLocks';
import { dropEntry, entryOfRecord, placeEntry, type ShelfEntry } from '../runs/shelfEntry';
import { readShelfRecord, readShelfRecords } from '../runs/shelfRecords';
import type { ShelfRecord } from '../runs/shelfRecord';

/**
 * What follows a changed entry beside the list: its compared curves and, when another tab wrote
 * it, this page's run's name. (This tab's own writes are not renames: a save under way still
 * carries the name it began with, and taking that back would undo a rename made meanwhile.)
 */
function follow(entry: ShelfEntry, fromOtherTab: boolean): void {
  const s = useStore.getState();
  const compared = s.compared.some((r) => r.id === entry.id);
  // a compared run that trains on draws its newer curves; one marked damaged is no longer drawn
  if (compared && entry.ok) s.compareRun(entry.compare);
  else if (compared) s.uncompareRun(String(entry.id));
  // renamed in another tab: this page's next saves keep the name
  if (fromOtherTab && entry.ok && entry.id === s.liveRunId) {
    session.autosave.renamed(entry.id, entry.run.name ?? '');
  }
}

/** The saved runs, newest first (null until read), or why they cannot be read. */
export function useShelf(): { entries: ShelfEntry[] | null; error: string | null } {
  const [entries, setEntries] = useState<ShelfEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let mounted = true;
    let shown: ShelfEntry[] | null = null;
    const show = (list: ShelfEntry[]) => {
      shown = list;
      setEntries(list);
      setError(null);
    };
    const readAll = async () => {
      // the records and their files' summaries, read by the shelf's worker (a full shelf of conv
      // net runs is tens of megabytes of files, never copied to the main thread)
      const read = (await readShelfRecords(pageTasks())).map(entryOfRecord);
      if (mounted) show(read);
    };
    const apply = async (change: RunsChange, written: ShelfRecord | null) => {
      if (!mounted) return;
      if (change.kind === 'list' || shown === null) return readAll();
      if (change.kind === 'delete') {
        show(dropEntry(shown, change.id));
        useStore.getState().uncompareRun(change.id);
        return;
      }
      // a change heard from another tab (or kept while this one was hidden) comes without its
      // record, which is read as it is now (by the shelf's worker)
      const entry = written
        ? entryOfRecord(written)
        : await readShelfRecord(change.id, pageTasks()).then((r) => r && entryOfRecord(r));
      if (!mounted || shown === null) return;
      if (entry === null) return show(dropEntry(shown, change.id));
      show(placeEntry(shown, entry));
      follow(entry, written === null);
    };
    // changes are applied one after another, in the order they came
    let queue = Promise.resolve();
    const enqueue = (change: RunsChange, written: ShelfRecord | null) => {
      queue = queue
        .then(() => apply(change, written))
        .catch((e: unknown) => {
          if (mounted) setError(e instanceof Error ? e.message : String(e));
        });
    };
    let pending: RunsChange[] = [];
    const changed = (change: RunsChange, written: ShelfRecord | null) => {
      if (document.visibilityState !== 'hidden') enqueue(change, written);
      else pending = coalesce(pending, change);
    };
    const onShown = () => {
      if (document.visibilityState === 'hidden') return;
      for (const change of pending) enqueue(change, null);
      pending = [];
    };
    const onLocal = (e: Event) => {
      const { change, written } = (e as CustomEvent<RunsChanged>).detail;
      changed(change, written);
    };
    enqueue({ kind: 'list' }, null);
    window.addEventListener(RUNS_CHANGED, onLocal);
    document.addEventListener('visibilitychange', onShown);
    const stop = onOtherTabs((change) => changed(change, null));
    return () => {
      mounted = false;
      window.removeEventListener(RUNS_CHANGED, onLocal);
      document.removeEventListener('visibilitychange', onShown);
      stop();
    };
  }, []);
  return { entries, error };
}

/**
 * The listed runs that some tab is continuing (this tab's own run included), read again whenever
 * the list changes, when this tab comes back into view, and every few seconds (a tab that closes
 * or moves on to another run says nothing).
 */
export function useHeldRuns(entries: ShelfEntry[] | null): ReadonlySet<string> {
  const [held, setHeld] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => {
    if (entries === null) return;
    let mounted = true;
    const read = () =>
      void heldRunIds().then((ids) => {
        if (!mounted) return;
        setHeld((before) =>
          before.size === ids.size && [...ids].every((id) => before.has(id)) ? before : ids,
        );
      });
    const onShown = () => {
      if (document.visibilityState !== 'hidden') read();
    };
    read();
    const timer = setInterval(onShown, 5000);
    window.addEventListener('focus', read);
    document.addEventListener('visibilitychange', onShown);
    return () => {
      mounted = false;
      clearInterval(timer);
      window.removeEventListener('focus', read);
      document.removeEventListener('visibilitychange', onShown);
    };
  }, [entries]);
  return held;
}
