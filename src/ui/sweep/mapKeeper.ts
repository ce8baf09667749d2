/**
 * The map kept in this browser as it trains (mapSaves.ts), and shown again: the latest map of the
 * current settings when the panel opens with no map, a share link's own map when this browser has
 * its finished cells. A restored map trains nothing until Start (which trains the rest).
 */
import { parseExperiment } from '../../core/experiment';
import { planKey, type SweepPlan } from '../../core/sweep/mapFile';
import { parseSweepLink } from '../../core/sweep/spec';
import { formatDateTime } from '../kit/format';
import { draftOfSpec } from './mapDraft';
import {
  latestMapFor,
  loadCellRuns,
  loadMap,
  saveCellRun,
  deleteMap,
  saveMap,
  savedMap,
  type SavedMap,
} from './mapSaves';
import { mapsChanged } from './mapsChannel';
import { useSweep } from './sweepStore';

/** cells finishing close together are saved once */
const SAVE_DELAY_MS = 500;
let timer: ReturnType<typeof setTimeout> | null = null;

/** Save the current map soon (its finished cells, and their runs while small). */
export function keepMapSoon(): void {
  timer ??= setTimeout(() => {
    timer = null;
    const s = useSweep.getState();
    if (!s.plan || !s.metric || s.cells.every((c) => c === null)) return;
    void saveMap(savedMap(s.plan, s.metric, s.cells, new Date())).then((ok) => {
      if (ok) mapsChanged();
    });
  }, SAVE_DELAY_MS);
}

/** Keep a trained cell's run (written once) and the map's cells soon. */
export function keepCell(plan: SweepPlan, index: number, runText: string | null): void {
  if (runText !== null) void saveCellRun(planKey(plan), index, runText);
  keepMapSoon();
}

/** Show a saved map and its axes in the form (never over a map that is training). */
async function show(m: SavedMap): Promise<void> {
  const runTexts = await loadCellRuns(m.key, m.cells.length);
  const s = useSweep.getState();
  if (s.status === 'running') return;
  const task = parseExperiment(m.plan.config).config.task;
  const spec = parseSweepLink(m.plan.sweep, m.plan.steps, task).spec;
  const finished = m.cells.filter((c) => c !== null).length;
  useSweep.setState({
    plan: m.plan,
    metric: m.metric,
    cells: m.cells,
    runTexts,
    inProgress: {},
    status: finished === m.cells.length ? 'done' : 'restored',
    tookSec: null,
    hover: null,
    message: `${finished} finished cell${finished === 1 ? '' : 's'} kept in this browser (saved ${formatDateTime(m.savedAt)})`,
    ...(spec ? { draft: draftOfSpec(spec), draftTask: task } : {}),
  });
}

/** The latest map of the base experiment `base` (a link), when no map is shown. */
export async function restoreLatest(base: string): Promise<void> {
  if (useSweep.getState().plan) return;
  const m = await latestMapFor(base);
  if (m && !useSweep.getState().plan) await show(m);
}

/** The saved map of this plan, unless it is the one shown. */
export async function restorePlan(plan: SweepPlan): Promise<void> {
  const key = planKey(plan);
  const shown = useSweep.getState().plan;
  if (shown && planKey(shown) === key) return;
  const m = await loadMap(key);
  if (m) await show(m);
}

/**
 * A kept map from the runs shelf: the panel opens with it and its cells (never over a map that is
 * training); false when it is no longer kept or a map is training.
 */
export async function openSavedMap(key: string): Promise<boolean> {
  const m = await loadMap(key);
  if (!m || useSweep.getState().status === 'running') return false;
  await show(m);
  useSweep.setState({ open: true, linkRestore: false });
  return useSweep.getState().plan === m.plan;
}

/**
 * Delete a kept map and its cells' runs (refused while it trains); the map stays on the panel
 * when it is shown there, no longer kept.
 */
export async function deleteSavedMap(key: string): Promise<boolean> {
  const s = useSweep.getState();
  if (s.status === 'running' && s.plan && planKey(s.plan) === key) return false;
  const ok = await deleteMap(key);
  if (ok) mapsChanged();
  return ok;
}
