import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedGlyphEngine } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { parseExperiment } from '../src/core/experiment';
import { classBatchTensors } from '../src/core/families/glyphs/classification';
import { glyphSet, splitClasses } from '../src/core/families/glyphs/data/hershey';
import { GlyphSource } from '../src/core/families/glyphs/data/source';
import { PretrainedClassifier } from '../src/core/families/glyphs/run';
import { Rng } from '../src/core/random';
import { bytes, startBackend } from './helpers';
import { glyphBatch, modelFor, relError, settings } from './fusedGlyphReference';

/**
 * The fused engine's pretrained baseline against PretrainedClassifier (tfjs cpu): the 666-way
 * classifier with the same body, one supervised step with Adam per meta-step on every image of
 * the batch under its global class label.
 */
describe('fused glyph engine: pretrained baseline', () => {
  const config = parseExperiment('task=glyphs&batch=2&query=2&filters=8&beta=0.003').config;
  const s = settings({
    ways: config.ways,
    shots: config.k,
    query: config.query,
    maxTasks: 2,
    beta: config.beta,
  });
  const classes = splitClasses('train', glyphSet());
  const batches = Array.from({ length: 5 }, (_, i) => glyphBatch(s, 2, 40 + i));

  beforeAll(async () => {
    await startBackend('cpu');
  });

  it('takes the same steps as PretrainedClassifier, beside an unchanged meta-step', async () => {
    const reference = new PretrainedClassifier(config, new GlyphSource(glyphSet()));
    const start = await reference.exportState();
    const theta0 = modelFor(s).init(new Rng(2, 'init'));
    const engine = await FusedGlyphEngine.create(s, theta0, { pretrained: { classes, theta0: start.theta } });
    const plain = await FusedGlyphEngine.create(s, theta0);
    for (const b of batches) {
      const t = classBatchTensors(b);
      const loss = reference.step(b, t);
      const ref = loss.dataSync()[0] as number;
      tf.dispose([loss, t.xs, t.ys, t.xq, t.yq]);
      const got = engine.step(b);
      expect(Math.abs((got.pretrained as number) - ref)).toBeLessThan(1e-5 * ref);
      expect(got.meta).toBe(plain.step(b).meta);
    }
    const end = await reference.exportState();
    const moved = (x: Float32Array) => x.map((v, i) => v - (start.theta[i] as number));
    expect(relError(moved(engine.pretrainedTheta() as Float32Array), moved(end.theta))).toBeLessThan(1e-3);
    const state = engine.state();
    expect(state.pretrainedAdam?.t).toBe(5);
    expect(relError(state.pretrainedAdam?.v as Float32Array, end.adam.v)).toBeLessThan(1e-3);
    expect(bytes(plain.theta())).toEqual(bytes(engine.theta()));
    reference.dispose();
  });

  it('resumes the pretrained baseline bit-identically and insists on it in a state', async () => {
    const theta0 = modelFor(s).init(new Rng(2, 'init'));
    const pre = { classes, theta0: modelFor({ ...s, ways: classes.length }).init(new Rng(3, 'pre')) };
    const a = await FusedGlyphEngine.create(s, theta0, { pretrained: pre });
    batches.slice(0, 2).forEach((b) => a.step(b));
    const b = await FusedGlyphEngine.create(s, theta0, { pretrained: pre });
    b.restore(a.state());
    const [ga, gb] = [a.pretrainedGradient(batches[2]!), b.pretrainedGradient(batches[2]!)];
    expect(bytes(gb.theta)).toEqual(bytes(ga.theta));
    expect(b.step(batches[3]!)).toEqual(a.step(batches[3]!));
    expect(bytes(b.pretrainedTheta())).toEqual(bytes(a.pretrainedTheta()));
    expect(() => b.restore({ ...a.state(), pretrained: null })).toThrow(/pretrained/);
    const none = await FusedGlyphEngine.create(s, theta0);
    expect(none.step(batches[0]!).pretrained).toBeNull();
    expect(() => none.pretrainedGradient(batches[0]!)).toThrow(/pretrained/);
  });

  it('a batch too large for wasm memory fails at create with the reason', async () => {
    const big = settings({ ways: 20, filters: 64, shots: 10, query: 50, maxTasks: 32, inner: 5 });
    const pre = { classes, theta0: modelFor({ ...big, ways: classes.length }).init(new Rng(3, 'pre')) };
    const theta0 = modelFor(big).init(new Rng(2, 'init'));
    await expect(FusedGlyphEngine.create(big, theta0, { pretrained: pre })).rejects.toThrow(
      /32 tasks of 200 \+ 1000 images.*pretrained.*do not fit/,
    );
  });

  it('withAlgo keeps θ and the pretrained baseline and restarts the meta-optimiser', async () => {
    const theta0 = modelFor(s).init(new Rng(2, 'init'));
    const pre = { classes, theta0: modelFor({ ...s, ways: classes.length }).init(new Rng(3, 'pre')) };
    const a = await FusedGlyphEngine.create(s, theta0, { pretrained: pre });
    batches.slice(0, 2).forEach((b) => a.step(b));
    const b = await a.withAlgo('metasgd');
    const [sa, sb] = [a.state(), b.state()];
    expect(b.algo).toBe('metasgd');
    expect(bytes(sb.theta)).toEqual(bytes(sa.theta));
    expect(bytes(sb.pretrained)).toEqual(bytes(sa.pretrained));
    expect(bytes(sb.pretrainedAdam?.m ?? null)).toEqual(bytes(sa.pretrainedAdam?.m ?? null));
    expect(sb.pretrainedAdam?.t).toBe(2);
    expect(sb.thetaAdam.t).toBe(0);
    expect(Array.from(sb.alpha as Float32Array).every((x) => x === Math.fround(s.alpha))).toBe(true);
    expect(a.step(batches[2]!).pretrained).toBe(b.step(batches[2]!).pretrained);
  });
});
