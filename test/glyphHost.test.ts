import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
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
  return { host, seen, waitFor, run };
}

describe('the worker host with a glyph run', () => {
  it('a backend switch continues the same run: θ, Meta-SGD rates, the pretrained baseline, the step', async () => {
    await startBackend('wasm');
    const config = parseExperiment('task=glyphs&algo=metasgd&batch=2&query=1&filters=8').config;
    const { host, waitFor, run } = harness();
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
});
