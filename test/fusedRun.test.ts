import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadFused } from '../src/core/engines/fused/wasmModule';
import { createRegressionRun } from '../src/core/families/regression/lookup';
import type { RegressionRun } from '../src/core/families/regression/run';
import { runFromSnapshot, takeSnapshot } from '../src/worker/runState';
import { experiment, relDiff, startBackend } from './helpers';

async function losses(run: ReturnType<typeof createRegressionRun>, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { meta, pretrained } = run.step();
    out.push((await meta.data())[0] as number, pretrained ? ((await pretrained.data())[0] as number) : 0);
    tf.dispose([meta, pretrained as tf.Tensor]);
  }
  return out;
}

describe('a regression run on the fused engine', () => {
  it('trains like the tfjs engine from the same seed, θ read through the same tensors', async () => {
    await startBackend('cpu');
    await loadFused();
    for (const algo of ['maml', 'metasgd'] as const) {
      const config = experiment({ algo, batch: 7, k: 5, query: 5 });
      const ref = createRegressionRun(config);
      const fused = createRegressionRun(config, { engine: 'fused' });
      expect(ref.engine).toBe('tfjs');
      expect(fused.engine).toBe('fused');
      const a = await losses(ref, 30);
      const b = await losses(fused, 30);
      expect(relDiff(b, a)).toBeLessThan(1e-4);
      const thetaRef = (await ref.learner.theta.data()) as Float32Array;
      expect(relDiff((await fused.learner.theta.data()) as Float32Array, thetaRef)).toBeLessThan(1e-4);
      expect(fused.methods().map((m) => m.name)).toEqual(['maml', 'pretrained', 'random']);
      if (algo === 'metasgd') {
        const alphaRef = (await ref.learner.alphaVec!.data()) as Float32Array;
        expect(relDiff((await fused.learner.alphaVec!.data()) as Float32Array, alphaRef)).toBeLessThan(1e-4);
      }
      ref.dispose();
      fused.dispose();
    }
  });

  it('switches algorithm keeping θ, resumes from a snapshot exactly, and frees its tensors', async () => {
    await startBackend('cpu');
    await loadFused();
    const before = tf.memory().numTensors;
    const config = experiment({ batch: 5 });
    const run = createRegressionRun(config, { engine: 'fused' });
    await losses(run, 10);
    const theta = Float32Array.from((await run.learner.theta.data()) as Float32Array);
    expect(run.update({ ...config, algo: 'reptile' })).toBe(true);
    expect(run.learner.theta.dataSync()).toEqual(theta);
    await losses(run, 5);
    const snap = await takeSnapshot(run);
    const resumed = runFromSnapshot({ ...config, algo: 'reptile' }, snap);
    expect(resumed.stepCount).toBe(15);
    const straight = await losses(run, 3);
    // a snapshot restarts the optimiser's moments, so compare the task stream: the same batches
    const again = createRegressionRun({ ...config, algo: 'reptile' }, { engine: 'fused', theta: snap.theta });
    again.seekStream(snap.stream as number[]);
    expect(again.nextBatch().xs).toEqual((resumed as RegressionRun).nextBatch().xs);
    expect(straight.every(Number.isFinite)).toBe(true);
    for (const r of [run, resumed, again]) r.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
