/**
 * One axis of a sensitivity map: a setting of the experiment and the values it takes across the
 * map. Number axes are `name=lo..hi:log|lin:N` (N values from lo to hi, both included); the
 * categorical axis is a list (`algo=maml,fomaml,reptile`). Parsing untrusted text never throws:
 * each fault is clamped, rounded or dropped and explained in one line, as experiment links are;
 * an axis of more than MAX_AXIS_VALUES values is refused (the map would be larger than 8×8).
 */
import { FIELDS, familySchema, fieldApplies, type ParseWarning } from '../experiment';
import { formatNumber, parseNumber, show, type Experiment, type Field } from '../schema';

/**
 * The task-distribution ranges a map can move (every range field of the families' schemas; a test
 * checks the list against the schema): `<range>.lo` and `<range>.hi` set one end (the other end
 * kept, moved only as far as needed to stay in order), `<range>.shift` moves both ends by the value.
 */
export const RANGE_AXIS_FIELDS = [
  'amp',
  'phi',
  'freq',
  'xrange',
  'testamp',
  'testphi',
  'testfreq',
  'testxrange',
  ...(['lineslope', 'lineoff', 'quadcurv', 'quadctr', 'quadoff', 'absslope', 'absctr', 'absoff'] as const),
  ...([
    'testlineslope',
    'testlineoff',
    'testquadcurv',
    'testquadctr',
    'testquadoff',
    'testabsslope',
    'testabsctr',
    'testabsoff',
  ] as const),
] as const;
const RANGE_MOVES = ['lo', 'hi', 'shift'] as const;
type RangeMove = (typeof RANGE_MOVES)[number];
export type RangeAxisName = `${(typeof RANGE_AXIS_FIELDS)[number]}.${RangeMove}`;

const RANGE_AXES = RANGE_AXIS_FIELDS.flatMap((f) => RANGE_MOVES.map((m) => `${f}.${m}` as RangeAxisName));

/** The settings a map can put on an axis: α, β, inner steps, K, meta-batch, width, algorithm, task ranges. */
export const AXIS_NAMES = [
  ...(['alpha', 'beta', 'inner', 'k', 'batch', 'hidden', 'filters', 'algo'] as const),
  ...RANGE_AXES,
];
export type AxisName =
  'alpha' | 'beta' | 'inner' | 'k' | 'batch' | 'hidden' | 'filters' | 'algo' | RangeAxisName;

/** At most this many values per axis: a map has at most 8×8 cells. */
export const MAX_AXIS_VALUES = 8;

const RANGE_WORDS: Record<string, string> = {
  amp: 'amplitude',
  phi: 'phase (π)',
  freq: 'frequency',
  xrange: 'x',
  lineslope: 'line slope',
  lineoff: 'line intercept',
  quadcurv: 'quadratic curvature',
  quadctr: 'quadratic centre',
  quadoff: 'quadratic offset',
  absslope: '|x| slope',
  absctr: '|x| centre',
  absoff: '|x| offset',
};
const MOVE_WORDS: Record<RangeMove, string> = { lo: 'from', hi: 'up to', shift: 'shift' };

function rangeAxisLabel(name: RangeAxisName): string {
  const [field, move] = name.split('.') as [string, RangeMove];
  const test = field.startsWith('test');
  const what = RANGE_WORDS[test ? field.slice(4) : field] ?? field;
  return `${test ? 'test' : 'training'} ${what} ${MOVE_WORDS[move]}`;
}

export const AXIS_LABELS: Record<AxisName, string> = {
  alpha: 'α',
  beta: 'β',
  inner: 'inner steps',
  k: 'K',
  batch: 'meta-batch',
  hidden: 'width',
  filters: 'filters',
  algo: 'algorithm',
  ...(Object.fromEntries(RANGE_AXES.map((n) => [n, rangeAxisLabel(n)])) as Record<RangeAxisName, string>),
};

/** A task-distribution axis's range field and how it moves it, or null for another axis. */
export function rangeAxis(name: string): { field: string; move: RangeMove } | null {
  if (!(RANGE_AXES as readonly string[]).includes(name)) return null;
  const [field, move] = name.split('.') as [string, RangeMove];
  return { field, move };
}

export interface RangeAxis {
  kind: 'range';
  name: Exclude<AxisName, 'algo'>;
  lo: number;
  hi: number;
  scale: 'log' | 'lin';
  /** N as asked (the link keeps it); values may hold fewer when rounding repeats one */
  count: number;
  /** the cells' values: lo..hi spaced by scale, whole numbers for integer settings, 3 significant digits otherwise, no repeats */
  values: number[];
}

