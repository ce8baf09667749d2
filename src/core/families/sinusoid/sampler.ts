import type { Rng } from '../../random';
import type { Experiment } from '../../schema';
import { PAPER_SINE, rangeText, sineRanges, type SineRanges, type Split } from '../regression/distribution';
import type { RegressionBatch, RegressionFamily } from '../regression/tasks';

/** The MAML paper's sinusoid settings: A ~ U[0.1, 5.0], φ ~ U[0, π], x ~ U[−5, 5]. */
export const SINUSOID = {
  amplitude: [0.1, 5.0],
  phase: [0, Math.PI],
  x: [-5, 5],
} as const;

/**
 * One sine task's draw from the ranges: [A, φ, ω]. ω is drawn only from a range wider than one
 * value, so the paper's distribution (ω = 1) draws exactly the numbers it always drew.
 */
export function drawSine(rng: Rng, r: SineRanges): [number, number, number] {
  const a = rng.uniform(r.amp[0], r.amp[1]);
  const p = rng.uniform(r.phase[0] * Math.PI, r.phase[1] * Math.PI);
  const w = r.freq[0] === r.freq[1] ? r.freq[0] : rng.uniform(r.freq[0], r.freq[1]);
  return [a, p, w];
}

/** y = A·sin(ωx − φ); ω = 1 gives the paper's A·sin(x − φ) to the bit. */
export const sineValue = (a: number, p: number, w: number, x: number): number => a * Math.sin(w * x - p);

export function describeSine(a: number, p: number, w: number): string {
  return w === 1
    ? `y = ${a.toFixed(2)}·sin(x − ${p.toFixed(2)})`
    : `y = ${a.toFixed(2)}·sin(${w.toFixed(2)}x − ${p.toFixed(2)})`;
}

/**
 * Sinusoid regression y = A·sin(ωx − φ) with A, φ, ω and x uniform on the given ranges (the
 * paper's by default); K support and Q separate query points per task. Task parameters: A, φ, ω.
 */
export function sinusoidTasks(r: SineRanges = PAPER_SINE): RegressionFamily {
  return {
    name: 'sinusoid',
    xRange: r.x,
    yBound: Math.max(Math.abs(r.amp[0]), Math.abs(r.amp[1])),
    paramsPerTask: 3,
    range: `A ∈ ${rangeText(r.amp)}, φ ∈ ${rangeText(r.phase, 'π')}, ω ∈ ${rangeText(r.freq)}, x ∈ ${rangeText(r.x)}`,

    sampleBatch(rng: Rng, tasks: number, support: number, query: number): RegressionBatch {
      const xs = new Float32Array(tasks * support);
      const ys = new Float32Array(tasks * support);
      const xq = new Float32Array(tasks * query);
      const yq = new Float32Array(tasks * query);
      const taskParams = new Float32Array(tasks * 3);
      const [x0, x1] = r.x;
      for (let t = 0; t < tasks; t++) {
        const [a, p, w] = drawSine(rng, r);
        taskParams.set([a, p, w], 3 * t);
        for (let i = 0; i < support; i++) {
          const x = rng.uniform(x0, x1);
          xs[t * support + i] = x;
          ys[t * support + i] = sineValue(a, p, w, x);
        }
        for (let i = 0; i < query; i++) {
          const x = rng.uniform(x0, x1);
          xq[t * query + i] = x;
          yq[t * query + i] = sineValue(a, p, w, x);
        }
      }
      return { tasks, support, query, xs, ys, xq, yq, taskParams };
    },

    truth(taskParams: ArrayLike<number>, offset: number, x: number): number {
      const at = (i: number) => taskParams[offset + i] as number;
      return sineValue(at(0), at(1), at(2), x);
    },

    describe(taskParams: ArrayLike<number>, offset: number): string {
      const at = (i: number) => taskParams[offset + i] as number;
      return describeSine(at(0), at(1), at(2));
    },
  };
}

/** The paper's sinusoid tasks. */
export const sinusoid: RegressionFamily = sinusoidTasks();

/** A sinusoid config's task sampler for one split (meta-training's by default). */
export const sinusoidTasksFor = (config: Experiment, split: Split = 'train'): RegressionFamily =>
  sinusoidTasks(sineRanges(config, split));
