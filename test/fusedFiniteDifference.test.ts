import { beforeAll, describe, expect, it } from 'vitest';
import { FusedMlpEngine, type FusedAlgo } from '../src/core/engines/fused/fusedMlp';
import { Mlp } from '../src/core/models/mlp';
import { Rng } from '../src/core/random';
import type { RegressionBatch } from '../src/core/families/regression/tasks';
import { sinusoid } from '../src/core/families/sinusoid/sampler';
import { dot, relDiff } from './helpers';

/**
 * The fused second-order meta-gradient against central finite differences of the fused
 * meta-loss itself (no tfjs involved). The wasm path is f32 only, so ε is large (2e-3) and the
 * tolerance is loose but meaningful: 0.2% of the gradient's norm (measured: ~4e-5), while first
 * order misses by >10% (measured: 340%).
 */
describe('fused MLP engine: finite differences', () => {
  const sizes = [1, 12, 12, 1];
  const theta0 = new Mlp(sizes).init(new Rng(7, 'init'));
  // a large α and two inner steps make the second-order terms large (checked below)
  const hyper = { alpha: 0.08, beta: 0.001, inner: 2 };
  let batch: RegressionBatch;
  let g2: Float32Array;
  let g1: Float32Array;

  async function gradient(algo: FusedAlgo, theta = theta0) {
    const engine = await FusedMlpEngine.create({ sizes, algo, ...hyper }, theta);
    const g = engine.metaGradient(batch);
    engine.dispose();
    return g;
  }
  const loss = async (theta: Float32Array) => (await gradient('maml', theta)).loss;

  beforeAll(async () => {
    batch = sinusoid.sampleBatch(new Rng(3, 'test'), 4, 5, 6);
    g2 = (await gradient('maml')).theta;
    g1 = (await gradient('fomaml')).theta;
  });

  async function directional(v: Float32Array, eps: number): Promise<number> {
    const plus = theta0.map((x, i) => x + eps * (v[i] as number));
    const minus = theta0.map((x, i) => x - eps * (v[i] as number));
    return ((await loss(plus)) - (await loss(minus))) / (2 * eps);
  }

  const unit = (raw: Float32Array) => {
    const n = Math.sqrt(dot(raw, raw));
    return raw.map((x) => x / n);
  };

  it('second order differs from first order by more than 20% here', () => {
    expect(relDiff(g1, g2)).toBeGreaterThan(0.2);
  });

  it('second-order meta-gradient matches central finite differences within 0.2% of its norm', async () => {
    const rng = new Rng(11, 'directions');
    const diff = g2.map((v, i) => v - (g1[i] as number));
    const dirs = [g2, diff, ...Array.from({ length: 3 }, () => g2.map(() => rng.normal()))];
    const scale = Math.sqrt(dot(g2, g2));
    for (const raw of dirs) {
      const v = unit(raw);
      const fd = await directional(v, 2e-3);
      // relative to the gradient's norm, so near-orthogonal random directions are not ill-posed
      expect(Math.abs(fd - dot(g2, v)) / scale).toBeLessThan(2e-3);
    }
  });

  it('first order does not pass that check along the direction where they differ', async () => {
    const v = unit(g2.map((x, i) => x - (g1[i] as number)));
    const fd = await directional(v, 2e-3);
    expect(Math.abs(fd - dot(g1, v)) / Math.sqrt(dot(g2, g2))).toBeGreaterThan(0.1);
  });

  it('Meta-SGD α-gradient matches finite differences of the loss in α', async () => {
    const alpha0 = new Float32Array(theta0.length).fill(hyper.alpha);
    const at = async (alpha: Float32Array) => {
      const e = await FusedMlpEngine.create({ sizes, algo: 'metasgd', ...hyper }, theta0, { alpha0: alpha });
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
    expect(Math.abs(fd - dot(ga, v)) / Math.sqrt(dot(ga, ga))).toBeLessThan(2e-3);
  });
});
