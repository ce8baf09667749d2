/**
 * The one-line reading under a sensitivity map, computed from its cells only: where divergence
 * starts along the x axis (row by row), the best cell, and the spread of the trained cells. It
 * states what the cells show and nothing they do not (a row with scattered diverged cells says
 * how many, not a threshold).
 */
import type { Algo } from '../schema';
import { AXIS_LABELS, formatAxisValue, type AxisName, type AxisValue } from './axes';

const ALGO_SHORT: Record<Algo, string> = {
  maml: 'MAML',
  fomaml: 'FOMAML',
  metasgd: 'Meta-SGD',
  reptile: 'Reptile',
  mamlpp: 'MAML++',
};

/** What a reading needs of a cell: null while it has not finished. */
export interface ReadCell {
  metric: number | null;
  ci95: number | null;
  diverged: boolean;
  failed?: string;
}

export interface ReadInput {
  x: { name: AxisName; values: AxisValue[] };
  y: { name: AxisName; values: AxisValue[] } | null;
  /** row-major, as the map stores them */
  cells: readonly (ReadCell | null)[];
  metric: { name: string; unit: string; direction: 'lower' | 'higher' };
  /** the base experiment's algorithm (named unless the algorithm is an axis) */
  algo: Algo;
}

const algoName = (v: AxisValue | string): string => ALGO_SHORT[v as Algo] ?? String(v);

function valueText(name: AxisName, v: AxisValue): string {
  return name === 'algo' ? algoName(v) : `${AXIS_LABELS[name]} ${formatAxisValue(v)}`;
}

export function formatMetric(v: number, unit: string): string {
  return unit === '%' ? `${(100 * v).toFixed(1)}%` : Number(v.toPrecision(3)).toString();
}

/** A row's divergence along x: a threshold above or below which every finished cell diverged, or a count. */
function rowPhrase(input: ReadInput, row: readonly (ReadCell | null)[]): string {
  const done = row.map((c, i) => ({ c, i })).filter((e) => e.c !== null && !e.c.failed);
  const bad = done.filter((e) => e.c?.diverged).map((e) => e.i);
  if (bad.length === 0) return 'trains in every cell';
  if (bad.length === done.length) return 'diverges in every cell';
  const { name, values } = input.x;
  const first = bad[0] as number;
  const last = bad[bad.length - 1] as number;
  const contiguous = done.filter((e) => e.i >= first && e.i <= last).every((e) => e.c?.diverged);
  const label = AXIS_LABELS[name];
  if (name !== 'algo' && contiguous && done.every((e) => e.i < first || e.c?.diverged))
    return `diverges for ${label} ≥ ${formatAxisValue(values[first] as AxisValue)}`;
  if (name !== 'algo' && contiguous && done.every((e) => e.i > last || e.c?.diverged))
    return `diverges for ${label} ≤ ${formatAxisValue(values[last] as AxisValue)}`;
  return `diverges in ${bad.length} of ${done.length} cells`;
}

/** Divergence, row by row: grouped by phrase, or one clause per algorithm when y is the algorithm. */
function divergenceText(input: ReadInput): string {
  const nx = input.x.values.length;
  const ys = input.y?.values ?? [null];
  const rows = ys.map((y, r) => ({ y, phrase: rowPhrase(input, input.cells.slice(r * nx, (r + 1) * nx)) }));
  const subject = input.x.name === 'algo' ? 'every algorithm' : algoName(input.algo);
  if (!input.y) return `${subject} ${rows[0]?.phrase ?? ''}`;
  if (input.y.name === 'algo') return rows.map((r) => `${algoName(r.y as AxisValue)} ${r.phrase}`).join('; ');
  const groups = new Map<string, AxisValue[]>();
  for (const r of rows) groups.set(r.phrase, [...(groups.get(r.phrase) ?? []), r.y as AxisValue]);
  const yName = input.y.name;
  if (groups.size === 1) {
    const phrase = rows[0]?.phrase ?? '';
    return phrase.endsWith('every cell')
      ? `${subject} ${phrase}`
      : `${subject} ${phrase} at every ${AXIS_LABELS[yName]}`;
  }
  const parts = [...groups].map(
    ([phrase, vs]) => `${phrase} at ${AXIS_LABELS[yName]} ${vs.map(formatAxisValue).join(', ')}`,
  );
  return `${subject} ${parts.join('; ')}`;
}

/** The reading: divergence, the best cell with its interval, the spread; what has not finished. */
export function sweepReading(input: ReadInput): string {
  const nx = input.x.values.length;
  const finished = input.cells.filter((c): c is ReadCell => c !== null);
  if (finished.length === 0) return 'no cell has finished';
  const parts = [divergenceText(input)];
  const trained = input.cells
    .map((c, i) => ({ c, i }))
    .filter((e): e is { c: ReadCell & { metric: number }; i: number } => e.c !== null && e.c.metric !== null);
  const sign = input.metric.direction === 'lower' ? 1 : -1;
  const best = trained.reduce<(typeof trained)[number] | null>(
    (b, e) => (b === null || sign * e.c.metric < sign * b.c.metric ? e : b),
    null,
  );
  const { unit, name } = input.metric;
  if (best) {
    const at = [valueText(input.x.name, input.x.values[best.i % nx] as AxisValue)];
    if (input.y) at.push(valueText(input.y.name, input.y.values[Math.floor(best.i / nx)] as AxisValue));
    // an accuracy reads the other way round from an MSE: say which way is better
    const better = input.metric.direction === 'higher' ? ' (higher is better)' : '';
    parts.push(
      `best one-step ${name} ${formatMetric(best.c.metric, unit)} ± ${formatMetric(best.c.ci95 ?? NaN, unit)}${better} at ${at.join(', ')}`,
    );
  }
  if (trained.length > 1) {
    const ms = trained.map((e) => e.c.metric);
    parts.push(
      `trained cells span ${formatMetric(Math.min(...ms), unit)}–${formatMetric(Math.max(...ms), unit)}`,
    );
  }
  const failed = finished.filter((c) => c.failed).length;
  if (failed > 0) parts.push(`${failed} cell${failed === 1 ? '' : 's'} failed`);
  if (finished.length < input.cells.length)
    parts.push(`${finished.length} of ${input.cells.length} cells finished`);
  return parts.join('; ');
}
