import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ALGOS, parseExperiment } from '../src/core/experiment';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { kernelsPerMetaStep } from '../src/core/meta/profile';
import { decodeTheta, encodeTheta } from '../src/core/thetaFile';
import { startBackend } from './helpers';

const small = (extra = '') => parseExperiment(`task=glyphs&batch=2&query=2&filters=8${extra}`).config;

describe('glyph classification run', () => {
  it('every algorithm trains without leaking tensors; kernels do not grow with the meta-batch', async () => {
    await startBackend('wasm');
    for (const algo of ALGOS) {
      const run = new GlyphRun(small(`&algo=${algo}`));
      let at2 = 0;
      for (let s = 1; s <= 4; s++) {
        const { meta, pretrained } = run.step();
        const v = (await meta.data())[0] as number;
        expect(Number.isFinite(v), algo).toBe(true);
        tf.dispose([meta, pretrained as tf.Tensor]);
        if (s === 2) at2 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors, algo).toBe(at2);
      run.dispose();
    }
    const counts: number[] = [];
    for (const batch of [2, 5]) {
      const run = new GlyphRun(parseExperiment(`task=glyphs&batch=${batch}&query=2&filters=8`).config, {
        pretrained: false,
      });
      counts.push((await kernelsPerMetaStep(run)).total);
      run.dispose();
    }
    expect(counts[0]).toBe(counts[1]);
  });

  it('evaluates accuracy with confidence intervals for MAML, pretrained and random', async () => {
    await startBackend('wasm');
    const run = new GlyphRun(small());
    tf.dispose(Object.values(run.step()) as tf.Tensor[]);
    const before = tf.memory().numTensors;
    const curves = await run.evaluate({ tasks: 6, steps: 2, seed: 5, chunk: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(curves)).toEqual(['maml', 'pretrained', 'random']);
    for (const c of Object.values(curves)) {
      expect(c.accuracy).toHaveLength(3);
      expect(c.accuracy.every((a) => a >= 0 && a <= 1)).toBe(true);
      expect(c.ci95.every((x) => x >= 0)).toBe(true);
      expect(c.loss.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
    }
    // the same seed gives the same held-out tasks and numbers
    const again = await run.evaluate({ tasks: 6, steps: 2, seed: 5, chunk: 6 });
    expect(again.random!.accuracy).toEqual(curves.random!.accuracy);
    run.dispose();
  });

  it('θ files round-trip and reject tampering', () => {
    const config = small();
    const theta = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    const text = encodeTheta({ config, step: 3, theta, alpha: null });
    const back = decodeTheta(text, () => 12);
    expect(back.theta).toEqual(theta);
    expect(back.step).toBe(3);
    expect(back.config).toEqual(config);
    expect(() => decodeTheta(text, () => 13)).toThrow(/expected 13 numbers/);
    expect(() => decodeTheta('{', () => 12)).toThrow(/not a JSON file/);
    expect(() => decodeTheta('{"format":"x"}', () => 12)).toThrow(/not a MAML Playground/);
    const nan = encodeTheta({
      config,
      step: 0,
      theta: Float32Array.from([NaN, ...theta.subarray(1)]),
      alpha: null,
    });
    expect(() => decodeTheta(nan, () => 12)).toThrow(/non-finite/);
  });

  it("θ files carry the pretrained baseline's body, validated like θ", () => {
    const config = small();
    const theta = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    const body = Float32Array.from({ length: 5 }, (_, i) => -i);
    const text = encodeTheta({ config, step: 3, theta, alpha: null, pretrained: { body, step: 40 } });
    const back = decodeTheta(
      text,
      () => 12,
      () => 5,
    );
    expect(back.pretrained?.body).toEqual(body);
    expect(back.pretrained?.step).toBe(40);
    // a reader that does not ask for it ignores it; a wrong length is refused with a clear message
    expect(decodeTheta(text, () => 12).pretrained).toBeNull();
    expect(() =>
      decodeTheta(
        text,
        () => 12,
        () => 6,
      ),
    ).toThrow(/pretrained body: expected 6 numbers/);
    const bad = text.replace(/"pretrained":"[^"]*"/, '"pretrained":"%%%"');
    expect(() =>
      decodeTheta(
        bad,
        () => 12,
        () => 5,
      ),
    ).toThrow(/pretrained body is not valid base64/);
  });

  it('the pretrained baseline continues from a saved body and trains on the same stream alone', async () => {
    await startBackend('wasm');
    const config = small();
    const a = new GlyphRun(config);
    const b = new GlyphRun(config);
    for (let s = 0; s < 2; s++) {
      tf.dispose(Object.values(a.step()) as tf.Tensor[]);
      b.pretrainStep().dispose();
    }
    // b trained only its baseline, on the batches a drew: the same baseline, θ untouched
    expect(await b.pretrainer!.theta.data()).toEqual(await a.pretrainer!.theta.data());
    expect(await b.learner.theta.data()).toEqual(b.theta0);
    expect(b.pretrainer!.stepCount).toBe(2);
    const body = await a.pretrainer!.body();
    expect(body).toHaveLength(a.model.headOffset);
    const c = new GlyphRun(config, { pretrainedTheta: { theta: body, step: 2 } });
    const cTheta = (await c.pretrainer!.theta.data()) as Float32Array;
    expect(cTheta.subarray(0, body.length)).toEqual(body);
    expect(c.pretrainer!.stepCount).toBe(2);
    expect(() => new GlyphRun(config, { pretrainedTheta: { theta: body.subarray(1), step: 0 } })).toThrow(
      /does not fit this network/,
    );
    for (const r of [a, b, c]) r.dispose();
  });
});
