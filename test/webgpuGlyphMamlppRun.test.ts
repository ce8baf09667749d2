import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GpuLearner } from '../src/core/engines/engineViews';
import { wasmGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { rateTensorSizes } from '../src/core/engines/fusedGlyph/mamlpp';
import { DEFAULT_LIMITS } from '../src/core/engines/webgpu/layout';
import { WebgpuGlyphEngine } from '../src/core/engines/webgpuGlyph/webgpuGlyph';
import { parseExperiment } from '../src/core/experiment';
import { glyphFamily } from '../src/core/families/glyphs/family';
import {
  buildGpuEngine,
  continueGpu,
  gpuLearner,
  type GlyphEngineFaults,
} from '../src/core/families/glyphs/gpu';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { isStepNorm } from '../src/core/families/glyphs/stepNorm';
import { LSLR_STEPS, lslrSize, scheduleOf, spreadRates } from '../src/core/meta/mamlppSchedule';
import { startBackend, train } from './helpers';

// A MAML++ glyph run on the WGSL glyph engine, without a GPU: the run builds the engine from
// MAML++'s settings (its schedules, the learned rates it starts from), the run's views read the
// engine's rates, a live change passes the schedules on, and what the engine cannot hold is
// refused with its reason. tfjs's WebGPU backend is a stand-in that answers only the device's
// limits and adapter; the engine's numbers are checked on SwiftShader
// (e2e/fusedWebgpuGlyph.webgpu.spec.ts, engine-check.html?glyph=mamlpp-run).

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

const config = (extra = '') =>
  parseExperiment(
    `task=glyphs&algo=mamlpp&ways=3&k=1&query=2&batch=2&filters=4&inner=2&msl=3&firstOrder=2&span=6${extra}`,
  ).config;

const setFaults = (f: GlyphEngineFaults | undefined) => {
  (globalThis as { __glyphEngineFaults?: GlyphEngineFaults }).__glyphEngineFaults = f;
};

beforeAll(() => startBackend('cpu'));
afterEach(() => {
  webgpu.on = false;
  setFaults(undefined);
});

/** The learned rates a run would resume with: different per step and tensor. */
function variedRates(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.01 + 0.001 * i);
}

