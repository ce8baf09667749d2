import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { glyphFamily } from '../src/core/families/glyphs/family';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { bytes, copy, relDiff, startBackend, train } from './helpers';

/** A small glyph config: the conv net with 4 filters, 3-way, 2 tasks of 1 shot and 2 queries. */
const small = (extra = '') => parseExperiment(`task=glyphs&ways=3&batch=2&query=2&filters=4${extra}`).config;

const theta = (run: GlyphRun) => copy(run.learner.theta);
const pretrained = (run: GlyphRun) => copy(run.pretrainer!.theta);

describe('the glyph run on the fused WebAssembly engine', () => {
  beforeAll(async () => {
    await startBackend('cpu');
    await loadFusedGlyph();
  });

  it('is the family’s fused engine: a run asked for it trains on it', () => {
    expect(glyphFamily.loadFusedEngine).toBeDefined();
    const run = new GlyphRun(small(), { engine: 'fused' });
    expect(run.engine).toBe('fused');
    run.dispose();
  });

  it('trains θ and the pretrained baseline as the tfjs run does, without leaking tensors', async () => {
    for (const algo of ['maml', 'fomaml', 'metasgd', 'reptile']) {
      const config = small(`&algo=${algo}&inner=2`);
      const tfjs = new GlyphRun(config, { engine: 'tfjs' });
      const fused = new GlyphRun(config, { engine: 'fused' });
      await train(tfjs, 3);
      const before = tf.memory().numTensors;
      await train(fused, 3);
      await theta(fused);
      expect(relDiff(await theta(fused), await theta(tfjs)), algo).toBeLessThan(1e-4);
      expect(relDiff(await pretrained(fused), await pretrained(tfjs)), algo).toBeLessThan(1e-4);
      if (algo === 'metasgd') {
        expect(relDiff(await copy(fused.learner.alphaVec!), await copy(tfjs.learner.alphaVec!))).toBeLessThan(
          1e-4,
        );
      }
      await train(fused, 2);
      await theta(fused);
      expect(tf.memory().numTensors, algo).toBe(before + (algo === 'metasgd' ? 3 : 2));
      expect(fused.stepCount).toBe(5);
      expect(fused.pretrainer!.stepCount).toBe(5);
      tfjs.dispose();
      fused.dispose();
    }
  });

  it('resumes from its exported state to the bit, and from a tfjs state with Adam carried', async () => {
    const config = small('&algo=maml');
    const a = new GlyphRun(config, { engine: 'fused' });
    await train(a, 2);
    const state = await a.exportState();
    expect(state.engine).toBe('fused');
    await train(a, 2);
    const b = new GlyphRun(config, { engine: 'fused' });
    b.restoreState(state);
    await train(b, 2);
    expect(bytes(await theta(b))).toEqual(bytes(await theta(a)));
    expect(bytes(await pretrained(b))).toEqual(bytes(await pretrained(a)));
    const bs = await b.exportState();
    const as = await a.exportState();
    expect(bytes(bs.thetaAdam.m)).toEqual(bytes(as.thetaAdam.m));
    expect(bs.pretrained!.step).toBe(as.pretrained!.step);

    // a tfjs run's state continues on the fused engine: the same steps to float precision
    const t = new GlyphRun(config, { engine: 'tfjs' });
    await train(t, 2);
    const f = new GlyphRun(config, { engine: 'fused' });
    f.restoreState(await t.exportState());
    await train(t, 2);
    await train(f, 2);
    expect(relDiff(await theta(f), await theta(t))).toBeLessThan(1e-4);
    const [fs, ts] = [await f.exportState(), await t.exportState()];
    expect(fs.thetaAdam.t).toBe(ts.thetaAdam.t);
    expect(relDiff(fs.thetaAdam.v, ts.thetaAdam.v)).toBeLessThan(1e-3);
    [a, b, t, f].forEach((r) => r.dispose());
  });

  it('live changes: a larger batch shape rebuilds the engine keeping θ and Adam; a new algorithm keeps θ', async () => {
    const config = small();
    const tfjs = new GlyphRun(config, { engine: 'tfjs' });
    const fused = new GlyphRun(config, { engine: 'fused' });
    await train(tfjs, 2);
    await train(fused, 2);
    const bigger = { ...config, k: 2, query: 3, batch: 3, alpha: 0.3 };
    expect(tfjs.update(bigger)).toBe(true);
    expect(fused.update(bigger)).toBe(true);
    await train(tfjs, 2);
    await train(fused, 2);
    expect(relDiff(await theta(fused), await theta(tfjs))).toBeLessThan(1e-4);
    expect(relDiff(await pretrained(fused), await pretrained(tfjs))).toBeLessThan(1e-4);
    const kept = await theta(fused);
    expect(fused.update({ ...bigger, algo: 'fomaml' })).toBe(true);
    expect(bytes(await theta(fused))).toEqual(bytes(kept));
    expect((await fused.exportState()).thetaAdam.t).toBe(0);
    expect(fused.update({ ...bigger, ways: 4 })).toBe(false);
    tfjs.dispose();
    fused.dispose();
  });

  it('evaluates with the same numbers whichever engine trained', async () => {
    const config = small();
    const tfjs = new GlyphRun(config, { engine: 'tfjs' });
    const fused = new GlyphRun(config, { engine: 'fused' });
    await train(tfjs, 2);
    await train(fused, 2);
    const protocol = { tasks: 4, steps: 1, seed: 5, chunk: 4 };
    const [a, b] = [await tfjs.evaluate(protocol), await fused.evaluate(protocol)];
    expect(Object.keys(b)).toEqual(['maml', 'pretrained', 'random']);
    for (const name of Object.keys(a)) {
      expect(relDiff(b[name]!.loss, a[name]!.loss), name).toBeLessThan(1e-3);
      expect(b[name]!.accuracy, name).toEqual(a[name]!.accuracy);
    }
    const saved = await fused.savedPretrained();
    expect(saved!.step).toBe(2);
    expect(saved!.body.length).toBe(fused.pretrainer!.model.headOffset);
    tfjs.dispose();
    fused.dispose();
  });
});
