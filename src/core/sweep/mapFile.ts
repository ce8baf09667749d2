/**
 * The files of a sensitivity map (formats in docs/sweep.md): a plan (the base experiment, the
 * axes, the steps, the evaluation protocol and every cell's experiment link), one result file per
 * cell, and the map (the plan with every cell's result and the reading). A map holds no timing
 * or machine facts, so a map merged from cells trained anywhere equals, byte for byte, the map
 * one process writes of the same plan.
 */
import type { EvalRequest, Metric } from '../families/family';
import { parseExperiment, serializeExperiment, type Experiment } from '../experiment';
import type { AxisName, AxisValue } from './axes';
import type { CellScore } from './cell';
import { sweepReading } from './reading';
import { serializeSweepLink, sweepCells, type SweepSpec } from './spec';

export const PLAN_FORMAT = 'maml-sweep-plan';
export const CELL_FORMAT = 'maml-sweep-cell';
export const MAP_FORMAT = 'maml-sweep-map';
export const SWEEP_FILE_VERSION = 1;

export interface PlanCell {
  index: number;
  x: AxisValue;
  y: AxisValue | null;
  query: string;
}

export interface SweepPlan {
  format: typeof PLAN_FORMAT;
  version: number;
  /** the base experiment's link */
  config: string;
  /** the axes' link form (the `sweep` share-link value) */
  sweep: string;
  steps: number;
  eval: EvalRequest;
  x: { name: AxisName; values: AxisValue[] };
  y: { name: AxisName; values: AxisValue[] } | null;
  cells: PlanCell[];
}

export interface CellResult extends CellScore {
  index: number;
  x: AxisValue;
  y: AxisValue | null;
  query: string;
  /** why the cell has no result (its worker died twice); absent when it trained */
  failed?: string;
}

export interface CellFile {
  format: typeof CELL_FORMAT;
  version: number;
  /** the plan's identity: its config, sweep, steps and evaluation */
  plan: string;
  cell: CellResult;
}

export interface SweepMap extends Omit<SweepPlan, 'format' | 'cells'> {
  format: typeof MAP_FORMAT;
  metric: { name: string; unit: string; direction: 'lower' | 'higher' };
  /** row-major (y outer, x inner); null where a cell has not finished */
  cells: (CellResult | null)[];
  reading: string;
}

export function planOf(base: Experiment, spec: SweepSpec, evalRequest: EvalRequest): SweepPlan {
  return {
    format: PLAN_FORMAT,
    version: SWEEP_FILE_VERSION,
    config: serializeExperiment(base),
    sweep: serializeSweepLink(spec),
    steps: spec.steps,
    eval: { tasks: evalRequest.tasks, steps: evalRequest.steps, seed: evalRequest.seed },
    x: { name: spec.x.name, values: [...spec.x.values] },
    y: spec.y ? { name: spec.y.name, values: [...spec.y.values] } : null,
    cells: sweepCells(base, spec).map(({ index, x, y, query }) => ({ index, x, y, query })),
  };
}

/** The identity a cell file carries, so cells of another plan are not merged into this one. */
export function planKey(plan: SweepPlan): string {
  return JSON.stringify([plan.config, plan.sweep, plan.steps, plan.eval]);
}

/** A plan cell's experiment (its link through the schema). */
export function planCellConfig(cell: PlanCell): Experiment {
  const { config, warnings } = parseExperiment(cell.query);
  if (warnings.length > 0)
    throw new Error(`cell ${cell.index}: ${warnings.map((w) => w.message).join('; ')}`);
  return config;
}

export function cellResult(cell: PlanCell, score: CellScore): CellResult {
  return { index: cell.index, x: cell.x, y: cell.y, query: cell.query, ...score };
}

export function cellFile(plan: SweepPlan, cell: CellResult): CellFile {
  return { format: CELL_FORMAT, version: SWEEP_FILE_VERSION, plan: planKey(plan), cell };
}

/** The map of a plan and its cells' results (null where unfinished), with its reading. */
export function mapOf(plan: SweepPlan, metric: Metric, cells: readonly (CellResult | null)[]): SweepMap {
  const { format: _format, cells: _cells, ...header } = plan;
  const m = { name: metric.name, unit: metric.unit, direction: metric.direction };
  const base = parseExperiment(plan.config).config;
  const reading = sweepReading({ x: plan.x, y: plan.y, cells, metric: m, algo: base.algo });
  return { format: MAP_FORMAT, ...header, metric: m, cells: [...cells], reading };
}

/** Join a plan's cell files into its map; cells of another plan, repeats and gaps are refused. */
export function mergeCells(plan: SweepPlan, metric: Metric, files: readonly CellFile[]): SweepMap {
  const key = planKey(plan);
  const cells: (CellResult | null)[] = plan.cells.map(() => null);
  for (const f of files) {
    const i = f.cell.index;
    if (f.plan !== key) throw new Error(`cell ${i} belongs to another plan`);
    if (plan.cells[i]?.query !== f.cell.query) throw new Error(`cell ${i} is not this plan's cell ${i}`);
    if (cells[i]) throw new Error(`cell ${i} is given twice`);
    cells[i] = f.cell;
  }
  const missing = cells.flatMap((c, i) => (c ? [] : [i]));
  if (missing.length > 0) throw new Error(`cells without a result: ${missing.join(', ')}`);
  return mapOf(plan, metric, cells);
}

/** A file as written: two-space JSON and a final newline (numbers round-trip exactly). */
export function encodeSweepFile(value: SweepPlan | CellFile | SweepMap): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Read a plan or cell file, checking its format and version. */
export function decodeSweepFile<T extends SweepPlan | CellFile>(text: string, format: T['format']): T {
  const v = JSON.parse(text) as { format?: unknown; version?: unknown };
  if (v.format !== format) throw new Error(`not a ${format} file (format: ${String(v.format)})`);
  if (v.version !== SWEEP_FILE_VERSION)
    throw new Error(`${format} version ${String(v.version)} (this code reads ${SWEEP_FILE_VERSION})`);
  return v as T;
}
