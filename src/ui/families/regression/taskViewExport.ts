import { METHODS } from '../../../worker/protocol';
import type { ChartExport } from '../../charts/download/charts';
import type { Row } from '../../charts/download/chartRows';
import type { CsvTable } from '../../kit/csv';
import type { Store } from '../../shell/store';
import { regressionState } from './regressionStore';
import { familyOf } from './viewTask';

/**
 * The task view: the true curve and each initialisation's prediction after 0..n inner steps on the
 * prediction grid, then the support points (y_support filled, predictions empty), sorted by x.
 */
function taskViewRows(store: Store): CsvTable {
  const s = regressionState(store);
  const family = familyOf(s.config);
  const { task, predictions: p } = s;
  const truth = (x: number) => family.truth(task.params, 0, x);
  const steps = p ? p.steps : 0;
  const predCols = p
    ? METHODS.flatMap((m) => Array.from({ length: steps + 1 }, (_, k) => `${m}_after_${k}_steps`))
    : [];
  const rows: Row[] = [];
  if (p) {
    const g = p.grid.length;
    for (let i = 0; i < g; i++) {
      const x = p.grid[i] as number;
      const preds = METHODS.flatMap((m) =>
        Array.from({ length: steps + 1 }, (_, k) => p.fans[m][k * g + i] as number),
      );
      rows.push([x, truth(x), null, ...preds]);
    }
  }
  task.xs.forEach((x, i) => rows.push([x, truth(x), task.ys[i] as number, ...predCols.map(() => null)]));
  rows.sort((a, b) => (a[0] as number) - (b[0] as number));
  return { header: ['x', 'y_true', 'y_support', ...predCols], rows };
}

/** The task view's download: its panels and legend, the rows above. */
export const TASK_VIEW_EXPORT: ChartExport = {
  slug: 'task-view',
  rows: taskViewRows,
  graphics: '.task-panel > svg, .legend svg',
  labels: '.task-desc, .legend-item, .task-panel > figcaption, .panel-summary',
  boxes: '.task-panel > figcaption > .swatch',
};
