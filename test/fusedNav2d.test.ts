import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFusedNav2d } from '../src/core/engines/fusedNav2d/wasmModule';
import { actionNoise, HORIZON, rollout, sampleGoals } from '../src/core/families/nav2d/env';
import { pgInnerStep, type PgBatch } from '../src/core/families/nav2d/metaGradient';
import { perTask } from '../src/core/families/nav2d/policy';
import { readSync } from '../src/core/families/nav2d/reads';
import { Rng } from '../src/core/random';
import { dot, relDiff, startBackend } from './helpers';
import {
  fusedObjective,
  makeEngine,
  sampleOnEngine,
  tfjsBatches,
  tfjsMetaGradient,
  laterOf,
  type Case,
} from './fusedNav2dReference';

beforeAll(async () => {
  await startBackend('wasm');
  await loadFusedNav2d();
});

const base: Case = { hidden: [6, 5], tasks: 3, trajs: 2, inner: 1, alpha: 0.1, seed: 4 };

describe('fused 2-D navigation engine: the meta-gradient equals the tfjs one', () => {
  const cases: [string, Partial<Case>][] = [
    ['meta-batch 1, one step', { tasks: 1 }],
    ['meta-batch 3, one step', {}],
    ['meta-batch 1, two steps', { tasks: 1, inner: 2 }],
    ['meta-batch 3, two steps', { inner: 2 }],
    ['meta-batch 3, two steps at α then α/2', { inner: 2, later: 0.05 }],
    ['meta-batch 2, three steps at α then α/2', { tasks: 2, inner: 3, later: 0.05 }],
    ['meta-batch 3, one step, mean objective', { allSteps: true }],
    ['meta-batch 3, two steps at α then α/2, mean objective', { inner: 2, later: 0.05, allSteps: true }],
    [
      'meta-batch 2, three steps at α then α/2, mean objective',
      { tasks: 2, inner: 3, later: 0.05, allSteps: true },
    ],
  ];
  for (const [name, over] of cases) {
    for (const firstOrder of [false, true]) {
      it(`${name}, ${firstOrder ? 'FOMAML' : 'second order'}`, () => {
        const c = { ...base, ...over };
        const { engine, theta } = makeEngine(c);
        const s = sampleOnEngine(engine, c);
        const all = c.allSteps ?? false;
        const fused = engine.meta(
          c.inner,
          c.tasks,
          c.trajs,
          c.alpha,
          firstOrder,
          0.01,
          false,
          laterOf(c),
          all,
        );
        const before = tf.memory().numTensors;
        const ref = tfjsMetaGradient(theta, s, c, firstOrder);
        expect(tf.memory().numTensors).toBe(before);
        expect(relDiff(fused.grad, ref.grad)).toBeLessThan(1e-4);
        expect(Math.abs(fused.value - ref.value)).toBeLessThan(1e-4 * Math.abs(ref.value));
      });
    }
  }

  it('the mean objective differs from the last step’s with two steps and equals it with one', () => {
    const meta = (c: Case) => {
      const { engine } = makeEngine(c);
      sampleOnEngine(engine, c);
      const last = engine.meta(c.inner, c.tasks, c.trajs, c.alpha, false, 0.01, false, c.alpha, false);
      const mean = engine.meta(c.inner, c.tasks, c.trajs, c.alpha, false, 0.01, false, c.alpha, true);
      return { last, mean };
    };
    const one = meta(base);
    expect(Array.from(one.mean.grad)).toEqual(Array.from(one.last.grad));
    expect(one.mean.value).toBe(one.last.value);
    const two = meta({ ...base, inner: 2 });
    expect(relDiff(two.mean.grad, two.last.grad)).toBeGreaterThan(1e-2);
  });

  it('second order is distinguishable from first order', () => {
    const c = { ...base, inner: 2 };
    const { engine } = makeEngine(c);
    sampleOnEngine(engine, c);
    const second = engine.meta(c.inner, c.tasks, c.trajs, c.alpha, false, 0.01, false).grad;
    const first = engine.meta(c.inner, c.tasks, c.trajs, c.alpha, true, 0.01, false).grad;
    expect(relDiff(first, second)).toBeGreaterThan(1e-2);
  });
});

