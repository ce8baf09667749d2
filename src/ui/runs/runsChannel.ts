/**
 * What changed in the saved runs, told to the other tabs of this site (a BroadcastChannel on the
 * page's origin; without one, a localStorage key whose `storage` event the other tabs get, and a
 * full re-read when a tab is shown again). Only the record's id travels: a tab reads that one
 * record back, so an autosave elsewhere never makes it re-read the whole shelf.
 */

/** A record written or deleted, or anything else (several records: the whole list is read again). */
export type RunsChange = { kind: 'put'; id: string } | { kind: 'delete'; id: string } | { kind: 'list' };

const CHANNEL = 'maml-runs';
/** localStorage key of the fallback (its value changes with every message) */
export const RUNS_STORAGE_KEY = 'maml-runs-changed';

/** A message from another tab as a change, or null when it is not one. */
export function readChange(data: unknown): RunsChange | null {
  if (!data || typeof data !== 'object') return null;
  const { kind, id } = data as { kind?: unknown; id?: unknown };
  if (kind === 'list') return { kind };
  if ((kind === 'put' || kind === 'delete') && typeof id === 'string') return { kind, id };
  return null;
}

/**
 * Changes to apply together (a hidden tab applies them when it is shown): the latest change of
 * each record, in order; once the list is to be read again, nothing else is needed.
 */
export function coalesce(pending: readonly RunsChange[], change: RunsChange): RunsChange[] {
  if (change.kind === 'list' || pending.some((c) => c.kind === 'list')) return [{ kind: 'list' }];
  return [...pending.filter((c) => c.kind === 'list' || c.id !== change.id), change];
}

let channel: BroadcastChannel | null | undefined;

/** this tab's one channel (a channel does not hear its own messages; other tabs' channels do) */
function theChannel(): BroadcastChannel | null {
  if (channel === undefined) {
    channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  }
  return channel;
}

/** Tell the other tabs of this site. */
export function tellOtherTabs(change: RunsChange): void {
  const ch = theChannel();
  if (ch) {
    ch.postMessage(change);
    return;
  }
  try {
    localStorage.setItem(RUNS_STORAGE_KEY, JSON.stringify({ ...change, nonce: Math.random() }));
  } catch {
    // no storage either: the other tabs read the list again when they are shown
  }
}

/** Hear the other tabs' changes; returns how to stop. */
export function onOtherTabs(heard: (change: RunsChange) => void): () => void {
  const ch = theChannel();
  if (ch) {
    const onMessage = (e: MessageEvent) => {
      const change = readChange(e.data);
      if (change) heard(change);
    };
    ch.addEventListener('message', onMessage);
    return () => ch.removeEventListener('message', onMessage);
  }
  const onStorage = (e: StorageEvent) => {
    if (e.key !== RUNS_STORAGE_KEY || e.newValue === null) return;
    let data: unknown = null;
    try {
      data = JSON.parse(e.newValue);
    } catch {
      return;
    }
    const change = readChange(data);
    if (change) heard(change);
  };
  const onShown = () => {
    if (document.visibilityState === 'visible') heard({ kind: 'list' });
  };
  window.addEventListener('storage', onStorage);
  document.addEventListener('visibilitychange', onShown);
  return () => {
    window.removeEventListener('storage', onStorage);
    document.removeEventListener('visibilitychange', onShown);
  };
}
