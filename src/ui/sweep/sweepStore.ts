/**
 * The sensitivity map's own store (beside the page's): the panel's form, the map being trained or
 * last trained (its plan, its finished cells, the cells in progress), the time estimate, and the
 * hovered cell. The actions that start workers live in sweepRun.ts.
 */
import { create } from 'zustand';
import { DEFAULT_EXPERIMENT } from '../../core/experiment';
import type { CellResult, SweepPlan } from '../../core/sweep/mapFile';
import { defaultDraft, type MapDraft } from './mapDraft';
import type { MapMetric } from './mapView';

/** restored: finished cells kept in this browser, shown again; Start trains the rest */
export type MapStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed' | 'restored';

export interface MapRate {
  /** the experiment whose cells were timed (the plan's config and sweep) */
  key: string;
  stepsPerSec: number;
  evalSec: number;
}

/** What the page needs of a family to plan a map (asked of a worker: the page loads no compute). */
export interface FamilyInfo {
  metric: MapMetric;
  evalTasks: number;
}

export interface SweepState {
  families: Record<string, FamilyInfo>;
  open: boolean;
  draft: MapDraft;
  /** the task family the form was made for (a family switch resets it) */
  draftTask: string;
  plan: SweepPlan | null;
  metric: MapMetric | null;
  /** row-major, null where a cell has not finished */
  cells: (CellResult | null)[];
  /** the trained runs' files by cell (null: diverged or failed), for opening a cell */
  runTexts: (string | null)[];
  /** meta-steps trained so far by each cell in training */
  inProgress: Record<number, number>;
  status: MapStatus;
  /** why the map stopped (a worker could not start), or a note on the last action */
  message: string | null;
  workers: number;
  startedAt: number | null;
  /** seconds each cell finished in this run took, from being handed to a worker until scored */
  cellSecs: number[];
  /** seconds the last map took, when it finished */
  tookSec: number | null;
  rate: MapRate | null;
  /** the timing in progress (its key), so a form change does not start another */
  probing: string | null;
  hover: number | null;
  /** a share link opened the panel: its map is shown if this browser kept it */
  linkRestore: boolean;
}

export const useSweep = create<SweepState>(() => ({
  families: {},
  open: false,
  draft: defaultDraft(DEFAULT_EXPERIMENT.task),
  draftTask: DEFAULT_EXPERIMENT.task,
  plan: null,
  metric: null,
  cells: [],
  runTexts: [],
  inProgress: {},
  status: 'idle',
  message: null,
  workers: 1,
  startedAt: null,
  cellSecs: [],
  tookSec: null,
  rate: null,
  probing: null,
  hover: null,
  linkRestore: false,
}));

/** Meta-steps the current map has trained: finished cells whole, cells in training so far. */
export function stepsDone(s: Pick<SweepState, 'plan' | 'cells' | 'inProgress'>): number {
  if (!s.plan) return 0;
  const finished = s.cells.filter((c) => c !== null).length * s.plan.steps;
  return finished + Object.values(s.inProgress).reduce((a, b) => a + b, 0);
}
