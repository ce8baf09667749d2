import { expect, test } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_EXPERIMENT, type Experiment } from '../src/core/experiment';
import type { RegressionRun } from '../src/core/families/regression/run';
import { createRegressionRun } from '../src/core/families/regression/lookup';
import type { FromWorker, ViewTask } from '../src/worker/protocol';
import { transferablesOf } from '../src/worker/protocol';
import { runFromSnapshot, takeSnapshot } from '../src/worker/runState';
import { regressionThetaModel, SHOWN_TASKS } from '../src/worker/families/regressionTheta';
import { ThetaView } from '../src/worker/theta/view';

// The worker's parameter-space host, driven in Node the way the training host drives it (tfjs cpu).

const config = (over: Partial<Experiment> = {}): Experiment => ({
  ...DEFAULT_EXPERIMENT,
  hidden: [8, 8],
  batch: 10,
  ...over,
});

const task: ViewTask = {
  id: 7,
  // a sinusoid task: amplitude, phase, frequency
  params: Float32Array.from([2, 0.5, 1]),
  xs: Float32Array.from([-3, -1, 0.5, 2, 4]),
  ys: Float32Array.from([-3, -1, 0.5, 2, 4].map((x) => 2 * Math.sin(x - 0.5))),
  steps: 3,
};

type ThetaMsg = Extract<FromWorker, { kind: 'theta' }>;

function setup(over: Partial<Experiment> = {}) {
  const cfg = config(over);
  const run = createRegressionRun(cfg);
  const posts: FromWorker[] = [];
  const view = new ThetaView(
    (m) => posts.push(m),
    (fn) => fn(),
  );
  const thetas = (kind: 'theta' | 'landscape' | 'landscapeProgress') => posts.filter((m) => m.kind === kind);
  const lastTheta = () => thetas('theta').at(-1) as ThetaMsg;
  /** training steps as the host takes them: capture after each, read back after each chunk */
  const train = async (steps: number, chunk = 16) => {
    for (let i = 0; i < steps; i++) {
      const l = run.step();
      tf.dispose([l.meta, ...(l.pretrained ? [l.pretrained] : [])]);
      view.capture(regressionThetaModel(run));
      if ((i + 1) % chunk === 0) await view.flush();
    }
    await view.flush();
  };
  return { cfg, run, view, posts, thetas, lastTheta, train };
}

test.beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

test('snapshots every step from θ₀, the plane, the current θ and the paths of the displayed tasks', async () => {
  const { cfg, run, view, lastTheta, train } = setup();
  await view.report(regressionThetaModel(run), cfg, task, false);
  expect(lastTheta().count).toBe(1);
  await train(40);
  await view.report(regressionThetaModel(run), cfg, task, false);
  const r = lastTheta();
  expect(r.subject).toBe('maml');
  expect(Array.from(r.steps)).toEqual(Array.from({ length: 41 }, (_, i) => i));
  expect(r.coords.length).toBe(2 * 41);
  expect(r.rank).toBe(2);
  expect(r.explained[0]).toBeGreaterThan(r.explained[1]);
  // the current θ is the newest snapshot, and both are the projection of the learner's θ
  const theta = (await run.learner.theta.data()) as Float32Array;
  expect(r.current[0]).toBeCloseTo(r.coords[80] as number, 4);
  expect(r.current[1]).toBeCloseTo(r.coords[81] as number, 4);
  // the task view's task first, then the fixed ones; every path starts at θ
  expect(r.viewTaskId).toBe(7);
  expect(r.paths.tasks).toBe(1 + SHOWN_TASKS);
  expect(r.paths.steps).toBe(3);
  expect(r.paths.coords.length).toBe((1 + SHOWN_TASKS) * 4 * 2);
  expect(r.paths.losses.every(Number.isFinite)).toBe(true);
  for (let t = 0; t < r.paths.tasks; t++) {
    expect(r.paths.coords[t * 8] as number).toBeCloseTo(r.current[0], 4);
    expect(r.paths.coords[t * 8 + 1] as number).toBeCloseTo(r.current[1], 4);
  }
  expect(Array.from(r.taskParams.subarray(0, 2))).toEqual([2, 0.5]);
  expect(r.rate).toBe('α = 0.01');
  expect(r.random).toBeNull();
  expect(theta.length).toBe(r.numParams);
  // every array posted owns its buffer: transferring it detaches nothing the worker keeps
  for (const b of transferablesOf(r)) expect(b.byteLength).toBeGreaterThan(0);
  for (const a of [r.steps, r.coords, r.taskParams, r.paths.coords, r.paths.losses])
    expect(a.byteLength).toBe(a.buffer.byteLength);
  run.dispose();
});

