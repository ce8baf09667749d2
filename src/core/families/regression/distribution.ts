import type { Experiment, FamilyField } from '../../schema';

declare module '../../schema' {
  interface Experiment {
    /** sine tasks' amplitude range A for meta-training, [lo, hi]; absent: the paper's [0.1, 5] */
    amp?: number[];
    /** sine tasks' phase range φ for meta-training in multiples of π; absent: the paper's [0, 1] */
    phi?: number[];
    /** sine tasks' frequency range ω for meta-training; absent: 1, the paper's sinusoids */
    freq?: number[];
    /** the tasks' input range x for meta-training; absent: the paper's [−5, 5] */
    xrange?: number[];
    /** the same four for the test tasks (evaluation, the test view); absent: as for meta-training */
    testamp?: number[];
    testphi?: number[];
    testfreq?: number[];
    testxrange?: number[];
  }
}

/** Which task distribution: the one θ is meta-trained on, or the one it is tested on. */
export type Split = 'train' | 'test';

/** The ranges a sine task (and a regression task's inputs) are drawn from, φ in multiples of π. */
export interface SineRanges {
  amp: readonly [number, number];
  phase: readonly [number, number];
  freq: readonly [number, number];
  x: readonly [number, number];
}

/** The MAML paper's sinusoids: A ~ U[0.1, 5], φ ~ U[0, π], ω = 1, x ~ U[−5, 5]. */
export const PAPER_SINE: SineRanges = { amp: [0.1, 5], phase: [0, 1], freq: [1, 1], x: [-5, 5] };

const RANGE_KEYS = [
  ['amp', 'amp'],
  ['phi', 'phase'],
  ['freq', 'freq'],
  ['xrange', 'x'],
] as const;

const BOUNDS: Record<keyof SineRanges, [number, number]> = {
  amp: [0, 10],
  phase: [-2, 2],
  freq: [0.1, 5],
  x: [-20, 20],
};

const WHAT: Record<keyof SineRanges, string> = {
  amp: 'Amplitude range A of the sine tasks, lo,hi (the paper: 0.1,5)',
  phase: 'Phase range φ of the sine tasks in multiples of π, lo,hi (the paper: 0,1, that is 0 to π)',
  freq: 'Frequency range ω of the sine tasks y = A·sin(ωx − φ), lo,hi (the paper: 1)',
  x: 'Input range x of the tasks, lo,hi (the paper: −5,5)',
};

function rangeField(range: keyof SineRanges, split: Split, follows?: string): FamilyField {
  const [min, max] = BOUNDS[range];
  const when = split === 'train' ? 'meta-training' : 'testing (evaluation and the test view)';
  const tail = split === 'test' ? '; left out: as for meta-training.' : '.';
  return {
    field: { kind: 'range', min, max, help: `${WHAT[range]}, for ${when}${tail}` },
    default: [...PAPER_SINE[range]],
    implicit: true,
    ...(follows ? { follows } : {}),
  };
}

/**
 * The distribution fields of the regression families, meta-training's then testing's: implicit,
 * so a config of the paper's distribution carries none of them and reads as it always did.
 */
export const DISTRIBUTION_FIELDS: Readonly<Record<string, FamilyField>> = Object.fromEntries([
  ...RANGE_KEYS.map(([key, range]) => [key, rangeField(range, 'train')]),
  ...RANGE_KEYS.map(([key, range]) => [`test${key}`, rangeField(range, 'test', key)]),
]);

const pair = (v: number[] | undefined): readonly [number, number] | undefined =>
  v && v.length === 2 ? [v[0] as number, v[1] as number] : undefined;

/** A config's sine ranges for one split (testing falls back to meta-training's, then to the paper's). */
export function sineRanges(config: Experiment, split: Split): SineRanges {
  const record = config as unknown as Record<string, number[] | undefined>;
  const out: Record<string, readonly [number, number]> = {};
  for (const [key, range] of RANGE_KEYS) {
    const own = split === 'test' ? pair(record[`test${key}`]) : undefined;
    out[range] = own ?? pair(record[key]) ?? PAPER_SINE[range];
  }
  return out as unknown as SineRanges;
}

/** The keys of a family's test-distribution fields (every `test…` field it declares). */
export function testKeys(fields: Readonly<Record<string, FamilyField>>): string[] {
  return Object.keys(fields).filter((k) => fields[k]?.follows !== undefined);
}

/** Whether a config tests on another distribution than it meta-trains on (a test field is set). */
export function testDiffers(config: Experiment, fields: Readonly<Record<string, FamilyField>>): boolean {
  const record = config as unknown as Record<string, unknown>;
  return testKeys(fields).some((k) => record[k] !== undefined);
}

/** A range as the descriptions print it, e.g. "[0.1, 5]", "1", "[0, π]" (unit π: multiples of π). */
export function rangeText(r: readonly [number, number], unit = ''): string {
  const f = (x: number) => {
    const n = Number(x.toPrecision(3));
    if (unit === '') return String(n);
    return n === 0 ? '0' : n === 1 ? unit : n === -1 ? `-${unit}` : `${n}${unit}`;
  };
  return r[0] === r[1] ? f(r[0]) : `[${f(r[0])}, ${f(r[1])}]`;
}
