import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/random';
import { ALPHABET_SPECS, glyphSet, splitClasses } from '../src/core/families/glyphs/data/hershey';
import {
  drawInstance,
  IMAGE_PIXELS,
  neutralHand,
  rasterizeDrawing,
  renderStrokes,
} from '../src/core/families/glyphs/data/rasterize';
import { SPLIT_SUMMARY } from '../src/core/families/glyphs/data/splitSummary';
import { GLYPH_LIMITS, sampleGlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { normalizeStrokes, parseSvgPath, shapeKey } from '../src/core/families/glyphs/data/strokes';

function meanAbs(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s / a.length;
}

describe('SVG path parsing', () => {
  it('reads M and L with implicit repeats, relative m/l and Z', () => {
    const s = parseSvgPath('M5,1 L5,15 M5,20 L4,21 5,22 6,21');
    expect(s.map((x) => Array.from(x))).toEqual([
      [5, 1, 5, 15],
      [5, 20, 4, 21, 5, 22, 6, 21],
    ]);
    expect(parseSvgPath('m1,1 2,0 l0,2 z').map((x) => Array.from(x))).toEqual([[1, 1, 3, 1, 3, 3, 1, 1]]);
    expect(parseSvgPath('M3,4').map((x) => Array.from(x))).toEqual([[3, 4]]);
    expect(() => parseSvgPath('M0,0 C1,1 2,2 3,3')).toThrow(/unsupported/);
  });

  it('normalisation centres the bounding box and scales its longer side to 1', () => {
    const [a, b] = normalizeStrokes([Float32Array.from([10, 20, 30, 20]), Float32Array.from([20, 25])]);
    expect(Array.from(a ?? [])).toEqual([-0.5, -0.125, 0.5, -0.125]);
    expect(Array.from(b ?? [])).toEqual([0, 0.125]);
  });
});

describe('Hershey glyph set', () => {
  const set = glyphSet();

  it('every hersheytext set is considered; blanks and repeated shapes are gone', () => {
    expect(ALPHABET_SPECS).toHaveLength(23);
    expect(set.dropped.blank).toBe(64);
    expect(set.glyphs.length + set.dropped.blank + set.dropped.duplicate + set.dropped.nearDuplicate).toBe(
      2283,
    );
    expect(set.glyphs.length).toBeGreaterThan(900);
    const keys = new Set(set.glyphs.map((g) => shapeKey(g.strokes)));
    expect(keys.size).toBe(set.glyphs.length);
    set.glyphs.forEach((g, i) => expect(g.id).toBe(i));
  });

  it('glyph strokes are normalised: box centred, longer side 1', () => {
    for (const g of set.glyphs) {
      const xs = g.strokes.flatMap((s) => Array.from(s).filter((_, i) => i % 2 === 0));
      const ys = g.strokes.flatMap((s) => Array.from(s).filter((_, i) => i % 2 === 1));
      const w = Math.max(...xs) - Math.min(...xs);
      const h = Math.max(...ys) - Math.min(...ys);
      expect(Math.max(w, h)).toBeCloseTo(1, 5);
      expect(Math.max(...xs) + Math.min(...xs)).toBeCloseTo(0, 5);
      expect(Math.max(...ys) + Math.min(...ys)).toBeCloseTo(0, 5);
    }
  });

  it('splits are disjoint by alphabet and both are large and varied', () => {
    const train = splitClasses('train', set);
    const test = splitClasses('test', set);
    expect(train.length + test.length).toBe(set.glyphs.length);
    expect(new Set([...train, ...test]).size).toBe(set.glyphs.length);
    for (const id of train) expect(set.alphabets[set.glyphs[id]?.alphabet ?? -1]?.split).toBe('train');
    for (const id of test) expect(set.alphabets[set.glyphs[id]?.alphabet ?? -1]?.split).toBe('test');
    // every alphabet lies wholly on one side
    for (const a of set.alphabets) {
      for (const id of a.glyphs) expect(set.glyphs[id]?.alphabet).toBe(set.alphabets.indexOf(a));
    }
    expect(train.length).toBeGreaterThan(500);
    expect(test.length).toBeGreaterThan(300);
    expect(set.alphabets.filter((a) => a.split === 'train').length).toBeGreaterThanOrEqual(10);
    expect(set.alphabets.filter((a) => a.split === 'test').length).toBeGreaterThanOrEqual(5);
    expect(set.alphabets.find((a) => a.key === 'japanese')?.split).toBe('test');
    // the counts documented in hershey.ts
    expect([set.glyphs.length, train.length, test.length]).toEqual([1024, 666, 358]);
    // and the sizes the page states (it cannot load the fonts to count them)
    for (const split of ['train', 'test'] as const) {
      const alphabets = set.alphabets.filter((a) => a.split === split && a.glyphs.length > 0).length;
      expect({ alphabets, characters: splitClasses(split, set).length }).toEqual(SPLIT_SUMMARY[split]);
    }
  });
});

describe('rasterizer', () => {
  const set = glyphSet();
  const glyph = (i: number) => set.glyphs[i % set.glyphs.length]?.strokes ?? [];

  it('is deterministic per seed, and seeds differ', () => {
    const a = drawInstance(glyph(10), new Rng(7, 'hand'));
    const b = drawInstance(glyph(10), new Rng(7, 'hand'));
    const c = drawInstance(glyph(10), new Rng(8, 'hand'));
    expect(b).toEqual(a);
    expect(meanAbs(a, c)).toBeGreaterThan(0.01);
  });

  it('gives 28×28 images with values in [0, 1] and visible ink', () => {
    const rng = new Rng(1, 'range');
    for (let i = 0; i < set.glyphs.length; i += 7) {
      const img = drawInstance(glyph(i), rng);
      expect(img.length).toBe(IMAGE_PIXELS);
      let ink = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of img) {
        ink += v;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(ink).toBeGreaterThan(5);
    }
  });

  it("a glyph's instances differ, but are closer to each other than to other glyphs'", () => {
    const rng = new Rng(3, 'instances');
    const count = 40;
    const per = 5;
    const inst: Float32Array[][] = [];
    for (let c = 0; c < count; c++) {
      const g = glyph(c * 29 + 3);
      inst.push(Array.from({ length: per }, () => drawInstance(g, rng)));
    }
    let within = 0;
    let between = 0;
    let closer = 0;
    for (let c = 0; c < count; c++) {
      let w = 0;
      let wn = 0;
      let b = 0;
      let bn = 0;
      for (let i = 0; i < per; i++) {
        for (let j = i + 1; j < per; j++) {
          const d = meanAbs(inst[c]![i]!, inst[c]![j]!);
          expect(d).toBeGreaterThan(0.005); // no two instances alike
          w += d;
          wn++;
        }
        for (let o = 0; o < count; o++) {
          if (o !== c) {
            b += meanAbs(inst[c]![i]!, inst[o]![(i + o) % per]!);
            bn++;
          }
        }
      }
      within += w / wn;
      between += b / bn;
      if (w / wn < b / bn) closer++;
    }
    expect(within / count).toBeLessThan(0.8 * (between / count));
    expect(closer).toBeGreaterThanOrEqual(count - 1);
  });

  it('drawings in any coordinate range go through the same normalisation as the glyphs', () => {
    const g = set.glyphs[42];
    if (!g) throw new Error('no glyph');
    // the glyph's strokes as a drawing pad would record them: scaled, shifted, as {x, y} points
    const lines = g.strokes.map((s) =>
      Array.from({ length: s.length / 2 }, (_, i) => ({
        x: 500 + 37 * (s[2 * i] as number),
        y: -200 + 37 * (s[2 * i + 1] as number),
      })),
    );
    const drawn = rasterizeDrawing(lines);
    const reference = renderStrokes(g.strokes, neutralHand(g.strokes.length));
    expect(meanAbs(drawn, reference)).toBeLessThan(1e-5);
    // a lone dot and an empty drawing do not break it
    expect(rasterizeDrawing([[{ x: 3, y: 4 }]]).some((v) => v > 0.5)).toBe(true);
    expect(rasterizeDrawing([]).every((v) => v === 0)).toBe(true);
  });

  it('measures its speed (printed; a sanity floor only)', () => {
    const rng = new Rng(11, 'speed');
    const out = new Float32Array(IMAGE_PIXELS);
    const n = 4000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) drawInstance(glyph(rng.int(set.glyphs.length)), rng, out);
    const perSecond = n / ((performance.now() - t0) / 1000);
    console.log(`glyph rasterizer: ${Math.round(perSecond)} images/s`);
    expect(perSecond).toBeGreaterThan(1000);
  });
});

