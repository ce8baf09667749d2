/**
 * Sensitivity maps kept in this browser (IndexedDB through `idb`, a database of their own beside
 * the saved runs'): one record per map, keyed by its plan (base experiment, axes, steps,
 * evaluation), with its finished cells and, while they are small, the trained cells' run files.
 * Saved as cells finish, so closing the panel or the tab loses nothing already finished. Anything
 * unreadable is treated as absent (a private window, a full disk).
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
  /** the trained cells' run files, or nulls when they were too large to keep */
  runTexts: (string | null)[];
}

interface MapsDb extends DBSchema {
  maps: { key: string; value: SavedMap; indexes: { 'by-base': string; 'by-saved': string } };
}

/** maps kept; the oldest beyond this are dropped */
export const MAX_SAVED_MAPS = 12;
/** a map keeps its cells' run files only while they total less than this (characters) */
export const MAX_KEPT_RUN_CHARS = 16 * 1024 * 1024;

let db: Promise<IDBPDatabase<MapsDb>> | null = null;

function open(): Promise<IDBPDatabase<MapsDb>> {
  db ??= openDB<MapsDb>('maml-playground-maps', 1, {
    upgrade(d) {
      const maps = d.createObjectStore('maps', { keyPath: 'key' });
      maps.createIndex('by-base', 'base');
      maps.createIndex('by-saved', 'savedAt');
    },
  });
  return db;
}

/** The record of a map as it stands: its run files only while they are small enough to keep. */
export function savedMap(
  plan: SweepPlan,
  metric: MapMetric,
  cells: readonly (CellResult | null)[],
  runTexts: readonly (string | null)[],
  now: Date,
): SavedMap {
  const chars = runTexts.reduce((a, t) => a + (t?.length ?? 0), 0);
  return {
    key: planKey(plan),
    base: plan.config,
    savedAt: now.toISOString(),
    plan,
    metric,
    cells: [...cells],
    runTexts: chars < MAX_KEPT_RUN_CHARS ? [...runTexts] : runTexts.map(() => null),
  };
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
      for (const key of oldest) await d.delete('maps', key);
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
