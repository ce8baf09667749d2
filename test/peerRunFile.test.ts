/**
 * A run trained by the PyTorch peer (scripts/peer/maml_sinusoid.py --save-run) opens here and
 * continues. The fixture was written with
 *   python3 scripts/peer/maml_sinusoid.py --steps 50 --save-run test/fixtures/peer-run.json \
 *     --predictions test/fixtures/peer-run.predictions.json --name "PyTorch peer (maml_sinusoid.py), 50 steps"
 *   npx prettier --write test/fixtures
 * (`npm run lint` checks JSON formatting too) and the predictions are the PyTorch network's outputs at a few x: equal outputs from the
 * project's MLP on the restored θ mean PyTorch's Linear layers were laid out as the flat θ expects.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadFused } from '../src/core/engines/fused/wasmModule';
import type { RegressionRun } from '../src/core/families/regression/run';
import { Rng } from '../src/core/random';
import { readRunFile, runFromState } from '../src/core/runs/resume';
import { startBackend } from './helpers';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const text = fixture('peer-run.json');
const predictions = JSON.parse(fixture('peer-run.predictions.json')) as { x: number[]; y: number[] };
const STEPS = 50;

const bytes = (a: Float32Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('a run file written by the PyTorch peer', () => {
  it('parses with the strict reader and holds what the peer trained', () => {
    const file = readRunFile(text);
    const s = file.state;
    expect(file.appVersion).toMatch(/\+torch-peer$/);
    expect(s.config).toMatchObject({
      task: 'sinusoid',
      algo: 'maml',
      alpha: 0.01,
      beta: 0.001,
      inner: 1,
      k: 10,
      query: 10,
      batch: 25,
      hidden: [40, 40],
      seed: 1,
    });
    expect(s.step).toBe(STEPS);
    expect(s.engine).toBe('fused');
    expect(s.theta.length).toBe(1 * 40 + 40 + 40 * 40 + 40 + 40 * 1 + 1);
    expect(s.thetaAdam.t).toBe(STEPS);
    expect(s.alpha).toBeNull();
    expect(s.pretrained).toBeNull();
    // the start of the seed's own task stream (the project cannot replay PyTorch's)
    expect(s.stream).toEqual(new Rng(1, 'train').state());
    expect(file.curves).toHaveLength(1);
    const curve = file.curves[0]!;
    expect(curve.name).toBe('meta-loss');
    expect(curve.steps).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(curve.values.every(Number.isFinite)).toBe(true);
  });

  for (const engine of ['fused', 'tfjs'] as const) {
    it(`restores on the ${engine} engine, predicts as PyTorch did, and trains on`, async () => {
      await startBackend('cpu');
      await loadFused();
      const before = tf.memory().numTensors;
      const file = readRunFile(text);
      const run = runFromState(file.state, { engine }) as RegressionRun;
      expect(run.engine).toBe(engine);
      expect(run.stepCount).toBe(STEPS);
      expect(run.pretrainer).toBeNull();

      const restored = await run.exportState();
      expect(bytes(restored.theta)).toEqual(bytes(file.state.theta));
      expect(bytes(restored.thetaAdam.m)).toEqual(bytes(file.state.thetaAdam.m));
      expect(bytes(restored.thetaAdam.v)).toEqual(bytes(file.state.thetaAdam.v));
      expect(restored.thetaAdam.t).toBe(STEPS);

      const out = tf.tidy(() => {
        const x = tf.tensor3d(predictions.x, [1, predictions.x.length, 1]);
        return run.model.predict(run.model.unflatten(run.learner.theta), x).dataSync();
      });
      expect(out.length).toBe(predictions.y.length);
      for (let i = 0; i < out.length; i++) {
        expect(Math.abs((out[i] as number) - (predictions.y[i] as number))).toBeLessThanOrEqual(1e-5);
      }

      for (let i = 0; i < 2; i++) {
        const { meta, pretrained } = run.step();
        expect(pretrained).toBeNull();
        const loss = (await meta.data())[0] as number;
        meta.dispose();
        expect(Number.isFinite(loss)).toBe(true);
      }
      const after = await run.exportState();
      expect(after.step).toBe(STEPS + 2);
      expect(after.thetaAdam.t).toBe(STEPS + 2);
      expect(after.theta.every(Number.isFinite)).toBe(true);
      run.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
