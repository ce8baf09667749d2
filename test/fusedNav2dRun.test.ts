import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFusedNav2d } from '../src/core/engines/fusedNav2d/wasmModule';
import { parseExperiment } from '../src/core/experiment';
import type { StepLosses } from '../src/core/families/family';
import { familyOf } from '../src/core/families/registry';
import type { Nav2dRun } from '../src/core/families/nav2d/run';
import { relDiff, startBackend } from './helpers';

const tiny = (extra = '') =>
  parseExperiment(`task=nav2d&hidden=8&batch=2&trajs=2&beta=0.01&seed=3${extra}`).config;

beforeAll(async () => {
  await startBackend('wasm');
  await loadFusedNav2d();
});

function fusedRun(extra = '', pretrained = true): Nav2dRun {
  return familyOf('nav2d').createRun(tiny(extra), { engine: 'fused', pretrained }) as Nav2dRun;
}

const readLosses = async (l: StepLosses): Promise<number[]> => {
  const out = [(await l.meta.data())[0] as number];
  if (l.pretrained) out.push((await l.pretrained.data())[0] as number);
  tf.dispose([l.meta, l.pretrained as tf.Tensor]);
  return out;
};

const thetaOf = async (run: Nav2dRun) => Float32Array.from(await run.learner.theta.data());

describe('2-D navigation on the fused engine: runs', () => {
  it('trains on the fused engine: same seed same numbers, the stream a tfjs run draws, no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const [a, b] = [fusedRun(), fusedRun()];
    const ref = familyOf('nav2d').createRun(tiny(), { engine: 'tfjs', pretrained: true }) as Nav2dRun;
    expect([a.engine, ref.engine, a.fallbackReason]).toEqual(['fused', 'tfjs', null]);
    const first = await readLosses(a.step());
    expect(relDiff(first, await readLosses(ref.step()))).toBeLessThan(1e-4);
    await readLosses(b.step());
    for (let s = 0; s < 2; s++) {
      await readLosses(a.step());
      await readLosses((await b.stepAsync?.()) as StepLosses);
    }
    expect(await thetaOf(a)).toEqual(await thetaOf(b));
    expect(a.streamState()).toEqual(b.streamState());
    ref.skipBatch();
    ref.skipBatch();
    expect(ref.streamState()).toEqual(a.streamState());
    expect(relDiff(await thetaOf(a), a.theta0)).toBeGreaterThan(0);
    expect(a.pretrainer?.stepCount).toBe(3);
    const report = await a.evaluateReport({ tasks: 3, steps: 1, seed: 9 });
    expect(Object.keys(report.json)).toEqual(expect.arrayContaining(['maml', 'pretrained', 'random']));
    for (const r of [a, b, ref]) r.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a run restored from another run’s exported state continues to the same bits', async () => {
    const a = fusedRun('&inner=2');
    await readLosses(a.step());
    const saved = await a.exportState();
    expect(saved.engine).toBe('fused');
    const c = fusedRun('&inner=2');
    c.restoreState(saved);
    for (let k = 0; k < 2; k++) {
      await readLosses(a.step());
      await readLosses(c.step());
    }
    const [sa, sc] = [await a.exportState(), await c.exportState()];
    expect(sc.theta).toEqual(sa.theta);
    expect(sc.thetaAdam).toEqual(sa.thetaAdam);
    expect(sc.pretrained).toEqual(sa.pretrained);
    expect(c.stepCount).toBe(3);
    a.dispose();
    c.dispose();
  });

  it('rates=halved: the training’s later inner steps at α/2, the same on both engines', async () => {
    const a = fusedRun('&inner=2&rates=halved', false);
    const ref = familyOf('nav2d').createRun(tiny('&inner=2&rates=halved'), {
      engine: 'tfjs',
      pretrained: false,
    }) as Nav2dRun;
    const same = fusedRun('&inner=2', false);
    for (let s = 0; s < 3; s++) {
      const [got, want] = [await readLosses(a.step()), await readLosses(ref.step())];
      expect(relDiff(got, want)).toBeLessThan(1e-4);
      expect(relDiff(got, await readLosses(same.step()))).toBeGreaterThan(1e-3);
    }
    expect(relDiff(await thetaOf(a), await thetaOf(ref))).toBeLessThan(1e-4);
    for (const r of [a, ref, same]) r.dispose();
  });

  it('metaobj=mean: the mean over inner steps, the same on both engines', async () => {
    const a = fusedRun('&inner=2&metaobj=mean', false);
    const ref = familyOf('nav2d').createRun(tiny('&inner=2&metaobj=mean'), {
      engine: 'tfjs',
      pretrained: false,
    }) as Nav2dRun;
    const last = fusedRun('&inner=2', false);
    for (let s = 0; s < 3; s++) {
      const [got, want] = [await readLosses(a.step()), await readLosses(ref.step())];
      expect(relDiff(got, want)).toBeLessThan(1e-4);
      if (s > 0) expect(relDiff(got, await readLosses(last.step()))).toBeGreaterThan(1e-3);
      else await readLosses(last.step());
    }
    expect(relDiff(await thetaOf(a), await thetaOf(ref))).toBeLessThan(1e-4);
    for (const r of [a, ref, last]) r.dispose();
  });

  it('a larger meta-batch rebuilds the engine with the state kept; TRPO switches on live', async () => {
    const a = fusedRun('', false);
    await readLosses(a.step());
    const kept = await thetaOf(a);
    expect(a.update(tiny('&batch=4&trajs=3'))).toBe(true);
    expect(await thetaOf(a)).toEqual(kept);
    await readLosses(a.step());
    expect(a.engine).toBe('fused');
    expect(a.update(tiny('&metaopt=trpo'))).toBe(true);
    await readLosses(a.step());
    expect(a.engine).toBe('fused');
    a.dispose();
  });

  it('evaluates on the fused engine as tfjs does (goals in groups the engine holds)', async () => {
    const a = fusedRun();
    const ref = familyOf('nav2d').createRun(tiny(), { engine: 'tfjs', pretrained: true }) as Nav2dRun;
    const request = { tasks: 5, steps: 2, seed: 11 };
    const [got, want] = [await a.evaluate(request), await ref.evaluate(request)];
    expect(Object.keys(got)).toEqual(['maml', 'pretrained', 'random']);
    for (const name of Object.keys(want)) {
      expect(relDiff(got[name] as Float32Array, want[name] as Float32Array)).toBeLessThan(1e-4);
    }
    a.dispose();
    ref.dispose();
  });
});
