import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment, type Experiment } from '../src/core/experiment';
import { familyOf } from '../src/core/families/registry';
import { adaptOnGoal, clampGoal } from '../src/core/families/nav2d/arena';
import { HORIZON } from '../src/core/families/nav2d/env';
import { initPolicy } from '../src/core/families/nav2d/policy';
import { readAsync } from '../src/core/families/nav2d/reads';
import { policyPaths, PolicyLandscape } from '../src/core/families/nav2d/thetaView';
import { Rng } from '../src/core/random';
import type { FamilyRun } from '../src/core/families/family';
import type { Nav2dRun } from '../src/core/families/nav2d/run';
import type { HostServices } from '../src/worker/families/familyWorker';
import type { Nav2dReply } from '../src/worker/families/nav2dMessages';
import { Nav2dWorker } from '../src/worker/families/nav2dWorker';
import { policyThetaModel } from '../src/worker/families/nav2dTheta';
import { probeStep } from '../src/worker/backend';
import type { FromWorker } from '../src/worker/protocol';
import {
  curvePoints,
  learningExtent,
  niceEnd,
  pathLines,
  returnExtent,
  VIEW_HALF,
} from '../src/ui/families/nav2d/arenaView';
import { goalNote, historyPoint, type ReturnsReply } from '../src/ui/families/nav2d/navSlice';
import { navBounds } from '../src/ui/families/nav2d/NavControls';
import { NAV_PHASES, phaseText } from '../src/ui/families/nav2d/NavWalk';
import { due } from '../src/ui/families/nav2d/session';
import { startBackend } from './helpers';

const tiny = () => parseExperiment('task=nav2d&hidden=8&batch=2&trajs=3&seed=5').config;

beforeAll(() => startBackend('wasm'));

describe('2-D navigation page: the arena', () => {
  it('clamps a placed goal to the arena and says so only when it moved', () => {
    expect(clampGoal(0.2, -0.3)).toEqual({ goal: [0.2, -0.3], clamped: false });
    expect(clampGoal(2, -7)).toEqual({ goal: [0.5, -0.5], clamped: true });
    expect(clampGoal(NaN, 0.1)).toEqual({ goal: [0, 0.1], clamped: true });
    expect(goalNote(0.1, 0.1).note).toBeNull();
    expect(goalNote(0.9, 0.1).note).toMatch(/clamped to the arena .* \(0\.50, 0\.10\)/);
  });

  it('adapts once toward a goal: paths start at the origin, move at most 0.1 per axis, no tensors left', async () => {
    const hidden = [8];
    const theta = tf.tensor1d(initPolicy(hidden, Rng.stream(1, 'init')));
    const before = tf.memory().numTensors;
    const run = () => readAsync(adaptOnGoal(theta, hidden, [0.3, -0.2], 4, 0.1, Rng.stream(2, 'arena')));
    const a = await run();
    expect(tf.memory().numTensors).toBe(before);
    const again = await run();
    expect(again.post.points).toEqual(a.post.points);
    for (const p of [a.pre, a.post]) {
      expect(p.trajs).toBe(4);
      expect(p.points.length).toBe(4 * (HORIZON + 1) * 2);
      expect(p.averageReturn).toBeLessThan(0);
      const lines = pathLines(p, HORIZON);
      expect(lines).toHaveLength(4);
      for (const l of lines) {
        expect(l.length).toBeGreaterThan(1);
        expect(l[0]).toEqual([0, 0]);
        for (let t = 1; t < l.length; t++) {
          const [x0, y0] = l[t - 1] as [number, number];
          const [x1, y1] = l[t] as [number, number];
          expect(Math.abs(x1 - x0)).toBeLessThanOrEqual(0.1 + 1e-6);
          expect(Math.abs(y1 - y0)).toBeLessThanOrEqual(0.1 + 1e-6);
        }
      }
    }
    // the step changed the policy: the trajectories after it differ from those before
    expect(a.post.points).not.toEqual(a.pre.points);
    theta.dispose();
  });

  it('draws paths clipped to the drawing and only their recorded points', () => {
    const points = new Float32Array(2 * 3 * 2);
    points.set([0, 0, 0.1, 2, 0.2, 3], 0);
    const lines = pathLines({ points, lengths: Int32Array.from([3, 1]), averageReturn: -1 }, 2);
    expect(lines[0]).toEqual([
      [0, 0],
      [Math.fround(0.1), VIEW_HALF],
      [Math.fround(0.2), VIEW_HALF],
    ]);
    expect(lines[1]).toEqual([[0, 0]]);
  });
});

