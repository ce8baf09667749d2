import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { familyOf } from '../src/core/families/registry';
import { advantages } from '../src/core/families/nav2d/advantages';
import { HORIZON, rollout, sampleGoals, STEP_LIMIT } from '../src/core/families/nav2d/env';
import { adaptationReturns, disposeBatch, sampleBatch } from '../src/core/families/nav2d/iteration';
import { metaGradient, pgInnerStep, type PgBatch } from '../src/core/families/nav2d/metaGradient';
import { initPolicy, perTask, policyParamCount } from '../src/core/families/nav2d/policy';
import { readSync } from '../src/core/families/nav2d/reads';
import type { Nav2dRun } from '../src/core/families/nav2d/run';
import { adapted, klHessianVector, meanKl, TRPO } from '../src/core/families/nav2d/trpo';
import { allSteps, laterRate } from '../src/core/families/nav2d/schema';
import { Rng } from '../src/core/random';
import { relDiff, startBackend } from './helpers';

const tiny = () => parseExperiment('task=nav2d&hidden=8&batch=2&trajs=2&beta=0.01&seed=3').config;

beforeAll(() => startBackend('wasm'));

describe('2-D navigation: settings', () => {
  it('has the paper defaults and refuses the algorithms it does not implement', () => {
    const c = parseExperiment('task=nav2d').config;
    expect([c.alpha, c.batch, c.inner, c.trajs, c.hidden]).toEqual([0.5, 20, 1, 20, [100, 100]]);
    expect(familyOf('nav2d').numParams(c)).toBe(2 * 100 + 100 + 100 * 100 + 100 + 100 * 2 + 2 + 2);
    const bad = parseExperiment('task=nav2d&algo=metasgd&trajs=1e9');
    expect(bad.config.algo).toBe('maml');
    expect(bad.warnings.map((w) => w.message).join()).toMatch(
      /algo=metasgd: the navigation policy adapts with one rate α/,
    );
    expect(bad.config.trajs).toBe(100);
    expect(parseExperiment('task=sinusoid&algo=metasgd').config.algo).toBe('metasgd');
  });

  it('rates: α for every training inner step by default, or α then α/2', () => {
    const plain = parseExperiment('task=nav2d&inner=2').config;
    const halved = parseExperiment('task=nav2d&inner=2&rates=halved').config;
    expect([plain.rates, laterRate(plain), halved.rates, laterRate(halved)]).toEqual([
      'alpha',
      0.5,
      'halved',
      0.25,
    ]);
    const bad = parseExperiment('task=nav2d&rates=quartered');
    expect(bad.config.rates).toBe('alpha');
    expect(bad.warnings.length).toBeGreaterThan(0);
  });

  it('metaobj: the last step’s return by default, or the mean over steps (Adam and TRPO)', () => {
    const plain = parseExperiment('task=nav2d&inner=2').config;
    const mean = parseExperiment('task=nav2d&inner=2&metaobj=mean').config;
    const trpo = parseExperiment('task=nav2d&inner=2&metaobj=mean&metaopt=trpo').config;
    expect([plain.metaobj, allSteps(plain), mean.metaobj, allSteps(mean), allSteps(trpo)]).toEqual([
      'last',
      false,
      'mean',
      true,
      true,
    ]);
    const bad = parseExperiment('task=nav2d&metaobj=best');
    expect(bad.config.metaobj).toBe('last');
    expect(bad.warnings.length).toBeGreaterThan(0);
  });
});

