import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment, type Experiment } from '../src/core/experiment';
import {
  glyphNetwork,
  glyphThetaFile,
  readGlyphThetaFile,
  type GlyphThetaFile,
} from '../src/core/export/glyphTheta';
import { sampleGlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { classifierFor, decodeGlyphTheta } from '../src/core/families/glyphs/family';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { Rng } from '../src/core/random';
import { float32ToBase64 } from '../src/core/runs/base64';
import { copy, startBackend, train } from './helpers';

beforeAll(async () => {
  await startBackend('cpu');
});

type Params = Record<string, tf.Tensor>;
interface Snippet {
  loadGlyphTheta: (file: unknown) => Params;
  predictGlyphs: (file: unknown, params: Params, images: tf.Tensor) => tf.Tensor;
}

/** docs/file-formats.md's snippet, run as written (its import line becomes the `tf` argument). */
function readmeSnippet(): Snippet {
  const readme = readFileSync(new URL('../docs/file-formats.md', import.meta.url), 'utf8');
  const block =
    /<!-- glyph-theta-snippet:start -->\s*```js\n([\s\S]*?)```\s*<!-- glyph-theta-snippet:end -->/.exec(
      readme,
    );
  if (!block) throw new Error('docs/file-formats.md has no glyph θ snippet');
  const code = (block[1] as string).replace("import * as tf from '@tensorflow/tfjs';", '');
  return new Function('tf', `${code}\nreturn { loadGlyphTheta, predictGlyphs };`)(tf) as Snippet;
}

/** N·Q query images of `tasks` tasks, [T, N·Q, 28, 28, 1]. */
function images(config: Experiment, tasks: number, query: number): { data: Float32Array; perTask: number } {
  const spec = { split: 'test' as const, ways: config.ways, shots: 1, query };
  const batch = sampleGlyphBatch(new Rng(11, 'glyph-theta-file'), tasks, spec);
  return { data: batch.xq, perTask: config.ways * query };
}

/**
 * The documented procedure on each task's images vs the project's forward pass of θ on all tasks
 * at once (its batch norm is per task): the largest difference of the logits.
 */
function compare(config: Experiment, theta: Float32Array, file: GlyphThetaFile, tasks = 2): number {
  const { loadGlyphTheta, predictGlyphs } = readmeSnippet();
  const { data, perTask } = images(config, tasks, 3);
  // through JSON, as a downloaded file is read
  const parsed = JSON.parse(JSON.stringify(file)) as unknown;
  const params = loadGlyphTheta(parsed);
  const model = classifierFor(config);
  const want = tf.tidy(() => {
    const x = tf.tensor5d(data, [tasks, perTask, 28, 28, 1]);
    return model.apply(model.unflatten(tf.tensor1d(theta)), x).dataSync();
  });
  let worst = 0;
  for (let t = 0; t < tasks; t++) {
    const px = perTask * 28 * 28;
    const x = tf.tensor4d(data.subarray(t * px, (t + 1) * px), [perTask, 28, 28, 1]);
    const logits = predictGlyphs(parsed, params, x);
    expect(logits.shape).toEqual([perTask, config.ways]);
    const got = logits.dataSync();
    got.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - (want[t * got.length + i] as number)));
    });
    tf.dispose([x, logits]);
  }
  tf.dispose(Object.values(params));
  return worst;
}

const small = (extra: string) => parseExperiment(`task=glyphs&batch=2&query=2${extra}`).config;

