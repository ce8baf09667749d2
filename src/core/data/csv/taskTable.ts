/**
 * A read table made ready to meta-learn on: tasks split into meta-training and held-out by a
 * seeded hash of their id (so the split depends neither on row order nor on the training seed),
 * and x and y standardised with the meta-training points' mean and standard deviation (held-out
 * points never shape the scaling). Each task's points are kept sorted by x.
 */
import { Rng } from '../../random';
import type { Delimiter } from './cells';
import type { ColumnChoice } from './columns';
import type { RawTable, ReadCounts } from './reader';
import { TableError } from './tableError';

export interface SplitOptions {
  /** the seed of the task-id hash that splits the tasks */
  splitSeed: number;
  /** the share of tasks held out for evaluation, in (0, 1) */
  heldOutShare: number;
}

export const DEFAULT_SPLIT: SplitOptions = { splitSeed: 2017, heldOutShare: 0.2 };

export interface TableTask {
  id: string;
  /** standardised points, sorted by x */
  x: Float32Array;
  y: Float32Array;
  heldOut: boolean;
}

/** value = (raw − mean) / std for x and for y; std is 1 where the raw values do not vary */
export interface Standardisation {
  xMean: number;
  xStd: number;
  yMean: number;
  yStd: number;
}

export interface TaskTable {
  /** in order of first appearance in the file */
  tasks: TableTask[];
  scale: Standardisation;
  split: SplitOptions;
  columns: ColumnChoice;
  delimiter: Delimiter;
  counts: ReadCounts;
  capped: string | null;
  /** the standardised x range and the largest standardised |y| over every task */
  xRange: [number, number];
  yBound: number;
}

/** A task id's uniform draw in [0, 1) under a split's seed (the id's hash, well mixed). */
function splitDraw(id: string, split: SplitOptions): number {
  return Rng.stream(split.splitSeed, `task-split:${id}`).next();
}

/**
 * Held-out flags for these ids (two or more): the round(share · n) ids with the smallest draws,
 * at least one and at most n − 1, whatever order the rows came in.
 */
export function splitIds(ids: readonly string[], split: SplitOptions): boolean[] {
  const draws = ids.map((id) => splitDraw(id, split));
  const order = draws.map((_, i) => i).sort((a, b) => (draws[a] as number) - (draws[b] as number) || a - b);
  const count = Math.min(ids.length - 1, Math.max(1, Math.round(split.heldOutShare * ids.length)));
  const held = ids.map(() => false);
  for (const i of order.slice(0, count)) held[i] = true;
  return held;
}

/** Mean and standard deviation (Welford's running form); 1 for values that do not vary. */
function meanStd(values: Iterable<number>, axis: 'x' | 'y'): { mean: number; std: number } {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const v of values) {
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  const std = Math.sqrt(Math.max(0, m2 / n));
  if (!Number.isFinite(mean) || !Number.isFinite(std)) {
    throw new TableError(`the ${axis} values are too large to standardise (beyond ±1e150)`);
  }
  return { mean, std: std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1 };
}

function* pointsOf(raw: RawTable, ids: string[], axis: 'x' | 'y'): Generator<number> {
  for (const id of ids) yield* raw.tasks.get(id)?.[axis] ?? [];
}

/** One task's points standardised and sorted by x. */
function scaledTask(
  id: string,
  pool: { x: number[]; y: number[] },
  s: Standardisation,
  heldOut: boolean,
): TableTask {
  const order = pool.x
    .map((_, i) => i)
    .sort((a, b) => (pool.x[a] as number) - (pool.x[b] as number) || a - b);
  const x = Float32Array.from(order, (i) => ((pool.x[i] as number) - s.xMean) / s.xStd);
  const y = Float32Array.from(order, (i) => ((pool.y[i] as number) - s.yMean) / s.yStd);
  return { id, x, y, heldOut };
}

/** Split and standardise a read table; a table of one task is refused (nothing to hold out). */
export function buildTaskTable(raw: RawTable, split: SplitOptions = DEFAULT_SPLIT): TaskTable {
  const ids = [...raw.tasks.keys()];
  if (ids.length < 2) {
    throw new TableError(
      `the file has a single task ("${ids[0] ?? ''}"): meta-learning needs at least two, one to train on and one held out`,
    );
  }
  const held = splitIds(ids, split);
  const trainIds = ids.filter((_, i) => !held[i]);
  const xs = meanStd(pointsOf(raw, trainIds, 'x'), 'x');
  const ys = meanStd(pointsOf(raw, trainIds, 'y'), 'y');
  const scale = { xMean: xs.mean, xStd: xs.std, yMean: ys.mean, yStd: ys.std };
  const tasks = ids.map((id, i) =>
    scaledTask(id, raw.tasks.get(id) ?? { x: [], y: [] }, scale, held[i] === true),
  );
  let [x0, x1, yBound] = [Infinity, -Infinity, 0];
  for (const t of tasks) {
    x0 = Math.min(x0, t.x[0] as number);
    x1 = Math.max(x1, t.x[t.x.length - 1] as number);
    for (const v of t.y) yBound = Math.max(yBound, Math.abs(v));
  }
  if (!Number.isFinite(x0) || !Number.isFinite(x1) || !Number.isFinite(yBound)) {
    throw new TableError('the values are too far apart to standardise in single precision');
  }
  if (x1 <= x0) [x0, x1] = [x0 - 1, x0 + 1];
  return {
    tasks,
    scale,
    split,
    columns: raw.columns,
    delimiter: raw.delimiter,
    counts: raw.counts,
    capped: raw.capped,
    xRange: [x0, x1],
    yBound: Math.max(yBound, 1e-3),
  };
}
