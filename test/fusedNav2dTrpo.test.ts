import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFusedNav2d } from '../src/core/engines/fusedNav2d/wasmModule';
import { parseExperiment } from '../src/core/experiment';
import type { StepLosses } from '../src/core/families/family';
import { familyOf } from '../src/core/families/registry';
import { fusedTrpoStep, objectiveSlots, trpoTrial } from '../src/core/families/nav2d/fusedTrpo';
import type { Nav2dRun } from '../src/core/families/nav2d/run';
import type { PgBatch } from '../src/core/families/nav2d/metaGradient';
import { readSync } from '../src/core/families/nav2d/reads';
import {
  adapted,
  klHessianVector,
  meanKl,
  surrogate,
  TRPO,
  trpoStep,
  type TrpoProblem,
} from '../src/core/families/nav2d/trpo';
import { Rng } from '../src/core/random';
import { relDiff, startBackend } from './helpers';
import {
  laterOf,
  makeEngine,
  sampleOnEngine,
  tfjsBatches,
  type Case,
  type Sampled,
} from './fusedNav2dReference';

beforeAll(async () => {
  await startBackend('wasm');
  await loadFusedNav2d();
});

const base: Case = { hidden: [8, 8], tasks: 3, trajs: 10, inner: 1, alpha: 0.5, seed: 5 };

/** trpo.ts's problem on the sampled data, with `done` to dispose its tensors. */
function tfjsProblem(s: Sampled, c: Case, firstOrder: boolean): { q: TrpoProblem; done: () => void } {
  const batches = tfjsBatches(s, c);
  const q = {
    hidden: c.hidden,
    pre: batches.slice(0, c.inner),
    post: batches[c.inner] as PgBatch,
    alpha: c.alpha,
    later: laterOf(c),
    firstOrder,
    allSteps: c.allSteps ?? false,
  };
  return { q, done: () => batches.forEach((b) => tf.dispose(Object.values(b))) };
}

const fusedProblem = (s: Sampled, c: Case, firstOrder: boolean) => ({
  ...c,
  later: laterOf(c),
  firstOrder,
  allSteps: c.allSteps ?? false,
  batches: s.weights.map((weights, k) => ({ weights, live: s.live[k] as Float32Array })),
});

/** trpo.ts's whole step from θ on a backend: the change of θ and the accepted fraction. */
async function tfjsStep(
  backend: 'wasm' | 'cpu',
  s: Sampled,
  c: Case,
  firstOrder: boolean,
  theta: Float32Array,
) {
  await startBackend(backend);
  const { q, done } = tfjsProblem(s, c, firstOrder);
  const th = tf.tidy(() => tf.variable(tf.tensor1d(theta)));
  const frac = readSync(trpoStep(th, q));
  const step = th.dataSync().map((x, i) => x - (theta[i] as number));
  th.dispose();
  done();
  return { frac, step };
}

const cases: [string, Partial<Case>, boolean][] = [
  ['one step, second order', {}, false],
  ['two steps, second order', { inner: 2, alpha: 0.3 }, false],
  ['two steps at α then α/2, second order', { inner: 2, alpha: 0.3, later: 0.15 }, false],
  ['one step, FOMAML', {}, true],
  ['meta-batch 1, few trajectories', { tasks: 1, trajs: 3 }, false],
  [
    'three steps at α, α/2, α/2, mean objective',
    { inner: 3, alpha: 0.3, later: 0.15, allSteps: true },
    false,
  ],
  ['two steps, mean objective, FOMAML', { inner: 2, alpha: 0.3, allSteps: true }, true],
];

