import type { Rng } from '../../random';
import { CLASS_IMAGE_PIXELS, rotateQuarter } from '../../data/images/convert';
import type { ClassImageSet } from '../../data/images/importer';
import type { ClassSource } from '../glyphs/data/source';
import {
  checkTaskSpec,
  emptyGlyphBatch,
  pickDistinct,
  type GlyphBatch,
  type GlyphTaskSpec,
} from '../glyphs/data/sampler';

/**
 * Imported image classes as a class source. Class id = 4·class + quarter turns: with rotations
 * (Omniglot's protocol) each class makes four, and a task draws N distinct classes, each turned
 * by a uniformly drawn multiple of 90° (as cbfinn/maml's data_generator.py); without, every id
 * has 0 turns. A class's K support and Q query images are K + Q distinct images of it, so a class
 * must have at least K + Q images to be drawn.
 */
export class ImageSource implements ClassSource {
  constructor(readonly data: ClassImageSet) {}

  trainClasses(): number[] {
    const turns = this.data.split.rotations ? [0, 1, 2, 3] : [0];
    return this.data.split.train.flatMap((c) => turns.map((r) => 4 * c + r));
  }

  className(id: number): string {
    const c = this.data.classes[id >> 2];
    const turn = id & 3;
    return c ? `${c.name}${turn ? ` ↺${90 * turn}°` : ''}` : `class ${id}`;
  }

  /** The classes of a split that can fill a task's K + Q images; an Error says why too few. */
  pool(split: 'train' | 'test', ways: number, perClass: number): number[] {
    const side = this.data.split[split];
    const pool = side.filter((c) => (this.data.classes[c]?.count ?? 0) >= perClass);
    if (pool.length < ways) {
      const which = split === 'train' ? 'meta-training' : 'held-out';
      throw new Error(
        `${ways}-way needs ${ways} ${which} classes with ${perClass} images each (K + query); ${pool.length} of ${side.length} have that many`,
      );
    }
    return pool;
  }

  sample(rng: Rng, tasks: number, spec: GlyphTaskSpec): GlyphBatch {
    const { ways: n, shots: k, query: q } = spec;
    checkTaskSpec(spec);
    const pool = this.pool(spec.split, n, k + q);
    const b = emptyGlyphBatch(tasks, n, k, q);
    const chosen = new Int32Array(n);
    for (let t = 0; t < tasks; t++) {
      pickDistinct(rng, pool, n, chosen, 0);
      for (let label = 0; label < n; label++) {
        const c = chosen[label] as number;
        const turn = this.data.split.rotations ? rng.int(4) : 0;
        b.classes[t * n + label] = 4 * c + turn;
        this.fill(rng, b, c, turn, t * n + label, label);
      }
    }
    return b;
  }

  /** K support and Q query images of class c (distinct images, turned), as label `label`. */
  private fill(rng: Rng, b: GlyphBatch, c: number, turn: number, slot: number, label: number): void {
    const cls = this.data.classes[c];
    if (!cls) throw new Error(`no class ${c}`);
    const picks = new Int32Array(b.shots + b.query);
    pickDistinct(
      rng,
      Array.from({ length: cls.count }, (_, i) => i),
      picks.length,
      picks,
      0,
    );
    picks.forEach((img, i) => {
      const src = cls.pixels.subarray(img * CLASS_IMAGE_PIXELS, (img + 1) * CLASS_IMAGE_PIXELS);
      const support = i < b.shots;
      const e = support ? slot * b.shots + i : slot * b.query + (i - b.shots);
      (support ? b.ys : b.yq)[e] = label;
      rotateQuarter(src, turn, support ? b.xs : b.xq, e * CLASS_IMAGE_PIXELS);
    });
  }
}
