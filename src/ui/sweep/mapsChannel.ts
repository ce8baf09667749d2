/**
 * "The kept maps changed", told to this tab's listeners (the runs shelf) and to the other tabs of
 * this site (a BroadcastChannel of its own; without one, the other tabs see the change when their
 * shelf is next read). Nothing travels but the signal: a listener reads the maps again.
 */

const CHANNEL = 'maml-maps';
const listeners = new Set<() => void>();
let channel: BroadcastChannel | null | undefined;

function theChannel(): BroadcastChannel | null {
  if (channel === undefined) {
    channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
    channel?.addEventListener('message', () => {
      for (const l of listeners) l();
    });
  }
  return channel;
}

/** Tell this tab's listeners and the other tabs. */
export function mapsChanged(): void {
  for (const l of listeners) l();
  theChannel()?.postMessage('changed');
}

/** Hear changes made here or in another tab; returns how to stop. */
export function onMapsChanged(heard: () => void): () => void {
  theChannel();
  listeners.add(heard);
  return () => {
    listeners.delete(heard);
  };
}