describe('fused TRPO equals trpo.ts (tfjs kernels) on the same data', () => {
  for (const [name, over, firstOrder] of cases) {
    it(`${name}: the KL Hessian-vector product, the line search's check, the step`, async () => {
      const c = { ...base, ...over };
      const { engine, theta } = makeEngine(c);
      const s = sampleOnEngine(engine, c);
      const before = tf.memory().numTensors;
      const { q, done } = tfjsProblem(s, c, firstOrder);
      const th = tf.tensor1d(theta);
      const rng = new Rng(3, 'direction');
      const v = Float32Array.from(theta, () => rng.normal());
      const trial = theta.map((x, i) => x + 0.02 * (v[i] as number));
      const old = tf.tidy(() => adapted(th, q));
      expect(old.length).toBe(c.allSteps ? c.inner : 1);
      const [want, wantSur, wantKl] = tf.tidy(() => [
        klHessianVector(th, old, q, tf.tensor1d(v)).dataSync(),
        surrogate(tf.tensor1d(trial), old, q).dataSync()[0] as number,
        meanKl(tf.tensor1d(trial), old, q).dataSync()[0] as number,
      ]) as [Float32Array, number, number];
      tf.dispose([th, ...old.flatMap(Object.values)]);
      done();
      const q2 = fusedProblem(s, c, firstOrder);
      for (const k of objectiveSlots(q2)) engine.trpoKeep(k, c.tasks, c.trajs, s.live[k] as Float32Array);
      const all = q2.allSteps;
      const got = engine.klHessianVector(v, c.inner, c.tasks, c.trajs, c.alpha, firstOrder, laterOf(c), all);
      expect(
        relDiff(
          got.map((x, i) => x + (v[i] as number) * TRPO.damping),
          want,
        ),
      ).toBeLessThan(1e-4);
      const check = trpoTrial(engine, q2, trial);
      expect(wantKl).toBeGreaterThan(0);
      expect(Math.abs(check.kl - wantKl)).toBeLessThan(1e-4 * wantKl);
      expect(Math.abs(check.surrogate - wantSur)).toBeLessThan(1e-4 * Math.abs(wantSur));

      const fresh = makeEngine(c).engine;
      sampleOnEngine(fresh, c);
      const calls = fresh.wasmCalls;
      const frac = fusedTrpoStep(fresh, fusedProblem(s, c, firstOrder));
      const trials = Math.round(Math.log(frac as number) / Math.log(TRPO.backtrack)) + 1;
      const keeps = objectiveSlots(q2).length;
      expect(fresh.wasmCalls - calls).toBe(1 + keeps + TRPO.cgIters + 1 + trials * (2 * c.inner + 3));
      const stepFused = fresh.theta().map((x, i) => x - (theta[i] as number));
      const [onWasm, onCpu] = [
        await tfjsStep('wasm', s, c, firstOrder, theta),
        await tfjsStep('cpu', s, c, firstOrder, theta),
      ];
      await startBackend('wasm');
      expect(frac).not.toBeNull();
      expect([onWasm.frac, onCpu.frac]).toEqual([frac, frac]);
      // ten conjugate-gradient iterations in f32 amplify rounding: the fused step is held to the
      // spread between trpo.ts's own steps on two tfjs backends (or 1e-4, whichever is larger)
      const spread = relDiff(onCpu.step, onWasm.step);
      expect(relDiff(stepFused, onWasm.step)).toBeLessThan(Math.max(1e-4, 2 * spread));
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('keeps θ when no trial improves the surrogate', () => {
    const { engine, theta } = makeEngine(base);
    const s = sampleOnEngine(engine, base);
    // weights this large put the surrogate before the step below anything a trial reaches
    const q = fusedProblem(s, base, false);
    q.batches = q.batches.map((b) => ({ ...b, weights: new Float32Array(b.weights.length).fill(1e9) }));
    expect(fusedTrpoStep(engine, q)).toBeNull();
    expect(engine.theta()).toEqual(theta);
  });

  it('the mean objective steps elsewhere than the last step’s, on the same data', () => {
    const c = { ...base, inner: 2, alpha: 0.3 };
    const steps = [false, true].map((allSteps) => {
      const { engine, theta } = makeEngine(c);
      const s = sampleOnEngine(engine, c);
      expect(fusedTrpoStep(engine, { ...fusedProblem(s, c, false), allSteps })).not.toBeNull();
      return engine.theta().map((x, i) => x - (theta[i] as number));
    });
    expect(relDiff(steps[1] as Float32Array, steps[0] as Float32Array)).toBeGreaterThan(0.05);
  });
});

describe.each([
  ['one step', '', 3, 1e-2],
  // with two inner steps a TRPO step's direction is less well conditioned (trpo.ts's own steps on
  // the wasm and cpu backends differ by up to 6.5% in the cases above) and its differences grow
  // through the later iterations' rollouts (θ 17% apart after three iterations at two steps,
  // either objective): one iteration, held to 5%
  ['two steps at α then α/2, mean objective', '&inner=2&rates=halved&metaobj=mean', 1, 5e-2],
])('TRPO runs on the fused engine, %s', (_name, extra, iterations, tolerance) => {
  const link = `task=nav2d&hidden=8,8&batch=3&trajs=10&metaopt=trpo&seed=6${extra}`;
  const config = parseExperiment(link).config;
  const run = (engine: 'fused' | 'tfjs') =>
    familyOf('nav2d').createRun(config, { engine, pretrained: true }) as Nav2dRun;
  const losses = async (l: StepLosses): Promise<number[]> => {
    const out = [(await l.meta.data())[0] as number, (await l.pretrained!.data())[0] as number];
    tf.dispose([l.meta, l.pretrained as tf.Tensor]);
    return out;
  };

  it('trains on the fused engine: the returns of a few iterations as tfjs, no refusal', async () => {
    const before = tf.memory().numTensors;
    const [a, ref] = [run('fused'), run('tfjs')];
    expect([a.engine, a.fallbackReason]).toEqual(['fused', null]);
    await expect(a.prepare()).resolves.toBeUndefined();
    for (let s = 0; s < iterations; s++) {
      const [got, want] = [await losses(a.step()), await losses((await ref.stepAsync?.()) as StepLosses)];
      expect(relDiff(got, want)).toBeLessThan(1e-4);
    }
    // θ's change over the iterations: each step agrees within the spread of tfjs's own backends
    // (above), and the rollouts of later iterations see those differences
    const change = async (r: Nav2dRun) => (await r.learner.theta.data()).map((x, i) => x - a.theta0[i]!);
    const [da, dr] = [await change(a), await change(ref)];
    expect(ref.streamState()).toEqual(a.streamState());
    expect(relDiff(da, dr)).toBeLessThan(tolerance);
    // the objective reaches the engine: with one inner step the two objectives are one, with two
    // the other objective moves θ elsewhere (81% apart here), far beyond the tolerance
    const other = familyOf('nav2d').createRun(
      { ...config, metaobj: config.metaobj === 'mean' ? 'last' : 'mean' },
      { engine: 'fused', pretrained: true },
    ) as Nav2dRun;
    for (let s = 0; s < iterations; s++) await losses(other.step());
    const apart = relDiff(await change(other), da);
    if (config.inner === 1) expect(apart).toBe(0);
    else expect(apart).toBeGreaterThan(10 * tolerance);
    other.dispose();
    a.dispose();
    ref.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a run restored from an exported state continues to the same bits', async () => {
    const a = run('fused');
    await losses(a.step());
    const saved = await a.exportState();
    const c = run('fused');
    c.restoreState(saved);
    for (let k = 0; k < 2; k++) expect(await losses(c.step())).toEqual(await losses(a.step()));
    const [sa, sc] = [await a.exportState(), await c.exportState()];
    expect(sc.theta).toEqual(sa.theta);
    expect(sc.pretrained).toEqual(sa.pretrained);
    expect(sc.stream).toEqual(sa.stream);
    a.dispose();
    c.dispose();
  });
});
