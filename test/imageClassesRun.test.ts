import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_IMAGE_PIXELS, rotateQuarter } from '../src/core/data/images/convert';
import { importImageClasses } from '../src/core/data/images/importer';
import { setLoadedImageClasses } from '../src/core/data/images/loaded';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { parseExperiment } from '../src/core/experiment';
import { familyOf } from '../src/core/families/registry';
import { ImageSource } from '../src/core/families/imageclasses/source';
import type { GlyphRun } from '../src/core/families/glyphs/run';
import { Rng } from '../src/core/random';
import { copy, relDiff, startBackend, train } from './helpers';
import { syntheticFiles } from './syntheticImages';

const config = (extra = '') =>
  parseExperiment(`task=imageclasses&ways=3&batch=2&query=2&filters=4${extra}`).config;

describe('imported image classes train on the glyph network and engines', () => {
  beforeAll(async () => {
    await startBackend('cpu');
    await loadFusedGlyph();
  });
  afterEach(() => setLoadedImageClasses(null));

  it('samples tasks of distinct classes and images, turned as their class id says', async () => {
    const set = await importImageClasses(
      syntheticFiles({ alphabets: 3, characters: 4, images: 5, side: 30 }),
    );
    const source = new ImageSource(set);
    expect(source.trainClasses().length).toBe(4 * set.split.train.length);
    const b = source.sample(new Rng(3, 'test'), 4, { split: 'test', ways: 3, shots: 2, query: 2 });
    const heldOut = new Set(set.split.test);
    for (let t = 0; t < 4; t++) {
      const ids = Array.from(b.classes.subarray(3 * t, 3 * t + 3));
      expect(new Set(ids.map((id) => id >> 2)).size).toBe(3);
      ids.forEach((id, label) => {
        expect(heldOut.has(id >> 2)).toBe(true);
        const cls = set.classes[id >> 2]!;
        // every support image is one of the class's images, turned by id & 3
        for (let i = 0; i < 2; i++) {
          const e = (3 * t + label) * 2 + i;
          expect(b.ys[e]).toBe(label);
          const got = b.xs.subarray(e * CLASS_IMAGE_PIXELS, (e + 1) * CLASS_IMAGE_PIXELS);
          const match = Array.from({ length: cls.count }, (_, j) =>
            rotateQuarter(cls.pixels.subarray(j * CLASS_IMAGE_PIXELS, (j + 1) * CLASS_IMAGE_PIXELS), id & 3),
          ).some((img) => img.every((v, p) => v === got[p]));
          expect(match).toBe(true);
        }
      });
    }
    const again = source.sample(new Rng(3, 'test'), 4, { split: 'test', ways: 3, shots: 2, query: 2 });
    expect(Array.from(again.xq)).toEqual(Array.from(b.xq));
  });

  it('without imported classes a run says what to give it', () => {
    expect(() => familyOf('imageclasses').createRun(config(), {})).toThrow(/no image classes are loaded/);
  });

  it('the fused engine and tfjs take the same steps on them; the baseline has a head per class and turn', async () => {
    setLoadedImageClasses(
      await importImageClasses(syntheticFiles({ alphabets: 4, characters: 5, images: 4, side: 28 })),
    );
    const family = familyOf('imageclasses');
    const tfjs = family.createRun(config(), { engine: 'tfjs' }) as GlyphRun;
    const fused = family.createRun(config(), { engine: 'fused' }) as GlyphRun;
    expect(fused.engine).toBe('fused');
    expect(fused.family).toBe(family);
    const sizes = family.stateSizes(config());
    expect(sizes.pretrained).toBe(tfjs.pretrainer!.model.numParams);
    const start = await copy(tfjs.learner.theta);
    await train(tfjs, 3);
    await train(fused, 1);
    const before = tf.memory().numTensors;
    await train(fused, 2);
    expect(tf.memory().numTensors).toBe(before);
    const after = await copy(fused.learner.theta);
    expect(relDiff(after, await copy(tfjs.learner.theta))).toBeLessThan(1e-4);
    expect(relDiff(after, start)).toBeGreaterThan(1e-4);
    const report = await fused.evaluateReport({ tasks: 6, steps: 1, seed: 5 });
    expect(report.table).toMatch(/3-way 1-shot/);
    tfjs.dispose();
    fused.dispose();
  });
});
