/**
 * Sensitivity maps kept in this browser (IndexedDB through `idb`, a database of their own beside
 * the saved runs'): one small record per map, keyed by its plan (base experiment, axes, steps,
 * evaluation), with its finished cells, rewritten as cells finish; and each trained cell's run
 * file as a record of its own, written once (a map's runs together are megabytes: rewriting them
 * at every cell would block the page). Closing the panel or the tab loses nothing already
 * finished. Anything unreadable is treated as absent (a private window, a full disk).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { planKey, type CellResult, type SweepPlan } from '../../core/sweep/mapFile';
import type { MapMetric } from './mapView';

export interface SavedMap {
  /** planKey(plan) */
  key: string;
  /** the base experiment's link (plan.config), to find the maps of the current settings */
  base: string;
  savedAt: string;
  plan: SweepPlan;
  metric: MapMetric;
  cells: (CellResult | null)[];
}

interface CellRun {
  /** the map's key */
  key: string;
  index: number;
  text: string;
}

interface MapsDb extends DBSchema {
  maps: { key: string; value: SavedMap; indexes: { 'by-base': string; 'by-saved': string } };
  runs: { key: [string, number]; value: CellRun };
}

/** maps kept; the oldest beyond this are dropped */
export const MAX_SAVED_MAPS = 12;

let db: Promise<IDBPDatabase<MapsDb>> | null = null;

function open(): Promise<IDBPDatabase<MapsDb>> {
  db ??= openDB<MapsDb>('maml-playground-maps', 1, {
    upgrade(d) {
      const maps = d.createObjectStore('maps', { keyPath: 'key' });
      maps.createIndex('by-base', 'base');
      maps.createIndex('by-saved', 'savedAt');
      d.createObjectStore('runs', { keyPath: ['key', 'index'] });
    },
  });
  return db;
}

/** The record of a map as it stands (its runs are kept apart, saveCellRun). */
export function savedMap(
  plan: SweepPlan,
  metric: MapMetric,
  cells: readonly (CellResult | null)[],
  now: Date,
): SavedMap {
  return {
    key: planKey(plan),
    base: plan.config,
    savedAt: now.toISOString(),
    plan,
    metric,
    cells: [...cells],
  };
}

/** the runs of a map's cells: keys [map key, 0] to [map key, last] */
const runsOf = (key: string) => IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);

/** Keep a trained cell's run file (once, when it finishes). */
export async function saveCellRun(key: string, index: number, text: string): Promise<void> {
  try {
    await (await open()).put('runs', { key, index, text });
  } catch {
    // not kept: the cell's numbers still are; only opening its run after a reload is lost
  }
}

/** The run files kept for a map's cells (null where none is). */
export async function loadCellRuns(key: string, cells: number): Promise<(string | null)[]> {
  const out: (string | null)[] = Array.from({ length: cells }, () => null);
  try {
    for (const r of await (await open()).getAll('runs', runsOf(key)))
      if (r.index < cells) out[r.index] = r.text;
  } catch {
    // none kept
  }
  return out;
}

/** Write a map (and drop the oldest beyond MAX_SAVED_MAPS); false when the browser refused. */
export async function saveMap(map: SavedMap): Promise<boolean> {
  try {
    const d = await open();
    const isNew = (await d.getKey('maps', map.key)) === undefined;
    await d.put('maps', map);
    // a new map may push the oldest out (read by key, oldest first: no map is loaded to count)
    if (isNew) {
      const extra = (await d.count('maps')) - MAX_SAVED_MAPS;
      const oldest = extra > 0 ? await d.getAllKeysFromIndex('maps', 'by-saved', null, extra) : [];
      for (const key of oldest) {
        await d.delete('maps', key);
        await d.delete('runs', runsOf(key));
      }
    }
    return true;
  } catch {
    return false;
  }
}

/** The saved map of a plan, or null. */
export async function loadMap(key: string): Promise<SavedMap | null> {
  try {
    return (await (await open()).get('maps', key)) ?? null;
  } catch {
    return null;
  }
}

/** The latest map saved for a base experiment, or null. */
export async function latestMapFor(base: string): Promise<SavedMap | null> {
  try {
    const maps = await (await open()).getAllFromIndex('maps', 'by-base', base);
    maps.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
    return maps[0] ?? null;
  } catch {
    return null;
  }
}

/** Every map kept (each a small record: its cells' numbers, not their runs); [] when unreadable. */
export async function listMaps(): Promise<SavedMap[]> {
  try {
    return await (await open()).getAll('maps');
  } catch {
    return [];
  }
}

/** Remove a map and its cells' run files; false when the browser refused. */
export async function deleteMap(key: string): Promise<boolean> {
  try {
    const d = await open();
    await d.delete('maps', key);
    await d.delete('runs', runsOf(key));
    return true;
  } catch {
    return false;
  }
}