describe('the glyph θ file', () => {
  it('lists the tensors of the models’ own layouts, in θ order', () => {
    for (const q of ['', '&net=fc', '&ways=3&filters=8', '&net=fc&ways=20', '&filters=64']) {
      const config = small(q);
      const model = classifierFor(config);
      expect(glyphNetwork(config).specs, q).toEqual(model.layout.specs);
      const file = glyphThetaFile(config, 3, new Float32Array(model.numParams));
      expect(file.size).toBe(model.numParams);
      expect(file.tensors.map((t) => t.offset)).toEqual(model.layout.offsets);
    }
  });

  it('run as docs/file-formats.md says, predicts the logits of the project’s conv net on a glyph run’s θ', async () => {
    const config = small('&ways=3&filters=8');
    const run = new GlyphRun(config, { pretrained: false });
    await train(run, 3);
    const theta = await copy(run.learner.theta);
    run.dispose();
    const file = glyphThetaFile(config, 3, theta);
    expect(file.network.layers.map((l) => l.op).slice(0, 4)).toEqual([
      'conv2d',
      'batchNorm',
      'relu',
      'conv2d',
    ]);
    const read = readGlyphThetaFile(JSON.stringify(file));
    expect(Array.from(read.theta)).toEqual(Array.from(theta));
    expect(compare(config, theta, file)).toBeLessThan(1e-5);
  });

  it('the shipped θ (public/glyph-init.json, 4 × 32 filters, 5-way) too', () => {
    const saved = decodeGlyphTheta(
      readFileSync(new URL('../public/glyph-init.json', import.meta.url), 'utf8'),
    );
    const file = glyphThetaFile(saved.config, saved.step, saved.theta);
    expect(file.size).toBe(28357);
    expect(compare(saved.config, saved.theta, file, 1)).toBeLessThan(1e-5);
  });

  it('the fully connected net, with Meta-SGD’s rates', async () => {
    const config = small('&net=fc&ways=4&algo=metasgd');
    const run = new GlyphRun(config, { pretrained: false });
    await train(run, 2);
    const theta = await copy(run.learner.theta);
    const alpha = Float32Array.from({ length: theta.length }, (_, i) => 0.1 + i * 1e-6);
    run.dispose();
    const file = glyphThetaFile(config, 2, theta, alpha);
    expect(file.adaptation).toMatchObject({ steps: config.inner, learningRate: config.alpha });
    expect(typeof file.adaptation.learningRates).toBe('string');
    expect(compare(config, theta, file)).toBeLessThan(1e-5);
  });

  it('a MAML++ run’s file runs the same way: the snippet reads the network’s own tensors (the set of the unadapted θ)', async () => {
    const config = small('&ways=3&filters=8&algo=mamlpp');
    const run = new GlyphRun(config, { pretrained: false });
    await train(run, 2);
    const theta = await copy(run.learner.theta);
    const rates = await copy(run.learner.rates!);
    run.dispose();
    const file = glyphThetaFile(config, 2, theta, null, rates);
    const base = classifierFor(config).numParams;
    expect(file.size).toBeGreaterThan(base);
    expect(compare(config, theta.slice(0, base), file)).toBeLessThan(1e-5);
  });

  it('refuses a θ that does not fit the net', () => {
    expect(() => glyphThetaFile(small(''), 0, new Float32Array(10))).toThrow(/θ has 10 numbers.*28357/);
  });

  it('reading refuses corrupted files with a clear message', () => {
    const config = small('&ways=2&filters=4');
    const n = classifierFor(config).numParams;
    const good = glyphThetaFile(
      config,
      1,
      Float32Array.from({ length: n }, (_, i) => i / n),
    );
    const bad = (change: (f: Record<string, unknown>) => void) => {
      const f = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      change(f);
      return () => readGlyphThetaFile(JSON.stringify(f));
    };
    expect(readGlyphThetaFile(JSON.stringify(good)).theta).toHaveLength(n);
    expect(() => readGlyphThetaFile('{')).toThrow('This is not a JSON file');
    expect(bad((f) => (f.format = 'maml-playground-theta/1'))).toThrow('not a MAML Playground glyph θ file');
    expect(bad((f) => (f.version = 2))).toThrow('has version 2; this page reads version 1');
    // θ one number short
    expect(bad((f) => (f.theta = float32ToBase64(new Float32Array(n - 1))))).toThrow(
      `θ has ${n - 1} numbers; its tensors need ${n}`,
    );
    expect(bad((f) => (f.size = n + 1))).toThrow(`tensors hold ${n} numbers but its size says ${n + 1}`);
    expect(bad((f) => (f.theta = 'not base64!'))).toThrow('θ is not valid base64');
    expect(
      bad((f) => {
        (f.tensors as { shape: number[] }[])[0]!.shape = [3, 3, 1, 5];
      }),
    ).toThrow('tensor conv0.w does not follow');
  });
});
