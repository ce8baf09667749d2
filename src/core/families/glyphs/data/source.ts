import type { Rng } from '../../../random';
import { glyphSet, splitClasses, type GlyphSet, type Split } from './hershey';
import { sampleGlyphBatch, type GlyphBatch, type GlyphTaskSpec } from './sampler';

/**
 * Where a classification run's classes come from: the generated glyphs, or classes imported
 * from images. The run, its pretrained baseline, the engines and the evaluation see only this:
 * class ids, meta-batches of 28×28 ink images, and a name per class id for the views.
 */
export interface ClassSource {
  /** the ids the pretrained baseline tells apart (every meta-training class), in output order */
  trainClasses(): number[];
  /** one meta-batch of N-way K-shot tasks from a split (see GlyphBatch for the layout) */
  sample(rng: Rng, tasks: number, spec: GlyphTaskSpec): GlyphBatch;
  /** what a view calls class `id` ("Cyrillic Ж") */
  className(id: number): string;
}

/** The generated Hershey glyphs as a class source (hershey.ts has the set and its split). */
export class GlyphSource implements ClassSource {
  constructor(readonly set: GlyphSet = glyphSet()) {}

  trainClasses(): number[] {
    return splitClasses('train', this.set);
  }

  sample(rng: Rng, tasks: number, spec: GlyphTaskSpec): GlyphBatch {
    return sampleGlyphBatch(rng, tasks, spec, this.set);
  }

  className(id: number): string {
    const g = this.set.glyphs[id];
    const a = g ? this.set.alphabets[g.alphabet] : undefined;
    return g ? `${a?.name ?? '?'} ${g.label}` : `class ${id}`;
  }
}

export type { Split };
