import fonts from 'hersheytext/hersheytext.min.json' with { type: 'json' };
import { IMAGE_PIXELS, IMAGE_SIZE, neutralHand, renderStrokes } from './rasterize';
import { normalizeStrokes, parseSvgPath, shapeKey, type Stroke } from './strokes';

/**
 * The glyph data set: the Hershey stroke fonts of the `hersheytext` package (MIT), 23 sets of
 * SVG paths. Each set is an alphabet and each distinct glyph a class. Blank glyphs are dropped,
 * and so are glyphs whose normalised shape (bounding box centred, longer side 1) repeats one
 * seen before, within a set or in an earlier one: many sets share the Latin letters, digits or
 * markers, and after normalisation "-" and "_" are the same drawing too. Glyphs that are not
 * identical but render almost the same at 28×28 (a bold and a regular "C", Greek chi and "X", a
 * small and a full-size kana, "I" and "l" in a serif font) are dropped as well: no hand could
 * tell them apart, so as two classes they would only add label noise.
 *
 * The split follows Omniglot: whole alphabets go to meta-training or to meta-test, never mixed.
 * Meta-test holds one script never seen in training (Japanese kana and kanji), one related to
 * training scripts (Cyrillic, serif Greek next to the 1-stroke Greek in training), two Latin
 * styles whose hands differ from every training style (Gothic Italian blackletter, Script medium),
 * and two symbol sets (astrology, music). Training keeps Latin sans, serif, italic, 1-stroke
 * script and two Gothic hands, 1-stroke Greek, and the mathematical, meteorological, marker and
 * miscellaneous symbol sets. Listing order decides which set keeps a shared glyph: plain scripts
 * come before the symbol sets that borrow their letters. Result: 1,024 classes, 666 in 14 training
 * alphabets and 358 in 7 test alphabets (Japanese 152); "Script 1-stroke (alt)" and "Math (lower)"
 * contribute nothing of their own and vanish.
 */
export type Split = 'train' | 'test';

export interface AlphabetSpec {
  /** key of the set in hersheytext */
  key: string;
  name: string;
  split: Split;
}

export const ALPHABET_SPECS: readonly AlphabetSpec[] = [
  { key: 'futural', name: 'Latin sans', split: 'train' },
  { key: 'futuram', name: 'Latin sans bold', split: 'train' },
  { key: 'timesr', name: 'Latin serif', split: 'train' },
  { key: 'timesrb', name: 'Latin serif bold', split: 'train' },
  { key: 'timesi', name: 'Latin serif italic', split: 'train' },
  { key: 'timesib', name: 'Latin serif bold italic', split: 'train' },
  { key: 'scripts', name: 'Latin script 1-stroke', split: 'train' },
  { key: 'cursive', name: 'Latin script 1-stroke (alt)', split: 'train' },
  { key: 'scriptc', name: 'Latin script medium', split: 'test' },
  { key: 'gothiceng', name: 'Gothic English', split: 'train' },
  { key: 'gothicger', name: 'Gothic German', split: 'train' },
  { key: 'gothicita', name: 'Gothic Italian', split: 'test' },
  { key: 'greek', name: 'Greek 1-stroke', split: 'train' },
  { key: 'timesg', name: 'Greek serif', split: 'test' },
  { key: 'cyrillic', name: 'Cyrillic', split: 'test' },
  { key: 'japanese', name: 'Japanese', split: 'test' },
  { key: 'markers', name: 'Markers', split: 'train' },
  { key: 'astrology', name: 'Astrology', split: 'test' },
  { key: 'meteorology', name: 'Meteorology', split: 'train' },
  { key: 'music', name: 'Music', split: 'test' },
  { key: 'mathupp', name: 'Math (upper)', split: 'train' },
  { key: 'mathlow', name: 'Math (lower)', split: 'train' },
  { key: 'symbolic', name: 'Symbolic', split: 'train' },
];

export interface Glyph {
  /** class id: index into GlyphSet.glyphs */
  id: number;
  /** index of its alphabet in GlyphSet.alphabets */
  alphabet: number;
  /** position in the hersheytext set (ASCII code − 33 for the keyboard-indexed sets) */
  index: number;
  /** the keyboard character it stands for, or "#index" for Japanese */
  label: string;
  /** normalised strokes (see normalizeStrokes) */
  strokes: Stroke[];
}

export interface Alphabet extends AlphabetSpec {
  /** class ids of its glyphs */
  glyphs: number[];
}

