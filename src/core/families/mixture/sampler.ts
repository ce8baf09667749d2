import type { Rng } from '../../random';
import type { RegressionBatch, RegressionFamily } from '../regression/tasks';
import { SINUSOID } from '../sinusoid/sampler';
import { COMPONENTS, type Component } from './schema';

/**
 * Parameter ranges of each kind of function, on the sinusoids' x ∈ [−5, 5], chosen so every kind
 * spans a y range comparable to the sinusoids' (|y| ≤ 5):
 *   sine       y = A·sin(x − φ)        A ~ U[0.1, 5], φ ~ U[0, π]            (the paper's tasks)
 *   line       y = a·x + b             a ~ U[−0.8, 0.8], b ~ U[−1.5, 1.5]     |y| ≤ 5.5
 *   quadratic  y = a·(x − c)² + b      a ~ U[−0.12, 0.12], c ~ U[−1, 1], b ~ U[−1.5, 1.5]   |y| ≤ 5.8
 *   abs        y = a·|x − c| + b       a ~ U[−0.8, 0.8], c ~ U[−1, 1], b ~ U[−1.5, 1.5]     |y| ≤ 6.3
 */
export const MIXTURE_RANGES = {
  line: { a: [-0.8, 0.8], b: [-1.5, 1.5] },
  quadratic: { a: [-0.12, 0.12], c: [-1, 1], b: [-1.5, 1.5] },
  abs: { a: [-0.8, 0.8], c: [-1, 1], b: [-1.5, 1.5] },
} as const;

/** Per task: [kind index in COMPONENTS, p1, p2, p3] (sine: A, φ, 0; line: a, b, 0; others: a, c, b). */
const PER_TASK = 4;

function value(kind: number, p1: number, p2: number, p3: number, x: number): number {
  switch (COMPONENTS[kind]) {
    case 'sine':
      return p1 * Math.sin(x - p2);
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

function drawTask(rng: Rng, kind: Component): [number, number, number] {
  const u = (r: readonly [number, number]) => rng.uniform(r[0], r[1]);
  switch (kind) {
    case 'sine':
      return [u(SINUSOID.amplitude), u(SINUSOID.phase), 0];
    case 'line':
      return [u(MIXTURE_RANGES.line.a), u(MIXTURE_RANGES.line.b), 0];
    case 'quadratic': {
      const r = MIXTURE_RANGES.quadratic;
      return [u(r.a), u(r.c), u(r.b)];
    }
    case 'abs': {
      const r = MIXTURE_RANGES.abs;
      return [u(r.a), u(r.c), u(r.b)];
    }
  }
}

const sign = (v: number) => (v < 0 ? '−' : '+');
const fixed = (v: number) => Math.abs(v).toFixed(2);

/** Tasks drawn uniformly from the chosen kinds of function (all four when none are given). */
export function mixtureTasks(mix: readonly Component[] = COMPONENTS): RegressionFamily {
  const kinds = mix.length > 0 ? [...mix] : [...COMPONENTS];
  return {
    name: 'mixture',
    xRange: SINUSOID.x,
    yBound: 6.3,
    paramsPerTask: PER_TASK,

    sampleBatch(rng: Rng, tasks: number, support: number, query: number): RegressionBatch {
      const xs = new Float32Array(tasks * support);
      const ys = new Float32Array(tasks * support);
      const xq = new Float32Array(tasks * query);
      const yq = new Float32Array(tasks * query);
      const taskParams = new Float32Array(tasks * PER_TASK);
      const [x0, x1] = SINUSOID.x;
      for (let t = 0; t < tasks; t++) {
        const kind = kinds[rng.int(kinds.length)] as Component;
        const k = COMPONENTS.indexOf(kind);
        const [p1, p2, p3] = drawTask(rng, kind);
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
          return `sine: y = ${p1.toFixed(2)}·sin(x − ${p2.toFixed(2)})`;
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