describe('2-D navigation: environment', () => {
  it('moves at most 0.1 per axis, rewards minus the distance, ends near the goal, reproducibly', () => {
    const hidden = [8];
    const theta = tf.tensor1d(initPolicy(hidden, new Rng(1, 'init')));
    const goals = sampleGoals(new Rng(1, 'goals'), 3);
    expect(Math.max(...Array.from(goals, Math.abs))).toBeLessThanOrEqual(0.5);
    const a = readSync(rollout(theta, hidden, goals, 4, new Rng(7, 'noise')));
    const b = readSync(rollout(theta, hidden, goals, 4, new Rng(7, 'noise')));
    expect(a.rewards).toEqual(b.rewards);
    expect(a.obsData.length).toBe(3 * 4 * HORIZON * 2);
    for (let i = 0; i < 3 * 4 * HORIZON; i++) {
      const t = i % HORIZON;
      const task = Math.floor(i / (4 * HORIZON));
      if (t === 0) expect([a.obsData[2 * i], a.obsData[2 * i + 1]]).toEqual([0, 0]);
      if (t + 1 < HORIZON && a.alive[i + 1] === 1) {
        const nx = a.obsData[2 * i + 2] as number;
        const ny = a.obsData[2 * i + 3] as number;
        expect(Math.abs(nx - (a.obsData[2 * i] as number))).toBeLessThanOrEqual(STEP_LIMIT + 1e-6);
        const d = Math.hypot(nx - (goals[2 * task] as number), ny - (goals[2 * task + 1] as number));
        expect(a.rewards[i]).toBeCloseTo(-d, 5);
      }
      if (t > 0) expect(a.alive[i]).toBeLessThanOrEqual(a.alive[i - 1] as number);
    }
    const adv = advantages(a.obsData, a.rewards, a.alive, 3, 4);
    for (let task = 0; task < 3; task++) {
      const w = adv.weights.subarray(task * 4 * HORIZON, (task + 1) * 4 * HORIZON);
      expect(Math.abs(w.reduce((s, x) => s + x, 0))).toBeLessThan(1e-5);
    }
    tf.dispose([theta, a.obs, a.act, b.obs, b.act]);
  });
});

/** A small fixed batch of made-up trajectories (the objective is then a deterministic function). */
function fixedBatch(rng: Rng, tasks: number, m: number): PgBatch {
  const draw = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  return {
    obs: tf.tensor3d(draw(tasks * m * 2, 0.3), [tasks, m, 2]),
    act: tf.tensor3d(draw(tasks * m * 2, 1), [tasks, m, 2]),
    weights: tf.tensor2d(draw(tasks * m, 0.2), [tasks, m]),
    live: tf.fill([tasks, m], 1 / m) as tf.Tensor2D,
  };
}

describe('2-D navigation: the meta-gradient', () => {
  it('matches finite differences through the inner step; first order is measurably different', async () => {
    await startBackend('cpu');
    const hidden = [6];
    const rng = new Rng(5, 'fd');
    const pre = fixedBatch(rng, 2, 12);
    const post = fixedBatch(rng, 2, 12);
    const p = policyParamCount(hidden);
    const theta = tf.tensor1d(initPolicy(hidden, new Rng(2, 'init')).map((x, i) => x + 0.05 * Math.sin(i)));
    const v = tf.tidy(() => {
      const raw = tf.tensor1d(Float32Array.from({ length: p }, () => rng.normal()));
      return tf.div(raw, tf.norm(raw)) as tf.Tensor1D;
    });
    const alpha = 0.5;
    const objective = (th: tf.Tensor1D) => metaGradient(th, hidden, [pre], post, alpha, false).value;
    const eps = 1e-3;
    const [fp, fm] = await Promise.all(
      [eps, -eps].map((e) => tf.tidy(() => objective(tf.add(theta, tf.mul(v, e)) as tf.Tensor1D)).data()),
    );
    const fd = ((fp![0] as number) - (fm![0] as number)) / (2 * eps);
    const dir = async (firstOrder: boolean) =>
      (
        await tf
          .tidy(() => tf.sum(tf.mul(metaGradient(theta, hidden, [pre], post, alpha, firstOrder).grad, v)))
          .data()
      )[0] as number;
    const second = await dir(false);
    const first = await dir(true);
    expect(Math.abs(second - fd)).toBeLessThan(0.01 * Math.abs(fd));
    expect(Math.abs(first - fd)).toBeGreaterThan(0.1 * Math.abs(fd));
    tf.dispose([theta, v, ...Object.values(pre), ...Object.values(post)]);
    await startBackend('wasm');
  });
});

async function thetaOf(run: Nav2dRun): Promise<Float32Array> {
  return (await run.learner.theta.data()) as Float32Array;
}

