import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperiment, type Experiment } from '../src/core/experiment';
import { encodeTheta } from '../src/core/thetaFile';
import type { GlyphRun } from '../src/core/families/glyphs/run';
import { WorkerHost } from '../src/worker/host/host';
import type { FromWorker } from '../src/worker/protocol';
import { startBackend } from './helpers';

/** A host driven like the worker drives it, with a way to wait for a message. */
function harness() {
  const seen: FromWorker[] = [];
  const host = new WorkerHost((m) => seen.push(m));
  const waitFor = async <K extends FromWorker['kind']>(kind: K, count = 1) => {
    for (let i = 0; i < 2000; i++) {
      const hits = seen.filter((m) => m.kind === kind);
      if (hits.length >= count) return hits[count - 1] as Extract<FromWorker, { kind: K }>;
      const error = seen.find((m) => m.kind === 'error');
      if (error) throw new Error(`host error: ${JSON.stringify(error)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${kind} message`);
  };
  const run = () => (host as unknown as { run: GlyphRun }).run;
  /** the page's init: this configuration on wasm, from the seed's θ, no view, no live evaluation */
  const start = (config: Experiment) =>
    host.handle({
      kind: 'init',
      config,
      backend: 'wasm',
      wasmPath: '',
      resume: null,
      replayTo: null,
      view: null,
      evalTasks: 0,
    });
  return { host, seen, waitFor, run, start };
}

describe('the worker host with a glyph run', () => {
  it('a backend switch continues the same run: θ, Meta-SGD rates, the pretrained baseline, the step', async () => {
    await startBackend('wasm');
    const config = parseExperiment('task=glyphs&algo=metasgd&batch=2&query=1&filters=8').config;
    const { host, waitFor, run, start } = harness();
    start(config);
    expect((await waitFor('ready')).backend).toBe('wasm');
    host.handle({ kind: 'step' });
    host.handle({ kind: 'step' });
    expect((await waitFor('progress', 2)).step).toBe(2);
    const before = run();
    const theta = Float32Array.from(await before.learner.theta.data());
    const alpha = Float32Array.from(await before.learner.alphaVec!.data());
    const pretrained = Float32Array.from(await before.pretrainer!.theta.data());

    host.handle({ kind: 'backend', request: 'cpu' });
    const ready = await waitFor('ready', 2);
    expect(ready).toMatchObject({ backend: 'cpu', resumed: true, step: 2 });
    expect(tf.getBackend()).toBe('cpu');
    const after = run();
    expect(after).not.toBe(before);
    expect(Float32Array.from(await after.learner.theta.data())).toEqual(theta);
    expect(Float32Array.from(await after.learner.alphaVec!.data())).toEqual(alpha);
    expect(Float32Array.from(await after.pretrainer!.theta.data())).toEqual(pretrained);
    expect(after.pretrainer!.stepCount).toBe(2);
    // and it keeps training from there
    host.handle({ kind: 'step' });
    expect((await waitFor('progress', 3)).step).toBe(3);
    after.dispose();
    await startBackend('wasm');
  }, 60_000);

  it('a loaded θ file continues its meta-step count (the shipped θ: from 2000, not 0)', async () => {
    await startBackend('wasm');
    const config = parseExperiment('task=glyphs&batch=2&query=1&filters=8').config;
    const { host, seen, waitFor, run, start } = harness();
    start(config);
    await waitFor('ready');
    host.handle({ kind: 'step' });
    expect((await waitFor('progress', 1)).step).toBe(1);
    const theta = Float32Array.from(await run().learner.theta.data());
    const text = encodeTheta({ config, step: 2000, theta, alpha: null });

    host.handle({ kind: 'loadTheta', text, source: 'a θ file' });
    expect(await waitFor('ready', 2)).toMatchObject({ step: 2000, resumed: false });
    expect(await waitFor('thetaLoaded')).toMatchObject({ step: 2000 });
    // a new run that starts at 2000: the page drops the old run's curves, then they continue
    expect(await waitFor('rewind')).toMatchObject({ step: 2000, fresh: true });
    expect(run().stepCount).toBe(2000);
    const progressBefore = seen.filter((m) => m.kind === 'progress').length;
    host.handle({ kind: 'step' });
    expect((await waitFor('progress', progressBefore + 1)).step).toBe(2001);
    run().dispose();
  }, 60_000);

  it("answers the page's first requests after a ready before the θ view's report, which takes a second here", async () => {
    await startBackend('wasm');
    const config = parseExperiment('task=glyphs&batch=2&query=1&filters=8').config;
    const { host, seen, waitFor, run, start } = harness();
    start(config);
    host.handle({ kind: 'thetaView', subject: 'maml', random: false });
    await waitFor('ready');
    // the page answers a ready within tens of milliseconds (the lab: its shipped θ, then a task)
    await new Promise((r) => setTimeout(r, 60));
    host.handle({ kind: 'family', request: { kind: 'showTask', id: 1, counter: 0, steps: 2 } });
    await waitFor('theta');
    const order = seen.map((m) => (m.kind === 'family' ? m.reply.kind : m.kind));
    expect(order).toContain('task');
    expect(order.indexOf('task')).toBeLessThan(order.indexOf('theta'));
    run().dispose();
  }, 60_000);
});
