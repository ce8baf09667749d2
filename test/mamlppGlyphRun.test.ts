import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { glyphFamily } from '../src/core/families/glyphs/family';
import { buildGpuEngine } from '../src/core/families/glyphs/gpu';
import { GlyphRun, type AccuracyCurve } from '../src/core/families/glyphs/run';
import { isStepNorm } from '../src/core/families/glyphs/stepNorm';
import { MetaLearner } from '../src/core/meta/learners';
import { lslrSize, mamlppPhase } from '../src/core/meta/mamlppSchedule';
import { GlyphEngineCheck } from '../src/worker/families/glyphEngineCheck';
import type { FromWorker } from '../src/worker/protocol';
import { WorkerHost } from '../src/worker/host/host';
import { bytes, startBackend, train } from './helpers';

/**
 * A MAML++ glyph run (tfjs): its longer θ and rates in the training state, the schedules at the
 * run's meta-step count, a bit-identical resume across the schedule switches, evaluation without
 * leaks; the fused WebAssembly engine trains it (the WGSL engine: test/webgpuGlyphMamlppRun.test.ts).
 */

const link = (extra = '') =>
  `task=glyphs&algo=mamlpp&ways=3&k=1&query=2&batch=2&filters=4&inner=2&msl=3&firstOrder=2&span=6${extra}`;
const config = (extra = '') => parseExperiment(link(extra)).config;

function learnerOf(run: GlyphRun): MetaLearner<unknown, unknown> {
  if (!(run.learner instanceof MetaLearner)) throw new Error('not a tfjs run');
  return run.learner as MetaLearner<unknown, unknown>;
}