describe('2-D navigation: runs', () => {
  it('same seed same numbers (sync or async reads), skips what a step draws, no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const family = familyOf('nav2d');
    const a = family.createRun(tiny(), { pretrained: true }) as Nav2dRun;
    const b = family.createRun(tiny(), { pretrained: true }) as Nav2dRun;
    for (let s = 0; s < 3; s++) {
      const la = a.step();
      const lb = await b.stepAsync();
      tf.dispose([la.meta, la.pretrained as tf.Tensor, lb.meta, lb.pretrained as tf.Tensor]);
    }
    const skipped = family.createRun(tiny(), { pretrained: true }) as Nav2dRun;
    for (let s = 0; s < 3; s++) skipped.skipBatch();
    expect(skipped.streamState()).toEqual(a.streamState());
    skipped.dispose();
    expect(await thetaOf(a)).toEqual(await thetaOf(b));
    expect(a.streamState()).toEqual(b.streamState());
    expect(relDiff(await thetaOf(a), a.theta0)).toBeGreaterThan(0);
    const report = await a.evaluateReport({ tasks: 3, steps: 1, seed: 9 });
    expect(report.table).toMatch(/pretrained.*random init/);
    expect(Object.keys(report.json)).toEqual(expect.arrayContaining(['maml', 'pretrained', 'random']));
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a run restored from another run’s exported state continues to the same bits', async () => {
    const family = familyOf('nav2d');
    const a = family.createRun(tiny(), { pretrained: true }) as Nav2dRun;
    tf.dispose(Object.values(await a.stepAsync()) as tf.Tensor[]);
    const saved = await a.exportState();
    const c = family.createRun(tiny(), { pretrained: true }) as Nav2dRun;
    c.restoreState(saved);
    for (let k = 0; k < 2; k++) {
      tf.dispose(Object.values(await a.stepAsync()) as tf.Tensor[]);
      tf.dispose(Object.values(await c.stepAsync()) as tf.Tensor[]);
    }
    expect(await thetaOf(c)).toEqual(await thetaOf(a));
    expect((await c.exportState()).pretrained?.theta).toEqual((await a.exportState()).pretrained?.theta);
    expect(c.stepCount).toBe(3);
    a.dispose();
    c.dispose();
  });
});

describe('2-D navigation: the evaluation protocol', () => {
  it('adapts on twice the training trajectories per step, at rate α for the first step and α / 2 after', () => {
    const hidden = [8];
    const theta = tf.tensor1d(initPolicy(hidden, new Rng(5, 'init')));
    const goals = new Float32Array([0.3, -0.2, -0.1, 0.4]);
    const s = { hidden, alpha: 0.5, trajs: 2 };
    const rng = new Rng(7, 'eval');
    const got = readSync(adaptationReturns(theta, goals, 2, s, rng));
    const ref = new Rng(7, 'eval');
    const want: number[][] = [];
    let params: tf.Tensor = theta;
    for (const rate of [0.5, 0.25, null]) {
      const batch = readSync(sampleBatch(params, goals, { ...s, trajs: 4 }, ref));
      want.push(Array.from(batch.returns));
      const p = params;
      if (rate !== null) params = tf.tidy(() => pgInnerStep(perTask(p, 2), hidden, batch.batch, rate));
      if (p !== theta && rate !== null) p.dispose();
      disposeBatch(batch.batch);
    }
    if (params !== theta) params.dispose();
    const byTask = [0, 1].flatMap((t) => want.map((r) => r[t] as number));
    expect(relDiff(got, Float32Array.from(byTask))).toBeLessThan(1e-6);
    expect(rng.state()).toEqual(ref.state());
    theta.dispose();
  });
});

