import { TableError } from '../../data/csv/tableError';
import type { TableTask, TaskTable } from '../../data/csv/taskTable';
import type { Rng } from '../../random';
import type { RegressionBatch, RegressionFamily } from '../regression/tasks';

/** Per task in a batch: its index in the table. */
const PER_TASK = 1;

/** `count` distinct indices below `n` in random order (Floyd's sample, then shuffled). */
export function distinctIndices(rng: Rng, n: number, count: number): number[] {
  const chosen = new Set<number>();
  for (let j = n - count; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const out = [...chosen];
  for (let i = out.length - 1; i > 0; i--) {
    const r = rng.int(i + 1);
    [out[i], out[r]] = [out[r] as number, out[i] as number];
  }
  return out;
}

/** The tasks of one side of the split with at least `need` points, as indices into the table. */
function usable(table: TaskTable, heldOut: boolean, need: number): number[] {
  const out: number[] = [];
  table.tasks.forEach((t, i) => {
    if (t.heldOut === heldOut && t.x.length >= need) out.push(i);
  });
  return out;
}

/** One line naming the tasks too small for `need` points (left out of training), or null. */
export function tooSmallLine(table: TaskTable, need: number, support: number, query: number): string | null {
  const small = table.tasks.filter((t) => t.x.length < need);
  if (small.length === 0) return null;
  const names = small.slice(0, 5).map((t) => `"${t.id}" (${t.x.length})`);
  const more = small.length > 5 ? ` and ${small.length - 5} more` : '';
  return `${small.length} task${small.length === 1 ? ' has' : 's have'} fewer than K + query = ${support} + ${query} points and ${small.length === 1 ? 'is' : 'are'} left out: ${names.join(', ')}${more}`;
}

/**
 * The tasks a batch draws from. Held out: every task with more than K points (evaluation covers
 * them all). Meta-training: those with K + query points; where none has that many (a view asking
 * for many query points), those with more than K points (their query points then repeat).
 */
function poolsFor(table: TaskTable, heldOut: boolean, support: number, query: number): number[] {
  const full = heldOut ? [] : usable(table, heldOut, support + query);
  if (full.length > 0) return full;
  const pools = usable(table, heldOut, support + 1);
  if (pools.length === 0) {
    const side = heldOut ? 'held-out' : 'meta-training';
    throw new TableError(`no ${side} task has K + 1 = ${support + 1} points: lower K, or add points`);
  }
  return pools;
}

/** Linear interpolation through a task's points (sorted by x), constant beyond its ends. */
function interpolate(task: TableTask, x: number): number {
  const { x: xs, y: ys } = task;
  const n = xs.length;
  if (x <= (xs[0] as number)) return ys[0] as number;
  if (x >= (xs[n - 1] as number)) return ys[n - 1] as number;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  const [x0, x1] = [xs[lo] as number, xs[hi] as number];
  const w = x1 > x0 ? (x - x0) / (x1 - x0) : 0;
  return (ys[lo] as number) * (1 - w) + (ys[hi] as number) * w;
}

/**
 * A meta-batch from one side of the split: tasks drawn with replacement among those with enough
 * points (poolsFor), support and query drawn without replacement from each task's pool. Where
 * `query` exceeds what a pool has beyond the support (held-out evaluation's 100 points), the extra
 * query points are drawn with replacement from the task's non-support points.
 */
function drawBatch(
  table: TaskTable,
  heldOut: boolean,
  rng: Rng,
  count: number,
  support: number,
  query: number,
): RegressionBatch {
  const pools = poolsFor(table, heldOut, support, query);
  const xs = new Float32Array(count * support);
  const ys = new Float32Array(count * support);
  const xq = new Float32Array(count * query);
  const yq = new Float32Array(count * query);
  const taskParams = new Float32Array(count * PER_TASK);
  for (let t = 0; t < count; t++) {
    const index = pools[rng.int(pools.length)] as number;
    const task = table.tasks[index] as TableTask;
    const distinct = Math.min(support + query, task.x.length);
    const picked = distinctIndices(rng, task.x.length, distinct);
    taskParams[t] = index;
    for (let i = 0; i < support; i++) {
      xs[t * support + i] = task.x[picked[i] as number] as number;
      ys[t * support + i] = task.y[picked[i] as number] as number;
    }
    for (let i = 0; i < query; i++) {
      const at = support + i < distinct ? support + i : support + rng.int(distinct - support);
      xq[t * query + i] = task.x[picked[at] as number] as number;
      yq[t * query + i] = task.y[picked[at] as number] as number;
    }
  }
  return { tasks: count, support, query, xs, ys, xq, yq, taskParams };
}

/**
 * Throws TableError when a config cannot train on a table: no meta-training task with more than K
 * points, or no such held-out task.
 */
export function checkTrainable(table: TaskTable, k: number, query: number): void {
  poolsFor(table, false, k, query);
  poolsFor(table, true, k, query);
}

/** The tasks of an imported table as a regression family (standardised x and y). */
export function tableTasks(table: TaskTable): RegressionFamily {
  return {
    name: 'sheet',
    xRange: table.xRange,
    yBound: table.yBound,
    paramsPerTask: PER_TASK,
    sampleBatch: (rng, tasks, support, query) => drawBatch(table, false, rng, tasks, support, query),
    sampleHeldOut: (rng, tasks, support, query) => drawBatch(table, true, rng, tasks, support, query),
    truth(p: ArrayLike<number>, o: number, x: number): number {
      const task = table.tasks[p[o] as number];
      return task ? interpolate(task, x) : NaN;
    },
    describe(p: ArrayLike<number>, o: number): string {
      const task = table.tasks[p[o] as number];
      if (!task) return 'unknown task';
      return `task "${task.id}": ${task.x.length} points${task.heldOut ? ', held out' : ''}`;
    },
  };
}
