/**
 * What the heatmap and its readouts compute from a map, with no DOM: the colour of a trained cell
 * (by how good its metric is among the trained cells), the cell of the current settings, the time
 * estimate before Start and the time left while it trains, and the map's CSV rows.
 */
import { serializeExperiment, type Experiment } from '../../core/experiment';
import type { CellResult, SweepPlan } from '../../core/sweep/mapFile';
import type { CsvTable } from '../kit/csv';

export interface MapMetric {
  name: string;
  unit: string;
  direction: 'lower' | 'higher';
}

/** The colour scale of the trained cells: its ends, whether it is logarithmic, and each value's place. */
export interface GoodnessScale {
  min: number;
  max: number;
  log: boolean;
  /** 0 for the worst trained value, 1 for the best */
  goodness(v: number): number;
}

/**
 * A scale over the trained cells' metrics: logarithmic for a positive metric spanning more than a
 * factor of ten (MSE across learning rates), linear otherwise; null while no cell has trained.
 */
export function goodnessScale(
  cells: readonly (CellResult | null)[],
  metric: MapMetric,
): GoodnessScale | null {
  const ms = cells.flatMap((c) => (c && c.metric !== null && Number.isFinite(c.metric) ? [c.metric] : []));
  if (ms.length === 0) return null;
  const min = Math.min(...ms);
  const max = Math.max(...ms);
  const log = min > 0 && max / min > 10;
  const f = (v: number) => (log ? Math.log(v) : v);
  const span = f(max) - f(min);
  const goodness = (v: number) => {
    const t = span > 0 ? (f(Math.min(max, Math.max(min, v))) - f(min)) / span : 1;
    return metric.direction === 'lower' ? 1 - t : t;
  };
  return { min, max, log, goodness };
}

/**
 * The cell whose experiment is the current settings (every setting, not only the axes'), or null
 * when the current settings are not on the map.
 */
export function currentCell(plan: SweepPlan, config: Experiment): number | null {
  const current = serializeExperiment(config);
  return plan.cells.find((cell) => cell.query === current)?.index ?? null;
}

/** Seconds a map takes: cells shared over the workers, each its steps at the measured rate and one scoring. */
export function estimateSeconds(
  cells: number,
  steps: number,
  rate: { stepsPerSec: number; evalSec: number },
  workers: number,
): number {
  const perCell = steps / Math.max(1e-9, rate.stepsPerSec) + rate.evalSec;
  return Math.ceil(cells / Math.max(1, workers)) * perCell;
}

/**
 * Seconds left while a map trains, from its own pace so far: meta-steps done (finished cells
 * count whole) over the time elapsed; null until some steps are done.
 */
export function secondsLeft(totalSteps: number, doneSteps: number, elapsedSec: number): number | null {
  if (doneSteps <= 0 || elapsedSec <= 0) return null;
  return (Math.max(0, totalSteps - doneSteps) * elapsedSec) / doneSteps;
}

/**
 * Seconds left while a map trains, at its own pace once cells have finished in this run: the
 * mean seconds a cell took (handed to a worker until scored) times the cells still to train (a
 * cell in training counts by the part it has left), shared over the workers, and never less than
 * what the slowest cell in training has left; null until a cell has finished in this run.
 */
export function paceSecondsLeft(pace: {
  cells: number;
  finished: number;
  /** the fraction trained of each cell in training */
  inProgress: readonly number[];
  cellSecs: readonly number[];
  workers: number;
}): number | null {
  if (pace.cellSecs.length === 0) return null;
  const perCell = pace.cellSecs.reduce((a, b) => a + b, 0) / pace.cellSecs.length;
  const partLeft = pace.inProgress.map((f) => 1 - Math.min(1, Math.max(0, f)));
  const trainingLeft = partLeft.reduce((a, b) => a + b, 0);
  const queued = Math.max(0, pace.cells - pace.finished - pace.inProgress.length);
  const share = (queued + trainingLeft) / Math.max(1, pace.workers);
  return perCell * Math.max(share, ...partLeft, 0);
}

/** A duration as the page says it: "45 s", "2 min 10 s". */
export function formatSeconds(s: number): string {
  const r = Math.max(0, Math.round(s));
  if (r < 60) return `${r} s`;
  const m = Math.floor(r / 60);
  return `${m} min${r % 60 > 0 ? ` ${r % 60} s` : ''}`;
}

/** One row per cell: its axis values, its numbers, and what became of it. */
export function mapRows(plan: SweepPlan, cells: readonly (CellResult | null)[], metric: MapMetric): CsvTable {
  const unit = metric.unit === '' ? '' : ` (${metric.unit === '%' ? 'fraction' : metric.unit})`;
  const header = [
    plan.x.name,
    ...(plan.y ? [plan.y.name] : []),
    `${metric.name} after 1 step${unit}`,
    'ci95',
    'final meta-loss',
    'status',
  ];
  const rows = plan.cells.map((pc) => {
    const c = cells[pc.index] ?? null;
    const status = c === null ? 'unfinished' : c.failed ? 'failed' : c.diverged ? 'diverged' : 'trained';
    return [pc.x, ...(plan.y ? [pc.y] : []), c?.metric, c?.ci95, c?.finalMetaLoss, status];
  });
  return { header, rows };
}
