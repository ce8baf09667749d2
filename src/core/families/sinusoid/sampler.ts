import type { Rng } from '../../random';
import type { RegressionBatch, RegressionFamily } from '../regression/tasks';

/**
 * Sinusoid regression exactly as in the MAML paper: y = A·sin(x − φ), A ~ U[0.1, 5.0],
 * φ ~ U[0, π], x ~ U[−5, 5]; K support and Q separate query points per task.
 */
export const SINUSOID = {
  amplitude: [0.1, 5.0],
  phase: [0, Math.PI],
  x: [-5, 5],
} as const;

export const sinusoid: RegressionFamily = {
  name: 'sinusoid',
  xRange: SINUSOID.x,
  yBound: SINUSOID.amplitude[1],
  paramsPerTask: 2,

  sampleBatch(rng: Rng, tasks: number, support: number, query: number): RegressionBatch {
    const xs = new Float32Array(tasks * support);
    const ys = new Float32Array(tasks * support);
    const xq = new Float32Array(tasks * query);
    const yq = new Float32Array(tasks * query);
    const taskParams = new Float32Array(tasks * 2);
    const [x0, x1] = SINUSOID.x;
    for (let t = 0; t < tasks; t++) {
      const a = rng.uniform(SINUSOID.amplitude[0], SINUSOID.amplitude[1]);
      const p = rng.uniform(SINUSOID.phase[0], SINUSOID.phase[1]);
      taskParams[2 * t] = a;
      taskParams[2 * t + 1] = p;
      for (let i = 0; i < support; i++) {
        const x = rng.uniform(x0, x1);
        xs[t * support + i] = x;
        ys[t * support + i] = a * Math.sin(x - p);
      }
      for (let i = 0; i < query; i++) {
        const x = rng.uniform(x0, x1);
        xq[t * query + i] = x;
        yq[t * query + i] = a * Math.sin(x - p);
      }
    }
    return { tasks, support, query, xs, ys, xq, yq, taskParams };
  },

  truth(taskParams: ArrayLike<number>, offset: number, x: number): number {
    return (taskParams[offset] as number) * Math.sin(x - (taskParams[offset + 1] as number));
  },

  describe(taskParams: ArrayLike<number>, offset: number): string {
    const a = taskParams[offset] as number;
    const p = taskParams[offset + 1] as number;
    return `y = ${a.toFixed(2)}·sin(x − ${p.toFixed(2)})`;
  },
};
