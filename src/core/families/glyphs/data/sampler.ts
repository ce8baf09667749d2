import type { Rng } from '../../../random';
import { glyphSet, splitClasses, type GlyphSet, type Split } from './hershey';
import { DEFAULT_VARIATION, drawInstance, IMAGE_PIXELS, type HandVariation } from './rasterize';

/**
 * N-way K-shot glyph classification tasks, a whole meta-batch per call, as typed arrays ready for
 * tf.tensor. A task draws N distinct classes (glyphs) from one split and gives them the labels
 * 0..N−1 in the order drawn, so the class → label map is a fresh random permutation per task;
 * every support and query image is a new hand-drawn instance.
 */
export const GLYPH_LIMITS = {
  ways: [2, 20],
  shots: [1, 10],
  query: [1, 50],
} as const;

export interface GlyphTaskSpec {
  split: Split;
  /** N classes per task */
  ways: number;
  /** K support images per class */
  shots: number;
  /** query images per class */
  query: number;
  /** draw all of a task's classes from one alphabet (harder); default: from the whole split */
  sameAlphabet?: boolean;
  variation?: HandVariation;
}

export interface GlyphBatch {
  tasks: number;
  ways: number;
  shots: number;
  query: number;
  /**
   * support images [T, N·K, 28, 28, 1] and labels [T, N·K], ordered by label: example n·K + k of
   * a task is its k-th image of label n
   */
  xs: Float32Array;
  ys: Int32Array;
  /** query images [T, N·Q, 28, 28, 1] and labels [T, N·Q], ordered the same way */
  xq: Float32Array;
  yq: Int32Array;
  /** class id (index into glyphSet().glyphs) behind label n of task t: [T, N] */
  classes: Int32Array;
}

/** Refuses an N-way K-shot spec outside GLYPH_LIMITS, naming the value (any class source's check). */
export function checkTaskSpec(spec: GlyphTaskSpec): void {
  checkRange('ways', spec.ways);
  checkRange('shots', spec.shots);
  checkRange('query', spec.query);
}

/** A meta-batch of `tasks` N-way tasks with room for K support and Q query 28×28 images per class. */
export function emptyGlyphBatch(tasks: number, n: number, k: number, q: number): GlyphBatch {
  return {
    tasks,
    ways: n,
    shots: k,
    query: q,
    xs: new Float32Array(tasks * n * k * IMAGE_PIXELS),
    ys: new Int32Array(tasks * n * k),
    xq: new Float32Array(tasks * n * q * IMAGE_PIXELS),
    yq: new Int32Array(tasks * n * q),
    classes: new Int32Array(tasks * n),
  };
}

function checkRange(name: keyof typeof GLYPH_LIMITS, v: number): void {
  const [lo, hi] = GLYPH_LIMITS[name];
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new Error(`${name} must be an integer in ${lo}..${hi}, got ${v}`);
}

/** Pick n distinct entries of pool uniformly, in random order (partial Fisher-Yates). */
export function pickDistinct(
  rng: Rng,
  pool: readonly number[],
  n: number,
  out: Int32Array,
  offset: number,
): void {
  const idx = Array.from(pool);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(idx.length - i);
    const tmp = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = tmp;
    out[offset + i] = idx[i] as number;
  }
}

export function sampleGlyphBatch(
  rng: Rng,
  tasks: number,
  spec: GlyphTaskSpec,
  set: GlyphSet = glyphSet(),
): GlyphBatch {
  checkTaskSpec(spec);
  if (!Number.isInteger(tasks) || tasks < 1)
    throw new Error(`tasks must be a positive integer, got ${tasks}`);
  const { ways: n, shots: k, query: q } = spec;
  const variation = spec.variation ?? DEFAULT_VARIATION;
  const pool = splitClasses(spec.split, set);
  if (pool.length < n) throw new Error(`split ${spec.split} has only ${pool.length} classes`);
  const alphabets = set.alphabets.filter((a) => a.split === spec.split && a.glyphs.length >= n);
  if (spec.sameAlphabet && alphabets.length === 0)
    throw new Error(`no ${spec.split} alphabet has ${n} classes`);

  const batch = emptyGlyphBatch(tasks, n, k, q);
  for (let t = 0; t < tasks; t++) {
    const from = spec.sameAlphabet ? (alphabets[rng.int(alphabets.length)]?.glyphs ?? pool) : pool;
    pickDistinct(rng, from, n, batch.classes, t * n);
    for (let label = 0; label < n; label++) {
      const strokes = set.glyphs[batch.classes[t * n + label] as number]?.strokes ?? [];
      for (let i = 0; i < k; i++) {
        const e = (t * n + label) * k + i;
        batch.ys[e] = label;
        drawInstance(strokes, rng, batch.xs, e * IMAGE_PIXELS, variation);
      }
      for (let i = 0; i < q; i++) {
        const e = (t * n + label) * q + i;
        batch.yq[e] = label;
        drawInstance(strokes, rng, batch.xq, e * IMAGE_PIXELS, variation);
      }
    }
  }
  return batch;
}
