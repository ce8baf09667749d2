/**
 * The sensitivity maps kept in this browser, on the runs shelf: one entry per map (its family, its
 * axes, cells finished of all, its reading, when it was saved); Open shows it in the map's panel
 * (another family's map opens that family's page), Delete removes it and its cells' runs. Read
 * again whenever a map is saved or deleted, here or in another tab.
 */
import { useEffect, useState } from 'react';
import { planKey } from '../../core/sweep/mapFile';
import { formatDateTime } from '../kit/format';
import { useStore } from '../shell/store';
import { deleteSavedMap, openSavedMap } from '../sweep/mapKeeper';
import { listMaps } from '../sweep/mapSaves';
import { mapPageLink, mapShelfEntries, type MapShelfEntry } from '../sweep/mapShelfEntry';
import { onMapsChanged } from '../sweep/mapsChannel';
import { useSweep } from '../sweep/sweepStore';

/** The kept maps' entries, newest first (null until read). */
function useMapEntries(): MapShelfEntry[] | null {
  const [entries, setEntries] = useState<MapShelfEntry[] | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      void listMaps().then((maps) => {
        if (live) setEntries(mapShelfEntries(maps));
      });
    read();
    const stop = onMapsChanged(read);
    return () => {
      live = false;
      stop();
    };
  }, []);
  return entries;
}

async function openMap(e: MapShelfEntry): Promise<void> {
  const notify = useStore.getState().notify;
  if (e.task !== useStore.getState().config.task) {
    const maps = await listMaps();
    const m = maps.find((x) => x.key === e.key);
    if (m) window.location.assign(mapPageLink(m));
    else notify('warning', 'That map is no longer kept in this browser');
    return;
  }
  if (!(await openSavedMap(e.key)))
    notify(
      'info',
      'The map was not opened: another map is training (Cancel it first), or it is no longer kept',
    );
}

async function deleteMapEntry(e: MapShelfEntry): Promise<void> {
  if (!(await deleteSavedMap(e.key)))
    useStore
      .getState()
      .notify('info', 'The map was not deleted: it is training (Cancel it first), or the browser refused');
}

function MapEntry({ entry, training }: { entry: MapShelfEntry; training: boolean }) {
  return (
    <li className="shelf-entry" data-testid="shelf-map" data-map={entry.key}>
      <div className="shelf-title">
        <strong className="shelf-name">Map: {entry.axes}</strong>
        {training ? <span className="shelf-badge">training</span> : null}
      </div>
      <p className="shelf-meta">
        {entry.task} · {entry.done} of {entry.total} cells · saved {formatDateTime(entry.savedAt)}
        <br />
        <span data-testid="shelf-map-reading">{entry.reading}</span>
      </p>
      <div className="field-row shelf-actions">
        <button type="button" disabled={training} onClick={() => void openMap(entry)}>
          Open
        </button>
        <button type="button" disabled={training} onClick={() => void deleteMapEntry(entry)}>
          Delete
        </button>
      </div>
    </li>
  );
}

/** The kept maps (nothing when there are none). */
export function MapsShelf() {
  const entries = useMapEntries();
  const training = useSweep((s) => (s.status === 'running' && s.plan ? planKey(s.plan) : null));
  if (!entries || entries.length === 0) return null;
  return (
    <>
      <h3>Sensitivity maps</h3>
      <ul className="shelf-list">
        {entries.map((e) => (
          <MapEntry key={e.key} entry={e} training={training === e.key} />
        ))}
      </ul>
    </>
  );
}
