/**
 * The data each chart draws, as a CSV table, read from the store the chart itself reads: one
 * function per chart, no copy of the data kept for downloads. Columns are plain (one value each)
 * and name their units; methods are the initialisations' keys (maml, pretrained, random).
 */
import { METHODS } from '../../../worker/protocol';
import type { ThetaPaths } from '../../../worker/protocol';
import type { Series } from '../../kit/series';
import type { Store } from '../../shell/store';
import { familyOf } from '../../shell/families';
import { evalHistoryView, evalView } from '../../shell/evalView';
import type { CsvTable, CsvValue } from '../../kit/csv';

export type Row = CsvValue[];

/** Every entry of a loss series (an entry stands for several steps once a long run is thinned). */
function seriesRows(series: Series, name: string, quantity: string): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < series.length; i++) {
    rows.push([
      series.steps[i] as number,
      name,
      quantity,
      series.values[i] as number,
      series.lows[i] as number,
      series.highs[i] as number,
    ]);
  }
  return rows;
}

/** The learning curve: the meta-loss per step (with min and max of thinned entries), the evaluations. */
export function learningCurveRows(s: Store): CsvTable {
  const history = evalHistoryView(s);
  const rows = seriesRows(s.meta, 'meta-loss', history.lossName);
  if (s.showPretrainedLoss)
    rows.push(...seriesRows(s.pretrained, 'pretrained training loss', history.lossName));
  for (const p of history.points) {
    for (const m of history.methods) {
      const v = p[m];
      if (v !== undefined)
        rows.push([p.step, `held-out evaluation: ${m}`, history.metric.name, v, null, null]);
    }
  }
  return { header: ['meta_step', 'series', 'quantity', 'value', 'min', 'max'], rows };
}

/** The adaptation curve: the metric after each inner step per initialisation, with its 95% CI. */
export function adaptationRows(s: Store): CsvTable {
  const view = evalView(s);
  const rows: Row[] = [];
  const latest = view.latest;
  if (latest) {
    for (const m of METHODS) {
      const c = latest.curves[m];
      c.values.forEach((v, i) => {
        rows.push([i, m, view.metric.name, v, c.ci95[i] ?? null, latest.step, latest.tasks]);
      });
    }
  }
  return {
    header: ['inner_step', 'method', 'metric', 'mean', 'ci95_half_width', 'theta_meta_step', 'tasks'],
    rows,
  };
}

/** First order vs second order: the comparisons at each meta-step they were measured. */
export function orderRows(s: Store): CsvTable {
  return {
    header: [
      'meta_step',
      'cos_second_vs_first_order',
      'angle_second_vs_first_order_deg',
      'cos_second_order_vs_reptile',
      'norm_ratio_first_over_second',
    ],
    rows: s.orders.map((o) => [o.step, o.cos, o.angle, o.cosReptile, o.ratio]),
  };
}

function pathRows(paths: ThetaPaths, series: string, quantity: string): Row[] {
  const rows: Row[] = [];
  for (let t = 0; t < paths.tasks; t++) {
    for (let j = 0; j <= paths.steps; j++) {
      const o = (t * (paths.steps + 1) + j) * 2;
      const loss = paths.losses[t * (paths.steps + 1) + j] as number;
      rows.push([
        series,
        null,
        t,
        j,
        paths.coords[o] as number,
        paths.coords[o + 1] as number,
        loss,
        quantity,
      ]);
    }
  }
  return rows;
}

/**
 * The parameter-space view: θ's trajectory and the current θ on the plane (PC1, PC2), each task's
 * inner-loop path with its query loss, and the landscapes' grids when computed.
 */
export function parameterSpaceRows(s: Store): CsvTable {
  const rows: Row[] = [];
  const ui = familyOf(s.config.task).theta;
  const pathLoss = ui?.csvPathLoss ?? 'query loss';
  const loss = ui?.landscapeLoss ?? 'loss';
  // a family that follows only MAML's θ shows it whatever was picked on another page
  const subject = ui && !ui.subjects.includes(s.thetaSubject) ? ui.subjects[0] : s.thetaSubject;
  const r = s.thetaReport && s.thetaReport.subject === subject ? s.thetaReport : null;
  if (r) {
    for (let i = 0; i < r.count; i++) {
      const c = [r.coords[2 * i] as number, r.coords[2 * i + 1] as number];
      rows.push([`trajectory of ${r.subject} theta`, r.steps[i] as number, null, null, ...c, null, null]);
    }
    rows.push([`current ${r.subject} theta`, r.step, null, null, ...r.current, null, null]);
    rows.push(...pathRows(r.paths, 'inner path from theta', pathLoss));
    if (s.showRandomPaths && r.random)
      rows.push(...pathRows(r.random, 'inner path from random init', pathLoss));
  }
  const land = s.landscape;
  if (land) {
    const n = land.resolution;
    for (const [kind, values, quantity] of [
      ['landscape: plain loss', land.pre, loss],
      ['landscape: meta-objective', land.post, `${loss} after ${land.innerSteps} inner steps`],
    ] as const) {
      for (let row = 0; row < n; row++) {
        for (let col = 0; col < n; col++) {
          const v = values[row * n + col] as number;
          rows.push([kind, land.step, null, null, land.x[col] as number, land.y[row] as number, v, quantity]);
        }
      }
    }
  }
  return { header: ['series', 'meta_step', 'task', 'inner_step', 'pc1', 'pc2', 'value', 'quantity'], rows };
}
