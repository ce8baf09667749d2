import { beforeAll, describe, expect, it } from 'vitest';
import { FusedGlyphEngine, type FusedGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import type { GlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { Rng } from '../src/core/random';
import { glyphBatch, modelFor, relError, settings } from './fusedGlyphReference';

/**
 * The fused glyph meta-gradient against central finite differences of the fused meta-loss itself
 * (no tfjs involved), for the conv net with batch norm and the fc net, two inner steps. f32 only,
 * so the tolerance is 1% of the gradient's norm; ε is small (1e-4 to 3e-4) because with α = 0.4 the meta-loss has ReLU kinks close by, while first order misses by far
 * more along the direction where the two differ.
 */

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} against ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

const unit = (raw: Float32Array): Float32Array => {
  const n = Math.sqrt(dot(raw, raw));
  return raw.map((x) => x / n);
};

function check(name: string, s: FusedGlyphSettings, eps: number): void {
  describe(`fused glyph engine: finite differences, ${name}`, () => {
    const theta0 = modelFor(s).init(new Rng(7, 'init'));
    let batch: GlyphBatch;
    let g2: Float32Array;
    let g1: Float32Array;

    async function gradient(algo: FusedGlyphSettings['algo'], theta = theta0) {
      const engine = await FusedGlyphEngine.create({ ...s, algo }, theta);
      const g = engine.metaGradient(batch);
      engine.dispose();
      return g;
    }

    async function directional(v: Float32Array, eps: number): Promise<number> {
      const plus = theta0.map((x, i) => x + eps * (v[i] as number));
      const minus = theta0.map((x, i) => x - eps * (v[i] as number));
      return ((await gradient('maml', plus)).loss - (await gradient('maml', minus)).loss) / (2 * eps);
    }

    beforeAll(async () => {
      batch = glyphBatch(s, 2, 3);
      g2 = (await gradient('maml')).theta;
      g1 = (await gradient('fomaml')).theta;
    });

    it('second order differs from first order here', () => {
      expect(relError(g1, g2)).toBeGreaterThan(0.05);
    });

    it('the second-order meta-gradient matches central differences within 1% of its norm', async () => {
      const rng = new Rng(11, 'directions');
      const diff = g2.map((v, i) => v - (g1[i] as number));
      const dirs = [g2, diff, ...Array.from({ length: 2 }, () => g2.map(() => rng.normal()))];
      const scale = Math.sqrt(dot(g2, g2));
      for (const raw of dirs) {
        const v = unit(raw);
        const fd = await directional(v, eps);
        expect(Math.abs(fd - dot(g2, v)) / scale).toBeLessThan(1e-2);
      }
    });

    it('first order fails that check along the direction where they differ', async () => {
      const v = unit(g2.map((x, i) => x - (g1[i] as number)));
      const fd = await directional(v, eps);
      expect(Math.abs(fd - dot(g1, v)) / Math.sqrt(dot(g2, g2))).toBeGreaterThan(3e-2);
    });

    it("Meta-SGD's α-gradient matches central differences of the loss in α", async () => {
      const alpha0 = new Float32Array(theta0.length).fill(s.alpha);
      const at = async (alpha: Float32Array) => {
        const e = await FusedGlyphEngine.create({ ...s, algo: 'metasgd' }, theta0, { alpha0: alpha });
        const g = e.metaGradient(batch);
        e.dispose();
        return g;
      };
      const ga = (await at(alpha0)).alpha as Float32Array;
      const v = unit(ga);
      const eps = 1e-3;
      const fd =
        ((await at(alpha0.map((a, i) => a + eps * (v[i] as number)))).loss -
          (await at(alpha0.map((a, i) => a - eps * (v[i] as number)))).loss) /
        (2 * eps);
      expect(Math.abs(fd - dot(ga, v)) / Math.sqrt(dot(ga, ga))).toBeLessThan(1e-2);
    });
  });
}

check('conv net with batch norm', settings({ inner: 2, filters: 8, blocks: 3 }), 1e-4);
check('fc net with bias', settings({ net: 'fc', batchNorm: false, inner: 2, hidden: [24, 12] }), 3e-4);