describe('N-way K-shot task sampler', () => {
  const set = glyphSet();
  const spec = { split: 'train' as const, ways: 5, shots: 2, query: 3 };

  it('returns whole meta-batches with the documented shapes', () => {
    const b = sampleGlyphBatch(new Rng(1, 'tasks'), 4, spec);
    expect(b.xs.length).toBe(4 * 5 * 2 * IMAGE_PIXELS);
    expect(b.ys.length).toBe(4 * 5 * 2);
    expect(b.xq.length).toBe(4 * 5 * 3 * IMAGE_PIXELS);
    expect(b.yq.length).toBe(4 * 5 * 3);
    expect(b.classes.length).toBe(4 * 5);
    expect(b.xs.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('has exactly N·K support and N·Q query examples with balanced labels, in label order', () => {
    for (const [ways, shots, query] of [
      [2, 1, 1],
      [5, 1, 15],
      [20, 5, 2],
      [7, 10, 3],
    ] as const) {
      const b = sampleGlyphBatch(new Rng(ways, 'tasks'), 3, { split: 'test', ways, shots, query });
      for (let t = 0; t < 3; t++) {
        const ys = Array.from(b.ys.slice(t * ways * shots, (t + 1) * ways * shots));
        const yq = Array.from(b.yq.slice(t * ways * query, (t + 1) * ways * query));
        for (let n = 0; n < ways; n++) {
          expect(ys.filter((y) => y === n)).toHaveLength(shots);
          expect(yq.filter((y) => y === n)).toHaveLength(query);
        }
        expect(ys).toEqual(ys.map((_, i) => Math.floor(i / shots)));
        const classes = Array.from(b.classes.slice(t * ways, (t + 1) * ways));
        expect(new Set(classes).size).toBe(ways);
      }
    }
  });

  it('draws classes only from the requested split', () => {
    const test = new Set(splitClasses('test', set));
    const train = sampleGlyphBatch(new Rng(2, 'tasks'), 20, spec);
    expect(Array.from(train.classes).some((c) => test.has(c))).toBe(false);
    const held = sampleGlyphBatch(new Rng(2, 'tasks'), 20, { ...spec, split: 'test' });
    expect(Array.from(held.classes).every((c) => test.has(c))).toBe(true);
  });

  it('permutes labels per task: a class gets different labels, labels are not in class order', () => {
    const b = sampleGlyphBatch(new Rng(3, 'tasks'), 200, { split: 'test', ways: 5, shots: 1, query: 1 });
    const labelsOf = new Map<number, Set<number>>();
    let sorted = 0;
    for (let t = 0; t < 200; t++) {
      const c = Array.from(b.classes.slice(5 * t, 5 * t + 5));
      c.forEach((cls, label) => labelsOf.set(cls, (labelsOf.get(cls) ?? new Set()).add(label)));
      if (c.every((v, i) => i === 0 || v > (c[i - 1] as number))) sorted++;
    }
    expect([...labelsOf.values()].filter((s) => s.size > 1).length).toBeGreaterThan(100);
    expect(sorted).toBeLessThan(10); // 1/120 of tasks would be sorted by chance
  });

  it('support images of a label show its class: closer to its own query images than to others', () => {
    const b = sampleGlyphBatch(new Rng(4, 'tasks'), 10, { split: 'test', ways: 5, shots: 3, query: 3 });
    let own = 0;
    let other = 0;
    for (let t = 0; t < 10; t++) {
      for (let n = 0; n < 5; n++) {
        for (let m = 0; m < 5; m++) {
          const s = b.xs.subarray((t * 5 + n) * 3 * IMAGE_PIXELS, ((t * 5 + n) * 3 + 1) * IMAGE_PIXELS);
          const q = b.xq.subarray((t * 5 + m) * 3 * IMAGE_PIXELS, ((t * 5 + m) * 3 + 1) * IMAGE_PIXELS);
          if (n === m) own += meanAbs(s, q);
          else other += meanAbs(s, q) / 4;
        }
      }
    }
    expect(own).toBeLessThan(0.8 * other);
  });

  it('is deterministic given the Rng, and validates its arguments', () => {
    const a = sampleGlyphBatch(new Rng(5, 'tasks'), 3, spec);
    const b = sampleGlyphBatch(new Rng(5, 'tasks'), 3, spec);
    expect(b.classes).toEqual(a.classes);
    expect(b.xs).toEqual(a.xs);
    expect(b.xq).toEqual(a.xq);
    expect(() => sampleGlyphBatch(new Rng(1), 1, { ...spec, ways: GLYPH_LIMITS.ways[1] + 1 })).toThrow();
    expect(() => sampleGlyphBatch(new Rng(1), 1, { ...spec, ways: 1 })).toThrow();
    expect(() => sampleGlyphBatch(new Rng(1), 1, { ...spec, shots: 11 })).toThrow();
    expect(() => sampleGlyphBatch(new Rng(1), 1, { ...spec, query: 0 })).toThrow();
  });

  it('can keep each task within one alphabet', () => {
    const b = sampleGlyphBatch(new Rng(6, 'tasks'), 30, { ...spec, split: 'test', sameAlphabet: true });
    for (let t = 0; t < 30; t++) {
      const alphabets = new Set(
        Array.from(b.classes.slice(5 * t, 5 * t + 5), (c) => set.glyphs[c]?.alphabet),
      );
      expect(alphabets.size).toBe(1);
    }
  });
});
