/**
 * The parameter ranges of the mixture's line, quadratic and |x| tasks as settings, for
 * meta-training and for testing, like the sines' ranges (`regression/distribution.ts`):
 *   line       y = a·x + b             `lineslope` a, `lineoff` b
 *   quadratic  y = a·(x − c)² + b      `quadcurv` a, `quadctr` c, `quadoff` b
 *   abs        y = a·|x − c| + b       `absslope` a, `absctr` c, `absoff` b
 * each with a `test…` twin that follows it when left out. The defaults (left out of links) are
 * the ranges the mixture always drew from, on the sinusoids' x ∈ [−5, 5], chosen so every kind
 * spans a y range comparable to the sinusoids' (|y| ≤ 5).
 */
import type { Experiment, FamilyField } from '../../schema';
import type { Split } from '../regression/distribution';

declare module '../../schema' {
  interface Experiment {
    /** mixture tasks' ranges [lo, hi] of the line, quadratic and |x| parameters for meta-training */
    lineslope?: number[];
    lineoff?: number[];
    quadcurv?: number[];
    quadctr?: number[];
    quadoff?: number[];
    absslope?: number[];
    absctr?: number[];
    absoff?: number[];
    /** the same for the test tasks (evaluation, the test view); absent: as for meta-training */
    testlineslope?: number[];
    testlineoff?: number[];
    testquadcurv?: number[];
    testquadctr?: number[];
    testquadoff?: number[];
    testabsslope?: number[];
    testabsctr?: number[];
    testabsoff?: number[];
  }
}

type Range = readonly [number, number];

/** The ranges of the non-sine kinds' parameters (a: slope or curvature, c: centre, b: offset). */
export interface KindRanges {
  line: { a: Range; b: Range };
  quadratic: { a: Range; c: Range; b: Range };
  abs: { a: Range; c: Range; b: Range };
}

/** The ranges the mixture draws from by default: |y| ≤ 5.5, 5.8 and 6.3 on x ∈ [−5, 5]. */
export const MIXTURE_RANGES: KindRanges = {
  line: { a: [-0.8, 0.8], b: [-1.5, 1.5] },
  quadratic: { a: [-0.12, 0.12], c: [-1, 1], b: [-1.5, 1.5] },
  abs: { a: [-0.8, 0.8], c: [-1, 1], b: [-1.5, 1.5] },
};

/** Each range setting: its kind and parameter, its bounds and its words. */
const KEYS = [
  ['lineslope', 'line', 'a', [-5, 5], 'Slope range a of the line tasks y = a·x + b'],
  ['lineoff', 'line', 'b', [-10, 10], 'Intercept range b of the line tasks y = a·x + b'],
  ['quadcurv', 'quadratic', 'a', [-2, 2], 'Curvature range a of the quadratic tasks y = a·(x − c)² + b'],
  ['quadctr', 'quadratic', 'c', [-20, 20], 'Centre range c of the quadratic tasks y = a·(x − c)² + b'],
  ['quadoff', 'quadratic', 'b', [-10, 10], 'Offset range b of the quadratic tasks y = a·(x − c)² + b'],
  ['absslope', 'abs', 'a', [-5, 5], 'Slope range a of the |x| tasks y = a·|x − c| + b'],
  ['absctr', 'abs', 'c', [-20, 20], 'Centre range c of the |x| tasks y = a·|x − c| + b'],
  ['absoff', 'abs', 'b', [-10, 10], 'Offset range b of the |x| tasks y = a·|x − c| + b'],
] as const;

function defaultOf(kind: keyof KindRanges, p: 'a' | 'b' | 'c'): Range {
  return (MIXTURE_RANGES[kind] as Record<string, Range>)[p] as Range;
}

function kindField(i: number, split: Split): FamilyField {
  const [key, kind, p, [min, max], what] = KEYS[i] as (typeof KEYS)[number];
  const d = defaultOf(kind, p);
  const when = split === 'train' ? 'meta-training' : 'testing (evaluation and the test view)';
  const tail = split === 'test' ? '; left out: as for meta-training.' : '.';
  return {
    field: { kind: 'range', min, max, help: `${what}, lo,hi (default ${d[0]},${d[1]}), for ${when}${tail}` },
    default: [...d],
    implicit: true,
    ...(split === 'test' ? { follows: key } : {}),
  };
}

/** The mixture's kind-range fields, meta-training's then testing's: implicit, left out of links at their defaults. */
export const KIND_RANGE_FIELDS: Readonly<Record<string, FamilyField>> = Object.fromEntries([
  ...KEYS.map(([key], i) => [key, kindField(i, 'train')]),
  ...KEYS.map(([key], i) => [`test${key}`, kindField(i, 'test')]),
]);

/** The config's kind ranges for one split (testing falls back to meta-training's, then to the defaults). */
export function kindRanges(config: Experiment, split: Split): KindRanges {
  const record = config as unknown as Record<string, number[] | undefined>;
  const pick = (key: string): Range | undefined => {
    const v = record[key];
    return v && v.length === 2 ? [v[0] as number, v[1] as number] : undefined;
  };
  const out = { line: {}, quadratic: {}, abs: {} } as Record<keyof KindRanges, Record<string, Range>>;
  for (const [key, kind, p] of KEYS) {
    out[kind][p] = (split === 'test' ? pick(`test${key}`) : undefined) ?? pick(key) ?? defaultOf(kind, p);
  }
  return out as unknown as KindRanges;
}

const maxAbs = (r: Range) => Math.max(Math.abs(r[0]), Math.abs(r[1]));

/** The largest |y| a line, quadratic or |x| task reaches for |x| ≤ xm (6.3 for the defaults on [−5, 5]). */
export function kindsYBound(r: KindRanges, xm: number): number {
  const line = maxAbs(r.line.a) * xm + maxAbs(r.line.b);
  const quad = maxAbs(r.quadratic.a) * (xm + maxAbs(r.quadratic.c)) ** 2 + maxAbs(r.quadratic.b);
  const abs = maxAbs(r.abs.a) * (xm + maxAbs(r.abs.c)) + maxAbs(r.abs.b);
  return Number(Math.max(line, quad, abs).toPrecision(6));
}

/** The kind ranges that differ from the defaults, in words ("" when none do). */
export function kindRangesText(r: KindRanges, text: (range: Range) => string): string {
  const parts: string[] = [];
  for (const [key, kind, p] of KEYS) {
    const v = (r[kind] as Record<string, Range>)[p] as Range;
    const d = defaultOf(kind, p);
    if (v[0] !== d[0] || v[1] !== d[1]) parts.push(`${key} ${text(v)}`);
  }
  return parts.join(', ');
}