test('a long run is thinned to the buffer, switching to the pretrained trajectory and the random paths', async () => {
  const { cfg, run, view, lastTheta, train } = setup({ batch: 5 });
  await view.report(regressionThetaModel(run), cfg, task, false);
  await train(300, 64);
  await view.report(regressionThetaModel(run), cfg, task, true);
  const r = lastTheta();
  expect(r.count).toBeLessThanOrEqual(256);
  expect(r.count).toBeGreaterThan(128);
  expect(r.interval).toBe(2);
  expect(r.steps[0]).toBe(0);
  expect(r.steps[r.count - 1]).toBe(300);

  view.setView('pretrained', true);
  view.applyView();
  await view.report(regressionThetaModel(run), cfg, task, false);
  const p = lastTheta();
  expect(p.subject).toBe('pretrained');
  expect(p.count).toBe(r.count);
  const pre = (await run.pretrainer?.theta.data()) as Float32Array;
  expect(p.current[0]).toBeCloseTo(p.coords[2 * p.count - 2] as number, 4);
  expect(pre.length).toBe(p.numParams);
  // the random initialisation's paths start where the seed's θ₀ projects
  expect(p.random?.tasks).toBe(1 + SHOWN_TASKS);
  expect(p.random?.start[0]).toBeCloseTo(p.coords[0] as number, 4);
  expect(p.random?.start[1]).toBeCloseTo(p.coords[1] as number, 4);

  view.clear();
  await view.report(regressionThetaModel(run), cfg, task, false);
  expect(lastTheta().count).toBe(1);
  run.dispose();
});

test('a fast run coarsens both trails (evenly spaced) so their upkeep stays small; a slow one does not', async () => {
  const { cfg, run, view, lastTheta, train } = setup({ batch: 5 });
  await view.report(regressionThetaModel(run), cfg, task, false);
  await train(64, 64); // θ₀ and 64 steps: 65 snapshots
  // a chunk trained at 500,000 steps/s: the interval doubles until (rate / interval) · length · P
  // · 2 trails fits 40M multiply-adds a second, or fewer than 32 snapshots are left
  await view.flush(500_000);
  await view.report(regressionThetaModel(run), cfg, task, false);
  const r = lastTheta();
  const steps = Array.from(r.steps);
  expect(r.interval).toBe(4);
  // every 4th step from θ₀ to the current one (65 → 33 → 17 snapshots)
  expect(steps).toEqual(Array.from({ length: 17 }, (_, i) => 4 * i));
  view.setView('pretrained', false);
  view.applyView();
  await view.report(regressionThetaModel(run), cfg, task, false);
  expect(Array.from(lastTheta().steps)).toEqual(steps);
  // a slow chunk leaves the schedule alone
  const slow = setup();
  await slow.view.report(regressionThetaModel(slow.run), slow.cfg, task, false);
  await slow.train(40, 40);
  await slow.view.flush(15);
  await slow.view.report(regressionThetaModel(slow.run), slow.cfg, task, false);
  expect(slow.lastTheta().interval).toBe(1);
  expect(slow.lastTheta().count).toBe(41);
  run.dispose();
  slow.run.dispose();
});

