import type { FamilySchema } from '../../schema';

/** Classifier architectures: the paper's Omniglot conv net or its fully connected net. */
export const NETS = ['conv', 'fc'] as const;
export type NetName = (typeof NETS)[number];

declare module '../../schema' {
  interface Experiment {
    /** classifier tasks: classes per task (N-way); carried by every config */
    ways: number;
    /** classifier tasks: classifier architecture; carried by every config */
    net: NetName;
    /** classifier tasks: filters per conv block; carried by every config */
    filters: number;
  }
}

/**
 * Few-shot glyph classification: the paper's Omniglot settings (α = 0.4, one inner step, 5-way
 * 1-shot) with a lighter network (4 blocks of 32 filters) and meta-batch 8 instead of 32, so it
 * trains at a usable speed in a browser tab. Bounds are the glyph sampler's limits.
 */
export const glyphSchema: FamilySchema = {
  name: 'glyphs',
  label: 'glyph classification',
  blurb: "Few-shot glyph classification (the paper's Omniglot experiment) on generated handwriting.",
  fields: {
    ways: {
      field: {
        kind: 'number',
        min: 2,
        max: 20,
        integer: true,
        help: 'N-way: classes per task; each task relabels N new characters 0..N−1.',
      },
      default: 5,
      carried: true,
    },
    net: {
      field: {
        kind: 'enum',
        values: NETS,
        help: 'Classifier: the paper’s conv net (3×3 stride-2 blocks) or its fully connected net.',
      },
      default: 'conv',
      carried: true,
    },
    filters: {
      field: {
        kind: 'number',
        min: 4,
        max: 64,
        integer: true,
        help: 'Filters per conv block (the paper uses 64).',
      },
      default: 32,
      carried: true,
    },
  },
  defaults: { alpha: 0.4, k: 1, query: 5, batch: 8 },
  bounds: { k: [1, 10], query: [1, 50], batch: [1, 32] },
  restartRules: [
    { fields: ['ways', 'net', 'filters'], reason: () => 'the network changed shape (ways, net or filters)' },
  ],
};
