import { GLYPH_METHODS } from '../../../worker/families/glyphMessages';
import type { ChartExport } from '../../charts/download/charts';
import type { Row } from '../../charts/download/chartRows';
import type { CsvTable } from '../../kit/csv';
import type { Store } from '../../shell/store';
import { labState } from './labStore';

/** The glyph task view: each query's class probabilities per initialisation after 0..n inner steps. */
function glyphTaskRows(s: Store): CsvTable {
  const task = labState(s).glyphTask;
  const ways = task?.ways ?? 0;
  const header = [
    'query',
    'true_class',
    'true_glyph',
    'method',
    'inner_step',
    'predicted_class',
    ...Array.from({ length: ways }, (_, c) => `p_class_${c}`),
  ];
  const rows: Row[] = [];
  if (task) {
    const nq = task.ways * task.query;
    for (const m of GLYPH_METHODS) {
      for (let step = 0; step <= task.steps; step++) {
        for (let q = 0; q < nq; q++) {
          const p = Array.from(task.probs[m].subarray((step * nq + q) * ways, (step * nq + q + 1) * ways));
          const pred = p.indexOf(Math.max(...p));
          const truth = task.yq[q] as number;
          rows.push([q + 1, truth, task.names[truth] ?? null, m, step, pred, ...p]);
        }
      }
    }
  }
  return { header, rows };
}

/** The glyph task view's download: its canvases and labels, the rows above. */
export const GLYPH_TASK_EXPORT: ChartExport = {
  slug: 'glyph-task',
  rows: glyphTaskRows,
  graphics: '.glyph-task-body canvas',
  labels: '.glyph-task-body h3, .step-slider, .class-tag, .class-name, .pred-label, .query-table th',
  boxes: '.prob-bar > span',
};