export interface ListAxis {
  kind: 'list';
  name: 'algo';
  values: string[];
}

export type Axis = RangeAxis | ListAxis;
export type AxisValue = number | string;

export interface AxisParse {
  axis: Axis | null;
  warnings: ParseWarning[];
  /** why the whole map is refused (an axis of more than MAX_AXIS_VALUES values) */
  refused: string | null;
}

/** A number setting's bounds for a task family (its own tighter bounds where it has them). */
function numberBounds(name: string, task: string): { min: number; max: number; integer: boolean } {
  const range = rangeAxis(name);
  if (range) {
    const f = FIELDS[range.field as keyof Experiment] as Field & { min: number; max: number };
    const width = f.max - f.min;
    return range.move === 'shift'
      ? { min: -width, max: width, integer: false }
      : { min: f.min, max: f.max, integer: false };
  }
  const field = FIELDS[name as keyof Experiment] as Field;
  const bounds = familySchema(task).bounds?.[name as keyof Experiment];
  if (field.kind === 'number')
    return { min: bounds?.[0] ?? field.min, max: bounds?.[1] ?? field.max, integer: field.integer };
  if (field.kind === 'list') return { min: field.min, max: field.max, integer: true };
  throw new Error(`${name} is not a number setting`);
}

/** The values of a range: spaced by its scale, rounded as the setting needs, repeats dropped. */
export function rangeValues(
  lo: number,
  hi: number,
  scale: 'log' | 'lin',
  count: number,
  integer: boolean,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = count === 1 ? 0 : i / (count - 1);
    const v = scale === 'log' ? lo * Math.pow(hi / lo, t) : lo + (hi - lo) * t;
    const r = integer ? Math.round(v) : Number(v.toPrecision(3));
    if (!out.includes(r)) out.push(r);
  }
  return out;
}

/** Parse `name` with its body (`lo..hi:scale:N`, or a list for algo) for a task family. */
export function parseAxis(name: string, body: string, task: string, listSeparator: RegExp): AxisParse {
  const warnings: ParseWarning[] = [];
  const given = `${name}=${body}`;
  const warn = (message: string) => warnings.push({ key: name, given: show(given), message });
  const result = (axis: Axis | null, refused: string | null = null): AxisParse => ({
    axis,
    warnings,
    refused,
  });
  if (!(AXIS_NAMES as readonly string[]).includes(name)) {
    const list = name.includes('.')
      ? `task-range axes: <range>.lo|hi|shift for ${RANGE_AXIS_FIELDS.filter((f) => fieldApplies(f, task)).join(', ')}`
      : `axes: ${AXIS_NAMES.filter((n) => !rangeAxis(n)).join(', ')}`;
    warn(`unknown axis "${show(name)}" ignored (${list})`);
    return result(null);
  }
  if (!fieldApplies(rangeAxis(name)?.field ?? name, task)) {
    warn(`${name} does not apply to ${task} tasks; axis ignored`);
    return result(null);
  }
  if (name === 'algo') return parseListAxis(body, listSeparator, warn, result);
  return parseRangeAxis(name as RangeAxis['name'], body, task, warn, result);
}

function parseListAxis(
  body: string,
  separator: RegExp,
  warn: (m: string) => void,
  result: (axis: Axis | null, refused?: string | null) => AxisParse,
): AxisParse {
  const known = (FIELDS.algo as { values: readonly string[] }).values;
  const names = body
    .split(separator)
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const values = names.filter((n, i) => known.includes(n) && names.indexOf(n) === i);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    warn(`algo: ${unknown.map(show).join(', ')} not one of ${known.join(', ')}; dropped`);
  if (values.length === 0) {
    warn(`algo=${show(body)} names no algorithm; axis ignored`);
    return result(null);
  }
  if (values.length > MAX_AXIS_VALUES)
    return result(null, `algo has ${values.length} values; a map has at most ${MAX_AXIS_VALUES} per axis`);
  return result({ kind: 'list', name: 'algo', values });
}

