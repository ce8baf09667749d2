/**
 * A sensitivity map's specification: one or two axes and the meta-steps each cell trains, with
 * its share-link form (`sweep=alpha:0.001..0.3:log:8,beta:0.0001..0.01:log:4&sweepsteps=2000`:
 * axes by commas, a categorical axis's values by `|`) and its cells. A cell is the base
 * experiment (same seed) with that cell's settings, validated through the family's schema.
 */
import {
  familySchema,
  parseExperiment,
  serializeExperiment,
  type Experiment,
  type ParseWarning,
} from '../experiment';
import { parseNumber, show } from '../schema';
import {
  axisBody,
  parseAxis,
  setAxisEntry,
  type Axis,
  type AxisName,
  type AxisParse,
  type AxisValue,
} from './axes';

export const DEFAULT_SWEEP_STEPS = 2000;
export const MAX_SWEEP_STEPS = 1_000_000;
/** the held-out tasks' seed a map is scored on unless told otherwise (the CLI's --eval-seed) */
export const SWEEP_EVAL_SEED = 2017;

export interface SweepSpec {
  x: Axis;
  /** null for a one-row map */
  y: Axis | null;
  /** meta-steps each cell trains */
  steps: number;
}

export interface SweepParse {
  spec: SweepSpec | null;
  warnings: ParseWarning[];
  /** why no map can be made (a grid larger than 8×8, no valid axis) */
  refused: string | null;
}

/** Parse axes given as `name=body` (the CLI's --x/--y), categorical values split by commas or `|`. */
export function parseSweepAxes(texts: readonly string[], steps: unknown, task: string): SweepParse {
  const parsed = texts.map((t) => {
    const eq = t.indexOf('=');
    return eq < 0
      ? parseAxis(t.trim(), '', task, /[,|]/)
      : parseAxis(t.slice(0, eq).trim(), t.slice(eq + 1), task, /[,|]/);
  });
  return combine(parsed, steps);
}

/** Parse the link form's `sweep` value (and its `sweepsteps`, absent: the default) for a task family. */
export function parseSweepLink(value: string, steps: unknown, task: string): SweepParse {
  const parts = value.split(',').filter((t) => t.trim() !== '');
  const parsed = parts.slice(0, MAX_LINK_AXES).map((t) => {
    const colon = t.indexOf(':');
    const name = (colon < 0 ? t : t.slice(0, colon)).trim();
    return parseAxis(name, colon < 0 ? '' : t.slice(colon + 1), task, /\|/);
  });
  if (parts.length > MAX_LINK_AXES) {
    const message = `sweep names ${parts.length} axes; a map has two, so all after the first ${MAX_LINK_AXES} are ignored`;
    parsed.push({ axis: null, refused: null, warnings: [{ key: 'sweep', given: show(value), message }] });
  }
  return combine(parsed, steps);
}

/** A hostile link's axes are read this far (a map has two; the rest are explained in one line). */
const MAX_LINK_AXES = 4;

/** The link form of the axes (the `sweep` value; steps travel as `sweepsteps`). */
export function serializeSweepLink(spec: SweepSpec): string {
  return [spec.x, ...(spec.y ? [spec.y] : [])].map((a) => `${a.name}:${axisBody(a, '|')}`).join(',');
}

/** The axes as the CLI writes them (`--x name=body`). */
export function axisFlag(axis: Axis): string {
  return `${axis.name}=${axisBody(axis, ',')}`;
}

function combine(parsed: AxisParse[], rawSteps: unknown): SweepParse {
  const warnings = parsed.flatMap((p) => p.warnings);
  const refused = parsed.find((p) => p.refused !== null)?.refused ?? null;
  const axes: Axis[] = [];
  for (const { axis } of parsed) {
    if (!axis) continue;
    if (axes.some((a) => a.name === axis.name)) {
      warnings.push({
        key: axis.name,
        given: axis.name,
        message: `${axis.name} is on an axis already; repeat ignored`,
      });
    } else if (axes.length === 2) {
      warnings.push({
        key: axis.name,
        given: axis.name,
        message: `a map has two axes; ${axis.name} ignored`,
      });
    } else axes.push(axis);
  }
  const steps = parseSteps(rawSteps, warnings);
  if (refused !== null) return { spec: null, warnings, refused: `sweep refused: ${refused}` };
  const [x, y] = axes;
  if (!x) return { spec: null, warnings, refused: 'sweep refused: no valid axis' };
  return { spec: { x, y: y ?? null, steps }, warnings, refused: null };
}

function parseSteps(raw: unknown, warnings: ParseWarning[]): number {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_SWEEP_STEPS;
  const warn = (message: string) => warnings.push({ key: 'sweepsteps', given: show(raw), message });
  const n = parseNumber(raw);
  if (n === null) {
    warn(`sweepsteps=${show(raw)} is not a number; using ${DEFAULT_SWEEP_STEPS}`);
    return DEFAULT_SWEEP_STEPS;
  }
  const c = Math.min(MAX_SWEEP_STEPS, Math.max(1, Math.round(n)));
  if (c !== n) warn(`sweepsteps=${show(raw)} must be a whole number in [1, ${MAX_SWEEP_STEPS}]; using ${c}`);
  return c;
}

export interface SweepCell {
  /** row-major: y index × (x values) + x index */
  index: number;
  x: AxisValue;
  y: AxisValue | null;
  config: Experiment;
  /** the cell's experiment link (what `npm run train -- --config` takes) */
  query: string;
}

/** Every cell of the map, row by row (y outer, x inner). */
export function sweepCells(base: Experiment, spec: SweepSpec): SweepCell[] {
  const ys: (AxisValue | null)[] = spec.y ? spec.y.values : [null];
  const cells: SweepCell[] = [];
  for (const y of ys) {
    for (const x of spec.x.values) {
      const settings: [AxisName, AxisValue][] = [[spec.x.name, x]];
      if (spec.y && y !== null) settings.push([spec.y.name, y]);
      const config = cellConfig(base, settings);
      cells.push({ index: cells.length, x, y, config, query: serializeExperiment(config) });
    }
  }
  return cells;
}

/**
 * The base experiment with a cell's settings, through the schema. A width sets every hidden
 * layer; K carries the query size along where the family's query follows K and the base had it so.
 * Axis values are already in bounds, so a schema warning here is a bug and throws.
 */
export function cellConfig(base: Experiment, settings: readonly [AxisName, AxisValue][]): Experiment {
  const entries = new URLSearchParams(serializeExperiment(base));
  for (const [name, v] of settings) {
    setAxisEntry(entries, base, name, v);
    if (name === 'k' && familySchema(base.task).queryFollowsK && base.query === base.k)
      entries.delete('query');
  }
  const { config, warnings } = parseExperiment(entries);
  if (warnings.length > 0)
    throw new Error(`cell settings rejected: ${warnings.map((w) => w.message).join('; ')}`);
  return config;
}
