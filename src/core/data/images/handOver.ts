/**
 * Decoded image classes handed from one thread to another (the page's import worker to the
 * training worker, over a port: portHandOver.ts) instead of being decoded again: the pixel buffers are the
 * transferables (moved, not copied), and the receiving side checks the shape of what arrived
 * before it trains on it, as it would check a file.
 */
import { CLASS_IMAGE_PIXELS } from './convert';
import type { ClassImageSet, ImageClass } from './importer';

/**
 * The buffers a set's transfer moves, each once: the classes' pixel buffers (a packed batch's
 * classes share one). The set is unusable where it was sent from.
 */
export function classSetTransfer(set: Pick<ClassImageSet, 'classes'>): ArrayBuffer[] {
  return [...new Set(set.classes.map((c) => c.pixels.buffer as ArrayBuffer))];
}

/** The most pixel bytes one batch of classes carries (a few hundred 28×28 images). */
export const BATCH_PIXEL_BYTES = 2 ** 20;

/**
 * A set's classes in order, cut into batches of at most `maxBytes` of pixels each (a class larger
 * than that is a batch of its own): each batch is one message, so no single message makes its
 * receiver take over thousands of images in one task.
 */
export function classBatches(classes: readonly ImageClass[], maxBytes = BATCH_PIXEL_BYTES): ImageClass[][] {
  const out: ImageClass[][] = [];
  let batch: ImageClass[] = [];
  let bytes = 0;
  for (const c of classes) {
    if (batch.length > 0 && bytes + c.pixels.byteLength > maxBytes) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(c);
    bytes += c.pixels.byteLength;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * The same classes with their pixels copied into one buffer, each class's pixels a view of its
 * part (the same values, in order): a batch moves as one buffer, so a message, and a hand-over of
 * the whole set, moves a few buffers instead of one per class.
 */
export function packedBatch(batch: readonly ImageClass[]): ImageClass[] {
  const all = new Float32Array(batch.reduce((n, c) => n + c.pixels.length, 0));
  let at = 0;
  return batch.map((c) => {
    all.set(c.pixels, at);
    const pixels = all.subarray(at, at + c.pixels.length);
    at += c.pixels.length;
    return { ...c, pixels };
  });
}

const isIndexList = (v: unknown, below: number): v is number[] =>
  Array.isArray(v) && v.every((i) => Number.isInteger(i) && i >= 0 && i < below);

function isImageClass(v: unknown): v is ImageClass {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Partial<ImageClass>;
  return (
    typeof c.name === 'string' &&
    (c.group === null || typeof c.group === 'string') &&
    Number.isInteger(c.count) &&
    (c.count as number) > 0 &&
    c.pixels instanceof Float32Array &&
    c.pixels.length === (c.count as number) * CLASS_IMAGE_PIXELS
  );
}

/**
 * Whether `v` is a whole decoded set as importImageClasses makes it: classes whose pixel arrays
 * hold their counts' images (a detached buffer has none), a split of valid class indices, a
 * SHA-256 in hex.
 */
export function isClassImageSet(v: unknown): v is ClassImageSet {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<ClassImageSet>;
  if (!Array.isArray(s.classes) || s.classes.length < 2 || !s.classes.every(isImageClass)) return false;
  const split = s.split;
  const n = s.classes.length;
  return (
    typeof split === 'object' &&
    split !== null &&
    isIndexList(split.train, n) &&
    isIndexList(split.test, n) &&
    typeof split.rotations === 'boolean' &&
    typeof s.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(s.hash) &&
    s.images === s.classes.reduce((sum, c) => sum + c.count, 0) &&
    Array.isArray(s.skipped) &&
    Number.isInteger(s.skippedCount)
  );
}