describe('2-D navigation: TRPO', () => {
  it('the KL Hessian-vector product matches the KL’s curvature along v; a TRPO run steps reproducibly', async () => {
    await startBackend('cpu');
    const hidden = [6];
    const rng = new Rng(8, 'trpo');
    const q = {
      hidden,
      pre: [fixedBatch(rng, 2, 12)],
      post: fixedBatch(rng, 2, 12),
      alpha: 0.5,
      firstOrder: false,
    };
    const p = policyParamCount(hidden);
    const theta = tf.tensor1d(initPolicy(hidden, new Rng(2, 'init')));
    const v = tf.tidy(() => {
      const raw = tf.tensor1d(Float32Array.from({ length: p }, () => rng.normal()));
      return tf.div(raw, tf.norm(raw)) as tf.Tensor1D;
    });
    const old = tf.tidy(() => adapted(theta, q));
    const eps = 1e-2;
    const kl = (await tf.tidy(() => meanKl(tf.add(theta, tf.mul(v, eps)), old, q)).data())[0] as number;
    const hv = klHessianVector(theta, old, q, v);
    const vhv = (await tf.tidy(() => tf.sum(tf.mul(v, hv))).data())[0] as number;
    expect(vhv).toBeGreaterThan(0);
    expect(Math.abs((2 * kl) / eps ** 2 - vhv)).toBeLessThan(0.05 * vhv);
    tf.dispose([
      theta,
      v,
      hv,
      ...Object.values(old),
      ...q.pre.flatMap(Object.values),
      ...Object.values(q.post),
    ]);
    await startBackend('wasm');
    const before = tf.memory().numTensors;
    const config = { ...tiny(), metaopt: 'trpo' as const };
    const runs = [0, 1].map(() => familyOf('nav2d').createRun(config, { pretrained: false }) as Nav2dRun);
    for (const run of runs)
      for (let s = 0; s < 2; s++) tf.dispose(Object.values(await run.stepAsync()) as tf.Tensor[]);
    const [a, b] = await Promise.all(runs.map(thetaOf));
    expect(a).toEqual(b);
    expect(relDiff(a!, runs[0]!.theta0)).toBeGreaterThan(0);
    expect(TRPO.maxKl).toBe(0.01);
    runs.forEach((r) => r.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('mean objective: the KL over every step’s policy, its Hessian-vector product its curvature', async () => {
    await startBackend('cpu');
    const hidden = [6];
    const rng = new Rng(9, 'trpo-mean');
    const q = {
      hidden,
      pre: [fixedBatch(rng, 2, 12), fixedBatch(rng, 2, 12)],
      post: fixedBatch(rng, 2, 12),
      alpha: 0.4,
      later: 0.2,
      firstOrder: false,
      allSteps: true,
    };
    const theta = tf.tensor1d(initPolicy(hidden, new Rng(4, 'init')));
    const v = tf.tidy(() => {
      const raw = tf.tensor1d(Float32Array.from({ length: theta.size }, () => rng.normal()));
      return tf.div(raw, tf.norm(raw)) as tf.Tensor1D;
    });
    const old = tf.tidy(() => adapted(theta, q));
    expect(old.length).toBe(2);
    const eps = 1e-2;
    const moved = tf.tidy(() => tf.add(theta, tf.mul(v, eps)));
    const klOf = (qq: typeof q) =>
      tf.tidy(() => meanKl(moved, qq === q ? old : adapted(theta, qq), qq).dataSync()[0]!);
    const kl = klOf(q);
    // the mean of the two steps' KLs: each step's alone, as the last step's objective reads it
    const last = klOf({ ...q, allSteps: false });
    const firstStep = klOf({ ...q, pre: q.pre.slice(0, 1), post: q.pre[1]!, allSteps: false });
    expect(Math.abs(kl - (last + firstStep) / 2)).toBeLessThan(1e-5 * kl);
    const hv = klHessianVector(theta, old, q, v);
    const vhv = tf.tidy(() => tf.sum(tf.mul(v, hv)).dataSync()[0]!);
    expect(vhv).toBeGreaterThan(0);
    expect(Math.abs((2 * kl) / eps ** 2 - vhv)).toBeLessThan(0.05 * vhv);
    tf.dispose([theta, v, hv, moved, ...old.flatMap(Object.values), ...q.pre.flatMap(Object.values)]);
    tf.dispose(Object.values(q.post));
    await startBackend('wasm');
  });
});
