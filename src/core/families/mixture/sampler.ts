import type { Rng } from '../../random';
import type { RegressionBatch, RegressionFamily } from '../regression/tasks';
import type { Experiment } from '../../schema';
import { PAPER_SINE, rangeText, sineRanges, type SineRanges, type Split } from '../regression/distribution';
import { describeSine, drawSine, sineValue } from '../sinusoid/sampler';
import { COMPONENTS, type Component } from './schema';
import { kindRanges, kindRangesText, kindsYBound, MIXTURE_RANGES, type KindRanges } from './ranges';

/**
 * The kinds of function, on the sinusoids' x ∈ [−5, 5] by default:
 *   sine       y = A·sin(ωx − φ)       the sine ranges of the config (the paper's: A ~ U[0.1, 5], φ ~ U[0, π], ω = 1)
 *   line       y = a·x + b             the kind ranges of the config (ranges.ts: a ~ U[−0.8, 0.8], b ~ U[−1.5, 1.5])
 *   quadratic  y = a·(x − c)² + b      a ~ U[−0.12, 0.12], c ~ U[−1, 1], b ~ U[−1.5, 1.5] by default
 *   abs        y = a·|x − c| + b       a ~ U[−0.8, 0.8], c ~ U[−1, 1], b ~ U[−1.5, 1.5] by default
 * Per task: [kind index in COMPONENTS, p1, p2, p3] (sine: A, φ, ω; line: a, b, 0; others: a, c, b).
 */
const PER_TASK = 4;

function value(kind: number, p1: number, p2: number, p3: number, x: number): number {
  switch (COMPONENTS[kind]) {
    case 'sine':
      return sineValue(p1, p2, p3, x);
    case 'line':
      return p1 * x + p2;
    case 'quadratic':
      return p1 * (x - p2) ** 2 + p3;
    case 'abs':
      return p1 * Math.abs(x - p2) + p3;
    default:
      return NaN;
  }
}

/** A task's parameters, drawn in a fixed order: sine A, φ, ω; line a, b; quadratic and |x| a, c, b. */
function drawTask(rng: Rng, kind: Component, sine: SineRanges, ranges: KindRanges): [number, number, number] {
  const u = (r: readonly [number, number]) => rng.uniform(r[0], r[1]);
  switch (kind) {
    case 'sine':
      return drawSine(rng, sine);
    case 'line':
      return [u(ranges.line.a), u(ranges.line.b), 0];
    case 'quadratic': {
      const r = ranges.quadratic;
      return [u(r.a), u(r.c), u(r.b)];
    }
    case 'abs': {
      const r = ranges.abs;
      return [u(r.a), u(r.c), u(r.b)];
    }
  }
}

/** The largest |y| of any kind on the ranges' inputs (6.3 on the paper's x ∈ [−5, 5], from the |x| curves). */
function yBound(sine: SineRanges, ranges: KindRanges): number {
  const xm = Math.max(5, Math.abs(sine.x[0]), Math.abs(sine.x[1]));
  return Math.max(kindsYBound(ranges, xm), Math.abs(sine.amp[0]), Math.abs(sine.amp[1]));
}

const sign = (v: number) => (v < 0 ? '−' : '+');
const fixed = (v: number) => Math.abs(v).toFixed(2);

/**
 * Tasks drawn uniformly from the chosen kinds of function (all four when none are given), their
 * inputs and sine tasks from the given ranges (the paper's by default).
 */
export function mixtureTasks(
  mix: readonly Component[] = COMPONENTS,
  sine: SineRanges = PAPER_SINE,
  ranges: KindRanges = MIXTURE_RANGES,
): RegressionFamily {
  const kinds = mix.length > 0 ? [...mix] : [...COMPONENTS];
  const moved = kindRangesText(ranges, (r) => rangeText(r));
  return {
    name: 'mixture',
    xRange: sine.x,
    yBound: yBound(sine, ranges),
    paramsPerTask: PER_TASK,
    range: `${kinds.join(', ')}; sines A ∈ ${rangeText(sine.amp)}, φ ∈ ${rangeText(sine.phase, 'π')}, ω ∈ ${rangeText(sine.freq)}; ${moved ? `${moved}; ` : ''}x ∈ ${rangeText(sine.x)}`,

    sampleBatch(rng: Rng, tasks: number, support: number, query: number): RegressionBatch {
      const xs = new Float32Array(tasks * support);
      const ys = new Float32Array(tasks * support);
      const xq = new Float32Array(tasks * query);
      const yq = new Float32Array(tasks * query);
      const taskParams = new Float32Array(tasks * PER_TASK);
      const [x0, x1] = sine.x;
      for (let t = 0; t < tasks; t++) {
        const kind = kinds[rng.int(kinds.length)] as Component;
        const k = COMPONENTS.indexOf(kind);
        const [p1, p2, p3] = drawTask(rng, kind, sine, ranges);
        taskParams.set([k, p1, p2, p3], t * PER_TASK);
        for (let i = 0; i < support; i++) {
          const x = rng.uniform(x0, x1);
          xs[t * support + i] = x;
          ys[t * support + i] = value(k, p1, p2, p3, x);
        }
        for (let i = 0; i < query; i++) {
          const x = rng.uniform(x0, x1);
          xq[t * query + i] = x;
          yq[t * query + i] = value(k, p1, p2, p3, x);
        }
      }
      return { tasks, support, query, xs, ys, xq, yq, taskParams };
    },

    truth(p: ArrayLike<number>, o: number, x: number): number {
      return value(p[o] as number, p[o + 1] as number, p[o + 2] as number, p[o + 3] as number, x);
    },

    describe(p: ArrayLike<number>, o: number): string {
      const [k, p1, p2, p3] = [p[o] as number, p[o + 1] as number, p[o + 2] as number, p[o + 3] as number];
      switch (COMPONENTS[k]) {
        case 'sine':
          return `sine: ${describeSine(p1, p2, p3)}`;
        case 'line':
          return `line: y = ${p1.toFixed(2)}·x ${sign(p2)} ${fixed(p2)}`;
        case 'quadratic':
          return `quadratic: y = ${p1.toFixed(3)}·(x ${sign(-p2)} ${fixed(p2)})² ${sign(p3)} ${fixed(p3)}`;
        case 'abs':
          return `|x| curve: y = ${p1.toFixed(2)}·|x ${sign(-p2)} ${fixed(p2)}| ${sign(p3)} ${fixed(p3)}`;
        default:
          return 'unknown task';
      }
    },
  };
}

/** A mixture config's task sampler for one split (meta-training's by default). */
export const mixtureTasksFor = (config: Experiment, split: Split = 'train'): RegressionFamily =>
  mixtureTasks(
    split === 'test' ? (config.testmix ?? config.mix) : config.mix,
    sineRanges(config, split),
    kindRanges(config, split),
  );
