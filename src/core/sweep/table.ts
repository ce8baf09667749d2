import { AXIS_LABELS, formatAxisValue } from './axes';
import type { SweepMap } from './mapFile';
import { formatMetric } from './reading';

/** The map as a text table: one row per y value, one column per x value; diverged cells say so. */
export function formatSweepTable(map: SweepMap): string {
  const nx = map.x.values.length;
  const { unit, name } = map.metric;
  const cellText = (i: number): string => {
    const c = map.cells[i];
    if (!c) return '…';
    if (c.failed) return 'failed';
    if (c.diverged || c.metric === null) return 'diverged';
    return `${formatMetric(c.metric, unit)} ± ${formatMetric(c.ci95 ?? NaN, unit)}`;
  };
  const ys = map.y?.values ?? [null];
  const rowLabels = ys.map((y) => (y === null ? '' : formatAxisValue(y)));
  const header = [
    map.y ? `${AXIS_LABELS[map.y.name]} \\ ${AXIS_LABELS[map.x.name]}` : AXIS_LABELS[map.x.name],
  ];
  const rows = [header.concat(map.x.values.map(formatAxisValue))];
  ys.forEach((_, r) =>
    rows.push([rowLabels[r] as string, ...map.x.values.map((_v, c) => cellText(r * nx + c))]),
  );
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  const lines = rows.map((row) => row.map((t, c) => t.padStart(widths[c] ?? 0)).join('  '));
  const title = `one-step ${name} on ${map.eval.tasks} held-out tasks (95% CI) after ${map.steps} meta-steps per cell:`;
  return [title, ...lines].join('\n');
}
