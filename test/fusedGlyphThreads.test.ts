import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeGlyphThreads } from '../src/cli/engineThreads';
import { FusedGlyphEngine, type FusedGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import type { FusedState } from '../src/core/engines/fused/fusedMlp';
import type { GlyphThreadPool } from '../src/core/engines/fusedGlyph/threads';
import { taskShard } from '../src/core/engines/fusedGlyph/shards';
import type { GlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { Rng } from '../src/core/random';
import { glyphBatch, modelFor, settings, stateBits as bits } from './fusedGlyphReference';

/**
 * The fused glyph engine with its tasks split over worker threads gives the single call's bits:
 * θ, α, the pretrained θ and every Adam moment after 20 steps, for 1, 2 and 3 threads, every
 * algorithm, meta-batches of 1-5 tasks (so some shards are empty), and across a resume.
 */

const STEPS = 20;
const pools = new Map<number, GlyphThreadPool | null>();

beforeAll(async () => {
  for (const n of [1, 2, 3]) pools.set(n, await nodeGlyphThreads(n));
});
afterAll(() => pools.forEach((p) => p?.dispose()));

function streams(s: FusedGlyphSettings): GlyphBatch[] {
  return Array.from({ length: STEPS }, (_, i) => glyphBatch(s, 1 + (i % s.maxTasks), 300 + i));
}

const pretrainedClasses = Array.from({ length: 40 }, (_, i) => i);

async function engineFor(s: FusedGlyphSettings, threads: number, withPretrained: boolean) {
  const theta0 = modelFor(s).init(new Rng(7, 'init'));
  const pre = withPretrained
    ? {
        classes: pretrainedClasses,
        theta0: modelFor({ ...s, ways: pretrainedClasses.length }).init(new Rng(8, 'init')),
      }
    : undefined;
  return FusedGlyphEngine.create(s, theta0, { pretrained: pre, threads: pools.get(threads) ?? null });
}

/** Meta-losses and the final state of `steps` steps from `from` (a state to restore, or none). */
function train(engine: FusedGlyphEngine, batches: GlyphBatch[], from?: FusedState) {
  if (from) engine.restore(from);
  const losses = batches.map((b) => engine.step(b).meta);
  return { losses, state: engine.state() };
}

describe('fused glyph engine over threads', () => {
  it('splits tasks into fixed contiguous shards that cover the batch', () => {
    for (const [T, n] of [
      [5, 2],
      [5, 3],
      [2, 3],
      [32, 3],
    ] as const) {
      const shards = Array.from({ length: n }, (_, i) => taskShard(i, T, n));
      expect(shards[0]?.[0]).toBe(0);
      expect(shards[n - 1]?.[1]).toBe(T);
      for (let i = 1; i < n; i++) expect(shards[i]?.[0]).toBe(shards[i - 1]?.[1]);
    }
  });

  for (const algo of ['maml', 'fomaml', 'metasgd', 'reptile'] as const) {
    it(`${algo}: θ and Adam's moments after ${STEPS} steps are the same bits on 1, 2 and 3 threads`, async () => {
      const s = settings({ algo, filters: 6, inner: 2, maxTasks: 5, alpha: 0.3, beta: 0.003 });
      const batches = streams(s);
      const withPretrained = algo === 'maml';
      const runs = [];
      for (const n of [1, 2, 3]) {
        const engine = await engineFor(s, n, withPretrained);
        expect(engine.threads).toBe(n);
        runs.push(train(engine, batches));
        engine.dispose();
      }
      const [one, ...more] = runs as [ReturnType<typeof train>, ...ReturnType<typeof train>[]];
      expect(one.losses.every(Number.isFinite)).toBe(true);
      expect(one.state.thetaAdam.t).toBe(STEPS);
      for (const r of more) {
        expect(r.losses).toEqual(one.losses);
        expect(bits(r.state)).toEqual(bits(one.state));
      }
    });
  }

  it('resumes across thread counts and shares a pool between engines to the same bits', async () => {
    const s = settings({ algo: 'metasgd', filters: 8, inner: 1, maxTasks: 4, beta: 0.003 });
    const batches = streams(s);
    const single = await engineFor(s, 1, false);
    const whole = train(single, batches);
    const first = await engineFor(s, 2, false);
    const second = await engineFor(s, 2, false);
    // two engines on one pool, stepping in turn: the pool follows whichever steps
    const half = STEPS / 2;
    const a = train(first, batches.slice(0, half));
    train(second, batches.slice(0, 3));
    const resumed = await engineFor(s, 3, false);
    const b = train(resumed, batches.slice(half), a.state);
    expect([...a.losses, ...b.losses]).toEqual(whole.losses);
    expect(bits(b.state)).toEqual(bits(whole.state));
    [single, first, second, resumed].forEach((e) => e.dispose());
  });
});