describe('2-D navigation page: charts and words', () => {
  it('fits the return axis to values and intervals, never above 0', () => {
    expect(returnExtent({})).toEqual([-1, 0]);
    const [lo, hi] = returnExtent({
      maml: { values: [-40, -12], ci95: [3, 2] },
      random: { values: [-45, -44], ci95: [1, NaN] },
    });
    expect(lo).toBeLessThan(-46);
    expect(hi).toBeLessThanOrEqual(0);
    expect(hi).toBeGreaterThan(-10);
    expect(learningExtent([], [])).toEqual([-60, 0]);
    const [a, b] = learningExtent(
      [
        [1, -30],
        [2, NaN],
      ],
      [{ step: 2, maml: -10 }],
    );
    expect(a).toBeLessThan(-30);
    expect(b).toBeGreaterThan(-10);
  });

  it('reads a series without its non-finite values, binned to at most the points asked', () => {
    const s = { length: 3, steps: [1, 2, 3], values: [-5, NaN, -4] };
    expect(curvePoints(s)).toEqual([
      [1, -5],
      [3, -4],
    ]);
    const long = { length: 1000, steps: [...Array(1000).keys()], values: Array<number>(1000).fill(-2) };
    const binned = curvePoints(long, 100);
    expect(binned.length).toBeLessThanOrEqual(100);
    expect(binned.every(([, v]) => v === -2)).toBe(true);
  });

  it("ends the learning curve's x axis at the next 1, 2 or 5 × 10ⁿ", () => {
    expect([1, 3, 10, 11, 150, 200, 201, 499, 501].map(niceEnd)).toEqual([
      1, 5, 10, 20, 200, 200, 500, 500, 1000,
    ]);
  });

  it('keeps the return after one step for the learning curve', () => {
    const r: ReturnsReply = {
      kind: 'navReturns',
      id: 1,
      step: 7,
      tasks: 4,
      trajs: 3,
      curves: {
        maml: { values: [-40, -12, -5, -4], ci95: [1, 1, 1, 1] },
        random: { values: [-41], ci95: [1] },
      },
    };
    expect(historyPoint(r)).toEqual({ step: 7, maml: -12, random: -41 });
  });

  it('asks again only after `every` steps and never while one is pending', () => {
    expect(due(5, null, 3, false)).toBe(true);
    expect(due(5, 3, 3, false)).toBe(false);
    expect(due(6, 3, 3, false)).toBe(true);
    expect(due(9, 3, 3, true)).toBe(false);
  });

  it('bounds its sliders by the family schema and names every phase', () => {
    expect(navBounds('nav2d', 'batch')).toMatchObject({ min: 1, max: 40 });
    expect(navBounds('nav2d', 'trajs')).toMatchObject({ min: 1, max: 100 });
    expect(navBounds('nav2d', 'inner')).toMatchObject({ min: 1, max: 3 });
    const c = tiny();
    const texts = NAV_PHASES.map((_, i) => phaseText(i, null, c));
    expect(new Set(texts).size).toBe(NAV_PHASES.length);
    expect(texts[1]).toContain(`α = ${c.alpha}`);
    expect(phaseText(3, null, { ...c, algo: 'fomaml' })).toMatch(/First-order/);
  });
});

/** A host for the worker part alone: the run, its config, and the replies it posts. */
function hostFor(run: FamilyRun, config: Experiment, posted: FromWorker[]): HostServices {
  return {
    run: () => run,
    config: () => config,
    running: () => false,
    post: (m) => posted.push(m),
    inference: (fn) => fn(),
    usesSideWasm: () => false,
    inferenceBackend: () => 'wasm',
    snapshot: () => Promise.reject(new Error('not used')),
  };
}

