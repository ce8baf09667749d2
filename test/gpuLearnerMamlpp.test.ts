import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GpuLearner } from '../src/core/engines/engineViews';
import { fitsDevice } from '../src/core/engines/webgpu/tryFused';
import { layerSizes } from '../src/core/experiment';
import { RegressionRun } from '../src/core/families/regression/run';
import { sinusoidFamily } from '../src/core/families/sinusoid/family';
import { LSLR_STEPS, mlpTensorSizes, spreadRates } from '../src/core/meta/mamlppSchedule';
import { experiment, startBackend } from './helpers';

// A MAML++ run on the fused WGSL engine, without a GPU: the routing (fitsDevice, RegressionRun
// choosing the WGSL engine) against a stand-in for tfjs's WebGPU backend that only answers the
// device's limits and adapter, and the run's views of the engine's rates on the cpu backend.
// The engine's numerics are checked in Chromium (e2e/fusedWebgpu.spec.ts, engine check page).

/** While `on`: tfjs reports the webgpu backend, a device with the WebGPU default limits (SwiftShader's tuning). */
const webgpu = vi.hoisted(() => ({ on: false }));
vi.mock('@tensorflow/tfjs', async (original) => {
  const actual = await original<typeof import('@tensorflow/tfjs')>();
  const { DEFAULT_LIMITS: limits } = await import('../src/core/engines/webgpu/layout');
  const device = { device: { limits: { ...limits } }, adapterInfo: { architecture: 'swiftshader' } };
  return {
    ...actual,
    getBackend: () => (webgpu.on ? 'webgpu' : actual.getBackend()),
    backend: () => (webgpu.on ? device : actual.backend()),
  };
});

const sizes = [1, 40, 40, 1];
const tensors = mlpTensorSizes(sizes);
const shape = { tasks: 25, support: 10, query: 10 };

/** Rates that differ per step and tensor, so a wrong row or tensor shows. */
function variedRates(): Float32Array {
  return Float32Array.from({ length: LSLR_STEPS * tensors.length }, (_, i) => 0.01 + 0.001 * i);
}

beforeAll(() => startBackend('cpu'));
afterEach(() => {
  webgpu.on = false;
});

describe('MAML++ runs on the fused WGSL engine', () => {
  it('fitsDevice accepts MAML++ like MAML, and refuses it only for the limits', () => {
    webgpu.on = true;
    for (const algo of ['maml', 'mamlpp'] as const)
      expect(fitsDevice({ sizes, algo, inner: 5 }, shape, { pretrained: true })).toEqual({ ok: true });
    const wide = fitsDevice({ sizes: [1, 4000, 4000, 1], algo: 'mamlpp', inner: 5 }, shape, {
      pretrained: true,
    });
    expect(wide.ok).toBe(false);
    webgpu.on = false;
    // off WebGPU the reason is the backend's, for MAML++ as for MAML
    expect(fitsDevice({ sizes, algo: 'mamlpp', inner: 5 }, shape, { pretrained: true })).toEqual({
      ok: false,
      reason: 'tfjs runs on cpu, not webgpu',
    });
  });

  it('a MAML++ regression run with the fused engine on WebGPU trains on the WGSL engine', async () => {
    webgpu.on = true;
    const config = experiment({ algo: 'mamlpp', inner: 3 });
    const rates = variedRates();
    const run = new RegressionRun(sinusoidFamily, config, { engine: 'fused', alpha: rates });
    try {
      expect(run.engine).toBe('fused');
      expect(run.onGpu).toBe(true);
      expect(run.learner).toBeInstanceOf(GpuLearner);
      expect(run.learner.rates?.shape).toEqual([LSLR_STEPS * mlpTensorSizes(layerSizes(config)).length]);
      expect(await run.learner.rates?.data()).toEqual(rates);
      expect(run.learner.stepRates()?.perStep.length).toBe(LSLR_STEPS);
    } finally {
      run.dispose();
    }
  });
});

describe('GpuLearner: MAML++ views', () => {
  it('hands out the engine’s rates and every step’s rates spread per parameter, refilled after a step', async () => {
    const engine = {
      theta: tf.variable(tf.zeros([tensors.reduce((a, b) => a + b, 0)])),
      alphaVec: null,
      rates: tf.variable(tf.tensor1d(variedRates())),
      metaSteps: 0,
    };
    const before = tf.memory().numTensors;
    const learner = new GpuLearner(engine, 'mamlpp', 0.01, tensors);
    const made = tf.memory().numTensors;
    expect(learner.rates).toBe(engine.rates);
    const check = async (values: Float32Array) => {
      const rows = learner.stepRates()?.perStep ?? [];
      expect(rows.length).toBe(LSLR_STEPS);
      for (let s = 0; s < LSLR_STEPS; s++)
        expect(await (rows[s] as tf.Tensor).data()).toEqual(spreadRates(values, s, tensors));
      expect(learner.innerRate()).toBe(rows[0]);
    };
    await check(variedRates());
    // the engine steps: the rates change on the device and the step count moves
    const next = variedRates().map((r) => r * 2);
    tf.tidy(() => engine.rates.assign(tf.tensor1d(next)));
    engine.metaSteps = 1;
    expect(learner.metaSteps).toBe(1);
    await check(next);
    // a restore at the same step count: stepped() has the rows refilled
    tf.tidy(() => engine.rates.assign(tf.tensor1d(variedRates())));
    learner.stepped();
    await check(variedRates());
    expect(tf.memory().numTensors).toBe(made);
    learner.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([engine.theta, engine.rates]);
  });

  it('refuses MAML++ without the engine’s rates or the tensor lengths, and has no rates for MAML', () => {
    const theta = tf.variable(tf.zeros([4]));
    expect(() => new GpuLearner({ theta, alphaVec: null }, 'mamlpp', 0.01, [2, 2])).toThrow(/rates/);
    const rates = tf.variable(tf.zeros([LSLR_STEPS * 2]));
    expect(() => new GpuLearner({ theta, alphaVec: null, rates }, 'mamlpp', 0.01)).toThrow(/lengths/);
    const maml = new GpuLearner({ theta, alphaVec: null }, 'maml', 0.01);
    expect([maml.rates, maml.stepRates(), maml.innerRate(), maml.metaSteps]).toEqual([null, null, 0.01, 0]);
    tf.dispose([theta, rates]);
  });
});
