import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ALGOS } from '../src/core/experiment';
import { DEFAULT_EVAL, evaluate, makeEvalTasks } from '../src/core/families/regression/evaluate';
import { kernelsPerMetaStep } from '../src/core/meta/profile';
import { createRegressionRun } from '../src/core/families/regression/lookup';
import { Rng } from '../src/core/random';
import { sinusoid } from '../src/core/families/sinusoid/sampler';
import { experiment, startBackend } from './helpers';

async function lossCurve(backend: 'cpu' | 'wasm', steps: number, seed = 1): Promise<number[]> {
  await startBackend(backend);
  const run = createRegressionRun(experiment({ seed }), { pretrained: false });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { meta } = run.step();
    losses.push((await meta.data())[0] as number);
    meta.dispose();
  }
  run.dispose();
  return losses;
}

describe('training', () => {
  it('same seed gives identical numbers; a different seed gives different tasks', async () => {
    const a = await lossCurve('cpu', 15, 1);
    const b = await lossCurve('cpu', 15, 1);
    const c = await lossCurve('cpu', 15, 2);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    const t1 = sinusoid.sampleBatch(Rng.stream(1, 'train'), 5, 10, 10);
    const t1again = sinusoid.sampleBatch(Rng.stream(1, 'train'), 5, 10, 10);
    const t2 = sinusoid.sampleBatch(Rng.stream(2, 'train'), 5, 10, 10);
    expect(t1again.xs).toEqual(t1.xs);
    expect(t2.xs).not.toEqual(t1.xs);
    expect(t2.taskParams).not.toEqual(t1.taskParams);
  });

  it('cpu and wasm give the same meta-loss curve for 50 steps (1e-4 relative)', async () => {
    const cpu = await lossCurve('cpu', 50);
    const wasm = await lossCurve('wasm', 50);
    cpu.forEach((v, i) => expect(Math.abs(v - (wasm[i] as number)) / Math.abs(v)).toBeLessThan(1e-4));
    expect(cpu[49]).toBeLessThan(cpu[0] as number); // and it is learning
  });

  it('kernels per meta-step do not depend on the meta-batch size', async () => {
    await startBackend('wasm');
    for (const algo of ALGOS) {
      const counts: number[] = [];
      for (const batch of [5, 25, 50]) {
        const run = createRegressionRun(experiment({ algo, batch }), { pretrained: false });
        counts.push((await kernelsPerMetaStep(run)).total);
        run.dispose();
      }
      expect(new Set(counts).size, `${algo}: ${counts.join(', ')}`).toBe(1);
      if (algo === 'maml') expect(counts[0]).toBeLessThanOrEqual(300);
    }
  });

  it('the tensor count stays flat during training (every algorithm and the baseline)', async () => {
    await startBackend('wasm');
    for (const algo of ALGOS) {
      const run = createRegressionRun(experiment({ algo, inner: 2, batch: 5 }));
      let at10 = 0;
      for (let s = 1; s <= 100; s++) {
        const { meta, pretrained } = run.step();
        tf.dispose([meta, pretrained as tf.Tensor]);
        if (s === 10) at10 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors, algo).toBe(at10);
      run.dispose();
    }
  });

  it('a short meta-training already beats random init and the pretrained baseline', async () => {
    await startBackend('wasm');
    const run = createRegressionRun(experiment({ k: 10 }));
    for (let s = 0; s < 1500; s++) {
      const { meta, pretrained } = run.step();
      tf.dispose([meta, pretrained as tf.Tensor]);
    }
    const tasks = makeEvalTasks(run.tasks, { ...DEFAULT_EVAL, tasks: 200, k: 10 });
    const before = tf.memory().numTensors;
    const curves = await evaluate(run.model, run.methods(), tasks, 10);
    expect(tf.memory().numTensors).toBe(before);
    const maml = curves.maml!.mse;
    const random = curves.random!.mse;
    const pretrained = curves.pretrained!.mse;
    expect(maml[1]).toBeLessThan(0.6 * (random[1] as number));
    expect(maml[1]).toBeLessThan(pretrained[1] as number);
    // adaptation helps: one step beats no step for the meta-learned θ
    expect(maml[1]).toBeLessThan(maml[0] as number);
    expect(curves.maml!.ci95.every((c) => c > 0 && c < 1)).toBe(true);
    run.dispose();
  });
});

describe('live changes', () => {
  it('switching algorithm keeps θ and leaks nothing', async () => {
    await startBackend('cpu');
    const run = createRegressionRun(experiment({ batch: 3 }));
    tf.dispose(Object.values(run.step()) as tf.Tensor[]);
    const before = tf.memory().numTensors;
    const theta = run.learner.theta.dataSync().slice();
    expect(run.update(experiment({ batch: 3, algo: 'metasgd', alpha: 0.02 }))).toBe(true);
    expect(run.learner.algo).toBe('metasgd');
    expect(run.learner.theta.dataSync()).toEqual(theta);
    expect(run.update(experiment({ batch: 3, algo: 'maml' }))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(run.update(experiment({ batch: 3, hidden: [8] }))).toBe(false);
    run.dispose();
  });
});