test('an algorithm switch keeps the trajectory going; Meta-SGD adapts with its learned α', async () => {
  const { cfg, run, view, posts, train } = setup();
  await view.report(regressionThetaModel(run), cfg, null, false);
  await train(10);
  // the host switches algorithm by rebuilding the run from a snapshot of θ, without a rewind
  const next = { ...cfg, algo: 'metasgd' as const };
  const switched = runFromSnapshot(next, { ...(await takeSnapshot(run)), alpha: null }) as RegressionRun;
  run.dispose();
  for (let i = 0; i < 10; i++) {
    const l = switched.step();
    tf.dispose([l.meta, ...(l.pretrained ? [l.pretrained] : [])]);
    view.capture(regressionThetaModel(switched));
  }
  await view.flush();
  await view.report(regressionThetaModel(switched), next, null, false);
  const r = posts.filter((m) => m.kind === 'theta').at(-1) as ThetaMsg;
  expect(Array.from(r.steps)).toEqual(Array.from({ length: 21 }, (_, i) => i));
  expect(r.rate).toContain('learned per-parameter α');
  expect(r.viewTaskId).toBeNull();
  expect(r.paths.tasks).toBe(SHOWN_TASKS);
  // without a task view task the paths take the trained number of inner steps (at least one)
  expect(r.paths.steps).toBe(Math.max(1, next.inner));
  switched.dispose();
});

for (const algo of ['fomaml', 'reptile'] as const) {
  test(`${algo}: the trajectory and paths at the fixed inner learning rate`, async () => {
    const { cfg, run, view, lastTheta, train } = setup({ algo });
    await view.report(regressionThetaModel(run), cfg, task, false);
    await train(5);
    await view.report(regressionThetaModel(run), cfg, task, false);
    const r = lastTheta();
    expect(r.count).toBe(6);
    expect(r.rate).toBe('α = 0.01');
    expect(r.paths.coords.every(Number.isFinite)).toBe(true);
    run.dispose();
  });
}

test('the landscape is computed a chunk at a time, reports progress, and frees its tensors', async () => {
  const { cfg, run, view, posts, lastTheta, train } = setup();
  await view.report(regressionThetaModel(run), cfg, task, false);
  await train(20);
  await view.report(regressionThetaModel(run), cfg, task, false);
  const before = tf.memory().numTensors;
  view.requestLandscape(3, 5);
  let calls = 0;
  while (view.landscapeActive) {
    await view.landscapeStep(regressionThetaModel(run), cfg, false);
    calls++;
  }
  expect(calls).toBeGreaterThan(2);
  const progress = posts.filter((m) => m.kind === 'landscapeProgress');
  expect(progress.at(0)).toMatchObject({ id: 3, done: 0 });
  const lastProgress = progress.at(-1) as Extract<FromWorker, { kind: 'landscapeProgress' }>;
  expect(lastProgress.done).toBe(lastProgress.total);
  const land = posts.find((m) => m.kind === 'landscape') as Extract<FromWorker, { kind: 'landscape' }>;
  expect(land.id).toBe(3);
  expect(land.resolution).toBe(5);
  expect(land.pre.length).toBe(25);
  expect(land.post.every(Number.isFinite)).toBe(true);
  // θ sits at the grid's centre
  expect(land.x[2] as number).toBeCloseTo(lastTheta().current[0], 4);
  expect(land.y[2] as number).toBeCloseTo(lastTheta().current[1], 4);
  expect(land.centre[0]).toBeCloseTo(lastTheta().current[0], 4);
  expect(tf.memory().numTensors).toBe(before);

  // a reset in the middle of a landscape cancels it without leaking
  view.requestLandscape(4, 9);
  await view.landscapeStep(regressionThetaModel(run), cfg, false);
  await view.landscapeStep(regressionThetaModel(run), cfg, false);
  view.clear();
  expect(view.landscapeActive).toBe(false);
  expect(tf.memory().numTensors).toBe(before);

  // captured θ that is never read back (a diverged chunk) is freed too
  const l = run.step();
  tf.dispose([l.meta, ...(l.pretrained ? [l.pretrained] : [])]);
  view.capture(regressionThetaModel(run));
  expect(tf.memory().numTensors).toBeGreaterThan(before);
  view.discardCaptures();
  expect(tf.memory().numTensors).toBe(before);
  run.dispose();
});