describe('a MAML++ glyph run on the WGSL glyph engine', () => {
  it('builds the engine from MAML++’s settings and the rates it starts from', async () => {
    webgpu.on = true;
    for (const net of ['conv', 'fc']) {
      const c = config(`&net=${net}`);
      const s = wasmGlyphSettings(c);
      const sizes = rateTensorSizes(s);
      const rates = variedRates(lslrSize(sizes.length));
      const theta = new Float32Array(glyphFamily.numParams(c));
      const built = buildGpuEngine(c, theta, rates, null);
      if ('reason' in built) throw new Error(built.reason);
      const engine = built.engine;
      expect(engine.algo).toBe('mamlpp');
      expect(engine.settings.schedule).toEqual(scheduleOf(c));
      expect(engine.tensorSizes).toEqual(sizes);
      expect(await engine.rates!.data()).toEqual(rates);
      // the run's view spreads each step's rates over θ's tensors, from the engine's variable
      const learner = gpuLearner(engine, c);
      expect(learner.rates).toBe(engine.rates);
      const perStep = learner.stepRates()!.perStep;
      expect(perStep).toHaveLength(LSLR_STEPS);
      for (const [i, row] of perStep.entries())
        expect(await row.data()).toEqual(spreadRates(rates, i, sizes));
      learner.dispose();
      engine.dispose();
    }
  });

  it('a run takes the WGSL engine for MAML++: its views are the engine’s, its rate tensors the model’s', () => {
    webgpu.on = true;
    const start = tf.memory().numTensors;
    const c = config();
    const run = new GlyphRun(c, { engine: 'fused' });
    expect(run.fallbackReason).toBeNull();
    expect(run.engine).toBe('fused');
    expect(run.unprepared).toBe(true);
    expect(run.learner).toBeInstanceOf(GpuLearner);
    const engine = (run as unknown as { gpu: WebgpuGlyphEngine }).gpu;
    expect(run.learner.rates).toBe(engine.rates);
    const model = run.model;
    if (!isStepNorm(model)) throw new Error('a MAML++ run keeps batch-norm sets');
    expect(engine.tensorSizes).toEqual(model.rateSizes);
    expect(run.pretrainer?.theta).toBe(engine.pretrainedTheta);
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('a live change passes α, β, the inner steps and the schedules on; a new shape that does not fit is refused', () => {
    webgpu.on = true;
    const c = config();
    const built = buildGpuEngine(c, new Float32Array(glyphFamily.numParams(c)), undefined, null);
    if ('reason' in built) throw new Error(built.reason);
    const next = { ...c, alpha: 0.2, beta: 0.003, inner: 3, msl: 5, firstOrder: 4, span: 9 };
    const kept = continueGpu(built.engine, next);
    expect(kept).toBe(built.engine);
    const hyper = (built.engine as unknown as { hyper: unknown }).hyper;
    expect(hyper).toEqual({ alpha: 0.2, beta: 0.003, inner: 3, schedule: scheduleOf(next) });
    const tiny = { ...DEFAULT_LIMITS, maxStorageBufferBindingSize: 1 << 12 };
    setFaults({ gpuLimits: tiny });
    const refused = buildGpuEngine(c, new Float32Array(glyphFamily.numParams(c)), undefined, null);
    expect(refused).toEqual({ reason: expect.stringMatching(/cannot run this configuration/) });
    built.engine.dispose();
  });

  it('the walk-through reads the rates and the schedule’s phase from the engine: a tfjs run’s state walks the same', async () => {
    // past the derivative-order switch (first order for 2 meta-steps), rates learned for 3
    const c = config();
    const tfjs = new GlyphRun(c, { pretrained: false });
    await train(tfjs, 3);
    const state = await tfjs.exportState();
    webgpu.on = true;
    const gpu = new GlyphRun(c, { engine: 'fused', pretrained: false });
    webgpu.on = false;
    // (the stand-in device computes nothing: the engine's variables live on tfjs's cpu backend)
    gpu.restoreState(state);
    expect(gpu.learner).toBeInstanceOf(GpuLearner);
    expect((gpu.learner as GpuLearner).metaSteps).toBe(3);
    const [a, b] = [await gpu.walkStep(2), await tfjs.walkStep(2)];
    expect(a.metaLoss).toBe(b.metaLoss);
    expect(Array.from(a.gradient)).toEqual(Array.from(b.gradient));
    expect(a.tasks.map((t) => t.supportLoss)).toEqual(b.tasks.map((t) => t.supportLoss));
    gpu.dispose();
    tfjs.dispose();
  });

  it('a fallback mid-run goes on on tfjs kernels with θ, the rates, both Adams, the step and the baseline kept', async () => {
    const c = config();
    const tfjs = new GlyphRun(c);
    await train(tfjs, 3);
    const state = await tfjs.exportState();
    tfjs.dispose();
    webgpu.on = true;
    const run = new GlyphRun(c, { engine: 'fused' });
    webgpu.on = false;
    run.restoreState(state);
    const before = await run.exportState();
    await (run as unknown as { fallBackToTfjs(r: string): Promise<void> }).fallBackToTfjs('a test reason');
    expect(run.engine).toBe('tfjs');
    await expect(run.prepare()).rejects.toThrow('a test reason');
    const after = await run.exportState();
    expect({ ...after, engine: 'fused' }).toEqual(before);
    expect(after.alphaAdam?.t).toBe(3);
    await train(run, 1);
    expect(run.stepCount).toBe(4);
    run.dispose();
  });

  it('an engine the device cannot hold leaves the run to tfjs kernels with the reason', () => {
    webgpu.on = true;
    setFaults({ gpuLimits: { ...DEFAULT_LIMITS, maxStorageBufferBindingSize: 1 << 12 } });
    const run = new GlyphRun(config(), { engine: 'fused' });
    setFaults(undefined);
    webgpu.on = false;
    expect(run.engine).toBe('tfjs');
    expect(run.fallbackReason).toMatch(/storage binding limit/);
    run.dispose();
  });
});
