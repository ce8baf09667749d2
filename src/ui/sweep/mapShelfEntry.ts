/**
 * What the runs shelf shows of a kept sensitivity map (mapSaves.ts): its family, its axes with
 * their ranges, its cells finished of all, its one-line reading, and when it was saved. Pure: the
 * shelf lists these, and Open and Delete act on the map's key.
 */
import { parseExperiment } from '../../core/experiment';
import { AXIS_LABELS, formatAxisValue, type AxisName, type AxisValue } from '../../core/sweep/axes';
import { sweepReading } from '../../core/sweep/reading';
import type { SavedMap } from './mapSaves';

export interface MapShelfEntry {
  key: string;
  task: string;
  /** e.g. "α 0.001 … 0.3 (8) × β 0.0001 … 0.01 (8)" */
  axes: string;
  done: number;
  total: number;
  reading: string;
  savedAt: string;
}

/** An axis as the shelf names it: its label, its first and last values, and how many. */
function axisLine(axis: { name: AxisName; values: readonly AxisValue[] }): string {
  const first = axis.values[0];
  const last = axis.values[axis.values.length - 1];
  const range =
    first === undefined || last === undefined
      ? ''
      : axis.values.length === 1
        ? ` ${formatAxisValue(first)}`
        : ` ${formatAxisValue(first)} … ${formatAxisValue(last)}`;
  return `${AXIS_LABELS[axis.name]}${range} (${axis.values.length})`;
}

/** The shelf's entry of a kept map (failed cells are not counted as finished). */
export function mapShelfEntry(m: SavedMap): MapShelfEntry {
  const { plan, cells, metric } = m;
  const base = parseExperiment(plan.config).config;
  const finished = cells.map((c) => (c !== null && c.failed === undefined ? c : null));
  return {
    key: m.key,
    task: base.task,
    axes: [plan.x, ...(plan.y ? [plan.y] : [])].map(axisLine).join(' × '),
    done: finished.filter((c) => c !== null).length,
    total: plan.cells.length,
    reading: sweepReading({ x: plan.x, y: plan.y, cells: finished, metric, algo: base.algo }),
    savedAt: m.savedAt,
  };
}

/** The shelf's entries, newest first. */
export function mapShelfEntries(maps: readonly SavedMap[]): MapShelfEntry[] {
  return [...maps].sort((a, b) => b.savedAt.localeCompare(a.savedAt)).map(mapShelfEntry);
}

/** The page link that opens a kept map of another family (its base experiment and its axes). */
export function mapPageLink(m: SavedMap): string {
  return `?${m.plan.config}&sweep=${m.plan.sweep}&sweepsteps=${m.plan.steps}`;
}