describe('MAML++ glyph runs', () => {
  it('θ carries the batch-norm sets and the state the rates; the schedules follow the run', async () => {
    await startBackend('wasm');
    for (const net of ['conv', 'fc']) {
      const c = config(`&net=${net}`);
      const run = new GlyphRun(c, { pretrained: false });
      const plain = glyphFamily.numParams({ ...c, algo: 'maml' });
      expect(isStepNorm(run.model)).toBe(true);
      expect(run.numParams).toBeGreaterThan(plain);
      expect(glyphFamily.numParams(c)).toBe(run.numParams);
      const learner = learnerOf(run);
      // (the fc net's 784-wide first layer is slow on CPU: its phases once)
      for (let n = 0; n < (net === 'conv' ? 7 : 1); n++) {
        // at n: MSL weights until 3, first order until 2, β annealed over 6
        expect(learner.phase()).toEqual(mamlppPhase(n, 2, c.beta, { msl: 3, firstOrder: 2, span: 6 }));
        await train(run, 1);
      }
      const state = await run.exportState();
      expect(state.theta).toHaveLength(run.numParams);
      const tensors = isStepNorm(run.model) ? run.model.rateSizes.length : 0;
      expect(state.alpha).toHaveLength(lslrSize(tensors));
      expect(glyphFamily.stateSizes(c)).toMatchObject({ theta: run.numParams, lslr: state.alpha!.length });
      run.dispose();
    }
  });

  it('resumes bit for bit across the derivative-order and MSL switches', async () => {
    await startBackend('wasm');
    const c = config();
    const first = new GlyphRun(c);
    await train(first, 1);
    const saved = await first.exportState();
    await train(first, 4);
    const resumed = new GlyphRun(c);
    resumed.restoreState(saved);
    await train(resumed, 4);
    const [a, b] = [await first.exportState(), await resumed.exportState()];
    expect(bytes(b.theta)).toEqual(bytes(a.theta));
    expect(bytes(b.alpha)).toEqual(bytes(a.alpha));
    expect(bytes(b.alphaAdam?.v ?? null)).toEqual(bytes(a.alphaAdam?.v ?? null));
    expect(bytes(b.thetaAdam.m)).toEqual(bytes(a.thetaAdam.m));
    expect(bytes(b.theta)).not.toEqual(bytes(saved.theta));
    first.dispose();
    resumed.dispose();
  });

  it('trains, evaluates and switches algorithm without leaking tensors', async () => {
    await startBackend('wasm');
    const start = tf.memory().numTensors;
    const run = new GlyphRun(config());
    await train(run, 2);
    const before = tf.memory().numTensors;
    const curves = await run.evaluate({ tasks: 4, steps: 3, seed: 2, chunk: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(curves)).toEqual(['maml', 'pretrained', 'random']);
    for (const curve of Object.values(curves)) expect(curve.accuracy.every(Number.isFinite)).toBe(true);
    // the network changes shape: the caller starts a new run
    expect(run.update({ ...run.experiment, algo: 'maml' })).toBe(false);
    expect(run.update({ ...run.experiment, alpha: 0.2 })).toBe(true);
    await train(run, 1);
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('the pretrained and random starts are the plain network and score as in a MAML run', async () => {
    await startBackend('wasm');
    const protocol = { tasks: 3, steps: 2, seed: 4 };
    const curves = [];
    for (const algo of ['mamlpp', 'maml']) {
      const run = new GlyphRun(config(`&algo=${algo}`));
      curves.push(await run.evaluate(protocol));
      run.dispose();
    }
    const [pp, plain] = curves as [Record<string, AccuracyCurve>, Record<string, AccuracyCurve>];
    expect(pp.pretrained).toEqual(plain.pretrained);
    expect(pp.random).toEqual(plain.random);
    // θ itself, untrained, is the random θ with every set a copy: the same before adapting; its
    // batch norm is then not adapted (each step reads its own set), the baselines' is
    expect(pp.maml?.accuracy[0]).toBe(pp.random?.accuracy[0]);
    expect(pp.maml?.loss[0]).toBe(pp.random?.loss[0]);
  });

  it('switching algorithm keeps θ: sets made from the batch norm, or dropped', async () => {
    await startBackend('wasm');
    const maml = new GlyphRun(config('&algo=maml'), { pretrained: false });
    await train(maml, 1);
    const plain = (await maml.exportState()).theta;
    const withSets = new GlyphRun(config(), { pretrained: false, theta: plain });
    const model = withSets.model;
    if (!isStepNorm(model)) throw new Error('MAML++ runs keep batch-norm sets');
    const theta = (await withSets.exportState()).theta;
    expect(bytes(theta.slice(0, plain.length))).toEqual(bytes(plain));
    expect(bytes(theta)).toEqual(bytes(model.fromBase(plain)));
    const back = new GlyphRun(config('&algo=maml'), { pretrained: false, theta });
    expect(bytes((await back.exportState()).theta)).toEqual(bytes(plain));
    await train(withSets, 1);
    [maml, withSets, back].forEach((r) => r.dispose());
  });

  it('the fused WebAssembly engine trains MAML++; the WGSL engine needs the webgpu backend', async () => {
    await startBackend('wasm');
    await loadFusedGlyph();
    const c = config();
    const run = new GlyphRun(c, { engine: 'fused' });
    expect(run.engine).toBe('fused');
    expect(run.fallbackReason).toBeNull();
    await run.prepare();
    // the worker has nothing to say about the engine
    const posted: FromWorker[] = [];
    await new GlyphEngineCheck().work(run, (m) => posted.push(m));
    expect(posted).toHaveLength(0);
    const { meta, pretrained } = run.step();
    expect(Number.isFinite((await meta.data())[0])).toBe(true);
    tf.dispose([meta, pretrained as tf.Tensor]);
    expect((await run.exportState()).alpha?.length).toBe(
      lslrSize(isStepNorm(run.model) ? run.model.rateSizes.length : 0),
    );
    run.dispose();
    // the WGSL engine takes MAML++ too (test/webgpuGlyphMamlppRun.test.ts): off WebGPU it refuses
    // for that reason only
    const theta = new Float32Array(glyphFamily.numParams(c));
    expect(buildGpuEngine(c, theta, undefined, null)).toEqual({
      reason: 'the fused WebGPU engine needs the webgpu backend (tfjs runs on wasm)',
    });
  });

  it('the worker switches a glyph run to MAML++ and back keeping θ, and trains on', async () => {
    await startBackend('wasm');
    const seen: FromWorker[] = [];
    const host = new WorkerHost((m) => seen.push(m));
    const waitFor = async (kind: FromWorker['kind'], count: number) => {
      for (let i = 0; i < 3000 && seen.filter((m) => m.kind === kind).length < count; i++) {
        const error = seen.find((m) => m.kind === 'error');
        if (error) throw new Error(`host error: ${JSON.stringify(error)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen.filter((m) => m.kind === kind).length).toBeGreaterThanOrEqual(count);
    };
    const run = () => (host as unknown as { run: GlyphRun }).run;
    const maml = config('&algo=maml');
    const init = {
      backend: 'wasm' as const,
      wasmPath: '',
      resume: null,
      replayTo: null,
      view: null,
      evalTasks: 0,
    };
    host.handle({ kind: 'init', config: maml, ...init } as const);
    await waitFor('ready', 1);
    host.handle({ kind: 'step' });
    await waitFor('progress', 1);
    const theta = async () => Float32Array.from(await run().learner.theta.data());
    const base = glyphFamily.numParams(maml);
    // each switch says once that θ was kept (MAML++ trains on the fused engine: no engine notice)
    for (const [next, notices, count] of [
      [config(), 1, 2],
      [maml, 2, 4],
    ] as const) {
      const kept = (await theta()).slice(0, base);
      host.handle({ kind: 'config', config: next });
      await waitFor('notice', notices);
      expect(run().experiment.algo).toBe(next.algo);
      const now = await theta();
      expect(now).toHaveLength(glyphFamily.numParams(next));
      expect(bytes(now.slice(0, base))).toEqual(bytes(kept));
      host.handle({ kind: 'step' });
      await waitFor('progress', count);
    }
    run().dispose();
  }, 120_000);
});
