/**
 * The sensitivity map's form as plain data: each axis's setting, range, scale and count (or the
 * algorithms of the categorical axis), turned into the `name=body` texts core/sweep parses, and
 * back from a parsed spec (a share link opens the form with its axes).
 */
import { fieldApplies, FIELDS } from '../../core/experiment';
import { AXIS_NAMES, rangeAxis, type Axis, type AxisName } from '../../core/sweep/axes';
import { DEFAULT_SWEEP_STEPS, parseSweepAxes, type SweepParse, type SweepSpec } from '../../core/sweep/spec';
import type { MapDefaults } from '../shell/family';

export interface AxisDraft {
  name: AxisName;
  lo: string;
  hi: string;
  scale: 'log' | 'lin';
  /** as typed: a count over 8 is refused by the parser, with its reason */
  count: string;
  /** the categorical axis's algorithms */
  algos: string[];
}

export interface MapDraft {
  x: AxisDraft;
  /** null: a one-row map */
  y: AxisDraft | null;
  steps: string;
}

type StartRange = [number, number, 'log' | 'lin'];

/** A starting range for each number setting (clamped to the family's bounds by the parser). */
const DEFAULT_RANGES: Partial<Record<AxisName, StartRange>> = {
  alpha: [0.001, 0.3, 'log'],
  beta: [0.0001, 0.01, 'log'],
  inner: [1, 5, 'lin'],
  k: [2, 20, 'lin'],
  batch: [1, 25, 'lin'],
  hidden: [10, 80, 'lin'],
  filters: [8, 64, 'lin'],
};

/** A task range's end moves over the range's bounds; a shift over half their width. */
function startRange(name: AxisName): StartRange {
  const fixed = DEFAULT_RANGES[name];
  if (fixed) return fixed;
  const range = rangeAxis(name);
  const field = range ? FIELDS[range.field as keyof typeof FIELDS] : undefined;
  if (!range || field?.kind !== 'range') throw new Error(`${name} is not a number setting`);
  return range.move === 'shift' ? [0, (field.max - field.min) / 2, 'lin'] : [field.min, field.max, 'lin'];
}

/** Every algorithm the schema knows (read generically: the list grows without this file). */
export function algorithms(): string[] {
  return [...(FIELDS.algo as { values: readonly string[] }).values];
}

/** The axes that apply to a task family. */
export function axesFor(task: string): AxisName[] {
  return AXIS_NAMES.filter((n) => fieldApplies(n, task));
}

export function axisDraft(name: AxisName, count = 4): AxisDraft {
  if (name === 'algo') return { name, lo: '', hi: '', scale: 'lin', count: '', algos: algorithms() };
  const [lo, hi, scale] = startRange(name);
  return { name, lo: String(lo), hi: String(hi), scale, count: String(count), algos: [] };
}

/** The form a family's map starts from: α × β, of the family's size where it has one. */
export function defaultDraft(
  task: string,
  size: MapDefaults = { count: 4, steps: DEFAULT_SWEEP_STEPS },
): MapDraft {
  const names = axesFor(task);
  const x: AxisName = names.includes('alpha') ? 'alpha' : (names[0] ?? 'alpha');
  const y = names.find((n) => n === 'beta' && n !== x) ?? names.find((n) => n !== x) ?? null;
  return {
    x: axisDraft(x, size.count),
    y: y ? axisDraft(y, size.count) : null,
    steps: String(size.steps),
  };
}

/** The axis as the CLI's `--x` text. */
export function axisText(a: AxisDraft): string {
  if (a.name === 'algo') return `algo=${a.algos.join(',')}`;
  return `${a.name}=${a.lo}..${a.hi}:${a.scale}:${a.count}`;
}

/** The form through core/sweep's parser: the spec, each changed value's line, or why it is refused. */
export function parseDraft(draft: MapDraft, task: string): SweepParse {
  const texts = [draft.x, ...(draft.y ? [draft.y] : [])].map(axisText);
  return parseSweepAxes(texts, draft.steps, task);
}

function draftOf(axis: Axis): AxisDraft {
  if (axis.kind === 'list') return { ...axisDraft('algo'), algos: [...axis.values] };
  return {
    name: axis.name,
    lo: String(axis.lo),
    hi: String(axis.hi),
    scale: axis.scale,
    count: String(axis.count),
    algos: [],
  };
}

/** The form showing a parsed spec (a share link's axes). */
export function draftOfSpec(spec: SweepSpec): MapDraft {
  return { x: draftOf(spec.x), y: spec.y ? draftOf(spec.y) : null, steps: String(spec.steps) };
}
