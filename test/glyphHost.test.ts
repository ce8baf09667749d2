import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperiment, type Experiment } from '../src/core/experiment';
import { glyphThetaFile } from '../src/core/export/glyphTheta';
import { encodeTheta, isThetaFileText } from '../src/core/thetaFile';
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

  it('opens a glyph θ file (θ with MAML++’s sets and rates) as a new run, and refuses a bad one in one line', async () => {
    await startBackend('wasm');
    const q =
      'task=glyphs&algo=mamlpp&ways=3&k=1&query=2&batch=2&filters=4&inner=2&msl=3&firstOrder=2&span=6';
    const config = parseExperiment(q).config;
    const { host, seen, waitFor, run, start } = harness();
    start(config);
    await waitFor('ready');
    host.handle({ kind: 'step' });
    host.handle({ kind: 'step' });
    expect((await waitFor('progress', 2)).step).toBe(2);
    const theta = Float32Array.from(await run().learner.theta.data());
    const rates = Float32Array.from(await run().learner.rates!.data());
    // a file written from another point: θ and rates the run does not have
    const fileTheta = theta.map((v, i) => v + 0.01 * Math.sin(i));
    const fileRates = rates.map((v, i) => v * (1 + 0.1 * ((i % 3) - 1)));
    const file = glyphThetaFile(config, 40, fileTheta, null, fileRates);
    const text = JSON.stringify(file);
    expect(isThetaFileText(text)).toBe(true);
    expect(isThetaFileText(encodeTheta({ config, step: 1, theta, alpha: null }))).toBe(true);
    expect(isThetaFileText('{"format":"maml-playground-run","version":1}')).toBe(false);
    expect(isThetaFileText('not json')).toBe(false);

    // refused files: the run goes on unchanged, the page told why in one line
    const bad = JSON.parse(text) as Record<string, unknown>;
    bad.version = 2;
    const wrongRates = JSON.parse(text) as typeof file;
    wrongRates.adaptation.rates!.shape = [10, 2];
    const sine = encodeTheta({
      config: parseExperiment('task=sinusoid').config,
      step: 1,
      theta: new Float32Array(1761),
      alpha: null,
    });
    const refusals = [
      [JSON.stringify(bad), /version 2; this page reads version 1/],
      [JSON.stringify(wrongRates), /MAML\+\+ rates have shape \[10, 2\]/],
      [sine, /θ file is of a .+ run; here only .+ θ opens/],
    ] as const;
    for (const [i, [t, why]] of refusals.entries()) {
      host.handle({ kind: 'loadTheta', text: t, source: 'the θ file bad.json' });
      const refused = await waitFor('runNotOpened', i + 1);
      expect(refused.source).toBe('the θ file bad.json');
      expect(refused.reason).toMatch(why);
      expect(refused.reason).not.toContain('\n');
    }
    expect(run().stepCount).toBe(2);
    expect(Array.from(await run().learner.theta.data())).toEqual(Array.from(theta));
    expect(seen.some((m) => m.kind === 'thetaLoaded')).toBe(false);

    host.handle({ kind: 'loadTheta', text, source: 'the θ file good.json' });
    const loaded = await waitFor('thetaLoaded');
    expect(loaded).toMatchObject({ step: 40, source: 'the θ file good.json' });
    expect(loaded.config.algo).toBe('mamlpp');
    expect(run().stepCount).toBe(40);
    expect(Array.from(await run().learner.theta.data())).toEqual(Array.from(fileTheta));
    expect(Array.from(await run().learner.rates!.data())).toEqual(Array.from(fileRates));
    run().dispose();
  }, 120_000);
});