describe('2-D navigation page: the worker part', () => {
  it('answers a goal and an evaluation for every initialisation, leaving no tensors', async () => {
    const config = tiny();
    const run = familyOf('nav2d').createRun(config);
    await run.stepAsync?.();
    const posted: FromWorker[] = [];
    const worker = new Nav2dWorker(hostFor(run, config, posted));
    const before = tf.memory().numTensors;
    worker.request({ kind: 'navArena', id: 4, goal: [0.4, 0.1] });
    expect(worker.urgent).toBe(true);
    await worker.evaluate(3, 2, 9);
    while (worker.busy) await worker.work();
    expect(tf.memory().numTensors).toBe(before);
    const replies = posted.flatMap((m) => (m.kind === 'family' ? [m.reply as Nav2dReply] : []));
    const arena = replies.find((r) => r.kind === 'navArena');
    const returns = replies.find((r) => r.kind === 'navReturns');
    if (arena?.kind !== 'navArena' || returns?.kind !== 'navReturns') throw new Error('missing replies');
    expect(arena).toMatchObject({ id: 4, step: 1, goal: [0.4, 0.1], trajs: 3, horizon: HORIZON });
    expect(Object.keys(arena.methods).sort()).toEqual(['maml', 'pretrained', 'random']);
    expect(returns).toMatchObject({ id: 9, step: 1, tasks: 3 });
    for (const c of Object.values(returns.curves)) {
      expect(c.values).toHaveLength(3);
      expect(c.values.every((v) => v < 0)).toBe(true);
    }
    // the evaluation's numbers are the core protocol's (the CLI's table)
    const core = await (run as Nav2dRun).evaluate({ tasks: 3, steps: 2, seed: config.seed });
    expect(returns.curves.random?.values[0]).toBeCloseTo(
      Array.from((core.random as Float32Array).filter((_, i) => i % 3 === 0)).reduce((a, b) => a + b, 0) / 3,
      4,
    );
    // the θ view's report is transferred to the page: its goals must not be the shown goals themselves
    const model = policyThetaModel(run);
    const shown = model.sampleShown(config);
    const described = model.describeShown(shown, null).taskParams;
    expect(described).toEqual(shown);
    expect(described.buffer).not.toBe(shown.buffer);
    worker.request({ kind: 'walk', id: 2, shown: 1 });
    expect(posted.at(-1)).toMatchObject({ kind: 'family', reply: { kind: 'walkFailed', id: 2 } });
    run.dispose();
  });

  it('the backend probes await a run’s stepAsync where it has one (no blocking read-back)', async () => {
    const calls: string[] = [];
    const meta = tf.scalar(1);
    const step = () => (calls.push('step'), { meta, pretrained: null });
    const stepAsync = () => (calls.push('stepAsync'), Promise.resolve({ meta, pretrained: null }));
    await probeStep({ step, stepAsync, dispose: () => undefined });
    await probeStep({ step, dispose: () => undefined });
    expect(calls).toEqual(['stepAsync', 'step']);
    meta.dispose();
  });
});

describe('2-D navigation page: the θ view of a policy', () => {
  const plane = (p: number) => {
    const d1 = new Float32Array(p);
    const d2 = new Float32Array(p);
    d1[0] = 1;
    d2[1] = 1;
    return { origin: new Float32Array(p), d1, d2 };
  };

  it('paths of fixed goals: θ first, one point per inner step, costs of sampled returns, no tensors left', async () => {
    const c = tiny();
    const theta = tf.tensor1d(initPolicy(c.hidden, Rng.stream(1, 'init')));
    const before = tf.memory().numTensors;
    const goals = Float32Array.from([0.3, 0.3, -0.4, 0.1]);
    const s = { hidden: c.hidden, alpha: 0.1, trajs: 3 };
    const basis = plane(theta.shape[0]);
    const got = await readAsync(policyPaths(basis, theta, goals, 2, s, Rng.stream(3, 'paths')));
    expect(tf.memory().numTensors).toBe(before);
    const t0 = theta.dataSync();
    for (let t = 0; t < 2; t++) {
      expect(got.coords[t * 6]).toBeCloseTo(t0[0] as number, 5);
      expect(got.coords[t * 6 + 1]).toBeCloseTo(t0[1] as number, 5);
    }
    expect(got.costs).toHaveLength(6);
    expect(Array.from(got.costs).every((v) => v > 0)).toBe(true);
    // the steps move θ (in these two coordinates too)
    expect(got.coords[4]).not.toBeCloseTo(got.coords[0] as number, 6);

    const land = new PolicyLandscape({
      basis,
      centre: t0 as Float32Array,
      span: 0.5,
      resolution: 3,
      goals,
      settings: s,
      rng: () => Rng.stream(3, 'land'),
    });
    expect(land.chunkCount).toBe(9);
    await land.computeChunkAsync(4);
    await land.computeChunkAsync(0);
    land.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(land.x)).toEqual([t0[0]! - 0.5, t0[0]!, t0[0]! + 0.5].map(Math.fround));
    for (const i of [0, 4]) {
      expect(land.pre[i]).toBeGreaterThan(0);
      expect(land.post[i]).toBeGreaterThan(0);
    }
    expect(land.pre[0]).not.toBe(land.pre[4]);
    expect(Number.isNaN(land.pre[1])).toBe(true);
    theta.dispose();
  });
});