describe('fused 2-D navigation engine: rollouts and inner steps', () => {
  it('samples the trajectories tfjs samples from the same noise', () => {
    const c = { ...base, tasks: 3, trajs: 4 };
    const { engine, theta } = makeEngine(c);
    const goals = sampleGoals(new Rng(9, 'goals'), c.tasks);
    const th = tf.tensor1d(theta);
    const ref = readSync(rollout(th, c.hidden, goals, c.trajs, new Rng(9, 'noise')));
    engine.setGoals(goals);
    engine.broadcast(0, 'meta', c.tasks);
    const noise = actionNoise(new Rng(9, 'noise'), HORIZON * c.tasks * c.trajs * 2);
    const got = engine.rollout(0, 0, noise, c.tasks, c.trajs);
    expect(relDiff(got.obs, ref.obsData)).toBeLessThan(1e-5);
    expect(relDiff(got.act, ref.act.dataSync())).toBeLessThan(1e-5);
    expect(relDiff(got.rewards, ref.rewards)).toBeLessThan(1e-5);
    expect(got.alive).toEqual(ref.alive);
    tf.dispose([th, ref.obs, ref.act]);
  });

  it('takes the inner step tfjs takes, every task', () => {
    const c = { ...base, inner: 2 };
    const { engine, theta } = makeEngine(c);
    const s = sampleOnEngine(engine, c);
    const batches = tfjsBatches(s, c);
    let p: tf.Tensor2D = perTask(tf.tensor1d(theta), c.tasks);
    for (let k = 0; k < c.inner; k++) {
      const next = pgInnerStep(p, c.hidden, batches[k] as PgBatch, c.alpha);
      p.dispose();
      p = next;
      const want = p.arraySync();
      for (let t = 0; t < c.tasks; t++) {
        expect(relDiff(engine.slotTheta(k + 1, t), want[t] as number[])).toBeLessThan(1e-5);
      }
    }
    p.dispose();
    for (const b of batches) tf.dispose([b.obs, b.act, b.weights, b.live]);
  });

  it('its comparison helper fails on a length mismatch', () => {
    expect(() => relDiff(new Float32Array(3), new Float32Array(4))).toThrow();
  });
});

describe('fused 2-D navigation engine: finite differences', () => {
  for (const [inner, alpha, allSteps] of [
    [1, 0.5, false],
    [2, 0.2, false],
    [3, 0.2, true],
  ] as const) {
    const what = allSteps ? ', mean objective' : '';
    it(`the meta-gradient is the objective's derivative (${inner} inner steps${what})`, () => {
      const c = { ...base, hidden: [5], inner, alpha, allSteps };
      const { engine, theta } = makeEngine(c);
      sampleOnEngine(engine, c);
      const second = engine.meta(
        c.inner,
        c.tasks,
        c.trajs,
        c.alpha,
        false,
        0.01,
        false,
        alpha,
        allSteps,
      ).grad;
      const first = engine.meta(c.inner, c.tasks, c.trajs, c.alpha, true, 0.01, false, alpha, allSteps).grad;
      const rng = new Rng(2, 'direction');
      const raw = Float32Array.from(theta, () => rng.normal());
      const norm = Math.sqrt(dot(raw, raw));
      const v = raw.map((x) => x / norm);
      // small: the surrogate has a ReLU kink at every sample, so its pieces are short
      const eps = 3e-4;
      const at = (sign: number) =>
        fusedObjective(
          engine,
          c,
          theta.map((x, i) => x + sign * eps * (v[i] as number)),
        );
      const fd = (at(1) - at(-1)) / (2 * eps);
      const errSecond = Math.abs(fd - dot(second, v));
      const errFirst = Math.abs(fd - dot(first, v));
      expect(errSecond).toBeLessThan(0.01 * Math.abs(fd));
      expect(errFirst).toBeGreaterThan(0.05 * Math.abs(fd));
    });
  }
});