export interface GlyphSet {
  glyphs: Glyph[];
  alphabets: Alphabet[];
  /** how many glyphs of the raw data were dropped, and why */
  dropped: { blank: number; duplicate: number; nearDuplicate: number };
}

/**
 * Two glyphs are near duplicates when their neutral renders differ by less than this
 * ink-normalised L1 distance Σ|a − b| / Σ(a + b) (0: identical, 1: no shared ink). Two random
 * instances of one glyph are typically 0.3-0.6 apart; 0.1 catches only same-letter-same-style
 * pairs (checked by listing the pairs near the threshold).
 */
export const NEAR_DUPLICATE = 0.1;

interface HersheyFont {
  name: string;
  chars: { d: string; o?: number }[];
}

let cached: GlyphSet | null = null;

/** Parse, normalise and deduplicate all glyphs once, then reuse. */
export function glyphSet(): GlyphSet {
  if (cached) return cached;
  const data = fonts as unknown as Record<string, HersheyFont>;
  const seen = new Set<string>();
  const glyphs: Glyph[] = [];
  const alphabets: Alphabet[] = [];
  const dropped = { blank: 0, duplicate: 0, nearDuplicate: 0 };
  const near = new NearDuplicateIndex();
  for (const spec of ALPHABET_SPECS) {
    const font = data[spec.key];
    if (!font) throw new Error(`hersheytext has no set ${spec.key}`);
    const alphabet: Alphabet = { ...spec, glyphs: [] };
    font.chars.forEach((ch, index) => {
      const strokes = normalizeStrokes(parseSvgPath(ch.d));
      if (strokes.length === 0) {
        dropped.blank++;
        return;
      }
      const key = shapeKey(strokes);
      if (seen.has(key)) {
        dropped.duplicate++;
        return;
      }
      seen.add(key);
      if (!near.add(strokes)) {
        dropped.nearDuplicate++;
        return;
      }
      const id = glyphs.length;
      const label = spec.key === 'japanese' ? `#${index}` : String.fromCharCode(33 + index);
      glyphs.push({ id, alphabet: alphabets.length, index, label, strokes });
      alphabet.glyphs.push(id);
    });
    if (alphabet.glyphs.length > 0) alphabets.push(alphabet);
  }
  cached = { glyphs, alphabets, dropped };
  return cached;
}

/**
 * The neutral renders of the glyphs kept so far, with their ink totals and row and column ink
 * profiles. Σ|a − b| is at least the L1 distance of the profiles (and of the totals), so most
 * pairs are ruled out in 56 operations instead of 784.
 */
class NearDuplicateIndex {
  private images: Float32Array[] = [];
  private profiles: Float64Array[] = [];
  private ink: number[] = [];

  /** Keep the drawing unless it nearly duplicates a kept one; returns whether it was kept. */
  add(strokes: Stroke[]): boolean {
    const img = renderStrokes(strokes, neutralHand(strokes.length));
    const prof = new Float64Array(2 * IMAGE_SIZE);
    let ink = 0;
    for (let y = 0; y < IMAGE_SIZE; y++) {
      for (let x = 0; x < IMAGE_SIZE; x++) {
        const v = img[y * IMAGE_SIZE + x] as number;
        prof[y] = (prof[y] as number) + v;
        prof[IMAGE_SIZE + x] = (prof[IMAGE_SIZE + x] as number) + v;
        ink += v;
      }
    }
    for (let j = 0; j < this.images.length; j++) {
      const total = ink + (this.ink[j] as number);
      const limit = NEAR_DUPLICATE * total;
      if (Math.abs(ink - (this.ink[j] as number)) >= limit) continue;
      const other = this.profiles[j] as Float64Array;
      let rows = 0;
      let cols = 0;
      for (let k = 0; k < IMAGE_SIZE; k++) {
        rows += Math.abs((prof[k] as number) - (other[k] as number));
        cols += Math.abs((prof[IMAGE_SIZE + k] as number) - (other[IMAGE_SIZE + k] as number));
      }
      if (rows >= limit || cols >= limit) continue;
      const b = this.images[j] as Float32Array;
      let diff = 0;
      for (let k = 0; k < IMAGE_PIXELS; k++) diff += Math.abs((img[k] as number) - (b[k] as number));
      if (diff < limit) return false;
    }
    this.images.push(img);
    this.profiles.push(prof);
    this.ink.push(ink);
    return true;
  }
}

/** Class ids of every glyph in the alphabets of one split. */
export function splitClasses(split: Split, set: GlyphSet = glyphSet()): number[] {
  return set.alphabets.filter((a) => a.split === split).flatMap((a) => a.glyphs);
}