function parseRangeAxis(
  name: RangeAxis['name'],
  body: string,
  task: string,
  warn: (m: string) => void,
  result: (axis: Axis | null, refused?: string | null) => AxisParse,
): AxisParse {
  const m = /^([^:]*)\.\.([^:]*):([^:]*):([^:]*)$/.exec(body.trim());
  if (!m) {
    warn(`${name}=${show(body)} is not lo..hi:log|lin:N; axis ignored`);
    return result(null);
  }
  let lo = parseNumber(m[1]);
  let hi = parseNumber(m[2]);
  let count = parseNumber(m[4]);
  let scale = (m[3] as string).trim().toLowerCase();
  if (lo === null || hi === null || count === null) {
    warn(`${name}=${show(body)}: lo, hi and N must be numbers; axis ignored`);
    return result(null);
  }
  if (scale !== 'log' && scale !== 'lin') {
    warn(`${name}: scale "${show(scale)}" is not log or lin; using lin`);
    scale = 'lin';
  }
  if (!Number.isInteger(count) || count < 1) {
    const c = Math.max(1, Math.round(count));
    warn(`${name}: N=${formatNumber(count)} must be a whole number of at least 1; using ${c}`);
    count = c;
  }
  if (count > MAX_AXIS_VALUES)
    return result(
      null,
      `${name} asks for ${count} values; a map has at most ${MAX_AXIS_VALUES} per axis (${MAX_AXIS_VALUES}×${MAX_AXIS_VALUES} cells)`,
    );
  if (lo > hi) {
    warn(
      `${name}: range ${formatNumber(lo)}..${formatNumber(hi)} is reversed; using ${formatNumber(hi)}..${formatNumber(lo)}`,
    );
    [lo, hi] = [hi, lo];
  }
  const b = numberBounds(name, task);
  [lo, hi] = [lo, hi].map((v) => clampEnd(name, v, b, warn)) as [number, number];
  if (scale === 'log' && lo <= 0) {
    warn(`${name}: a log scale needs values above 0; using lin`);
    scale = 'lin';
  }
  const values = rangeValues(lo, hi, scale as 'log' | 'lin', count, b.integer);
  if (values.length < count)
    warn(
      `${name}: ${formatNumber(lo)}..${formatNumber(hi)} has ${values.length} distinct values, not ${count}; using ${values.length}`,
    );
  return result({ kind: 'range', name, lo, hi, scale: scale as 'log' | 'lin', count, values });
}

/** One end of a range inside the setting's bounds, to six significant digits (as links write numbers). */
function clampEnd(
  name: string,
  v: number,
  b: { min: number; max: number; integer: boolean },
  warn: (m: string) => void,
): number {
  const c = Math.min(b.max, Math.max(b.min, v));
  if (c !== v)
    warn(
      `${name}: ${formatNumber(v)} is outside [${formatNumber(b.min)}, ${formatNumber(b.max)}]; clamped to ${formatNumber(c)}`,
    );
  return Number(formatNumber(c));
}

/**
 * Writes one cell's axis value into a config's link entries: a width sets every hidden layer; a
 * range axis moves the range the entries hold so far (a test range left out follows meta-training's,
 * else the default), its ends kept in order and inside the field's bounds.
 */
export function setAxisEntry(entries: URLSearchParams, base: Experiment, name: AxisName, v: AxisValue): void {
  const text = typeof v === 'number' ? formatNumber(v) : v;
  const range = rangeAxis(name);
  if (!range || typeof v !== 'number') {
    entries.set(name, name === 'hidden' ? base.hidden.map(() => text).join(',') : text);
    return;
  }
  const spec = familySchema(base.task).fields[range.field];
  const field = FIELDS[range.field as keyof Experiment] as Field & { min: number; max: number };
  const held = entries.get(range.field) ?? (spec?.follows ? entries.get(spec.follows) : null);
  const [lo, hi] = (held ?? (spec?.default as number[]).join(',')).split(',').map(Number) as [number, number];
  const clamp = (x: number) => Number(formatNumber(Math.min(field.max, Math.max(field.min, x))));
  const ends =
    range.move === 'shift'
      ? [lo + v, hi + v]
      : range.move === 'lo'
        ? [v, Math.max(v, hi)]
        : [Math.min(lo, v), v];
  entries.set(range.field, ends.map((x) => formatNumber(clamp(x))).join(','));
}

/** The axis as text: `lo..hi:scale:N`, or the algorithms joined by `separator`. */
export function axisBody(axis: Axis, separator: string): string {
  if (axis.kind === 'list') return axis.values.join(separator);
  return `${formatNumber(axis.lo)}..${formatNumber(axis.hi)}:${axis.scale}:${axis.count}`;
}

/** A value as tables and readings print it. */
export function formatAxisValue(v: AxisValue): string {
  return typeof v === 'number' ? formatNumber(v) : v;
}
