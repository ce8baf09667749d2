import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperiment, type Experiment } from '../src/core/experiment';
import { classBatchTensors } from '../src/core/families/glyphs/classification';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { classInnerPaths } from '../src/core/families/glyphs/thetaView';
import { batchTensors } from '../src/core/families/regression/evaluate';
import { createRegressionRun } from '../src/core/families/regression/lookup';
import type { RegressionRun } from '../src/core/families/regression/run';
import { adaptationCurve, type InnerRate, type StepRates } from '../src/core/meta/innerLoop';
import type { MetaLearner } from '../src/core/meta/learners';
import { LossLandscape } from '../src/core/projection';
import { glyphThetaModel } from '../src/worker/families/glyphTheta';
import { regressionThetaModel } from '../src/worker/families/regressionTheta';
import type { FromWorker } from '../src/worker/protocol';
import type { ThetaViewModel } from '../src/worker/theta/model';
import { ThetaView } from '../src/worker/theta/view';
import { startBackend } from './helpers';

type ThetaReport = Extract<FromWorker, { kind: 'theta' }>;

async function train(run: { step(): { meta: tf.Scalar; pretrained: tf.Scalar | null } }, n: number) {
  for (let i = 0; i < n; i++) {
    const l = run.step();
    tf.dispose([l.meta, ...(l.pretrained ? [l.pretrained] : [])]);
  }
}

/** One θ report of the view, on MAML's θ. */
async function report(model: ThetaViewModel, config: Experiment): Promise<ThetaReport> {
  const posted: FromWorker[] = [];
  const view = new ThetaView(
    (m) => posted.push(m),
    (fn) => fn(),
  );
  await view.report(model, config, null, false);
  view.clear();
  const r = posted.find((m) => m.kind === 'theta');
  if (r?.kind !== 'theta') throw new Error('no θ report');
  return r;
}

/** The shown tasks' query MSE after 0..steps inner steps from the run's θ with `rate`. */
async function regressionLosses(
  run: RegressionRun,
  config: Experiment,
  rate: InnerRate | StepRates,
  steps: number,
): Promise<Float32Array> {
  const b = batchTensors(regressionThetaModel(run).sampleShown(config));
  const curve = adaptationCurve(run.model, run.learner.theta, rate, b.xs, b.ys, b.xq, b.yq, steps);
  const out = (await curve.data()) as Float32Array;
  tf.dispose([curve, b.xs, b.ys, b.xq, b.yq]);
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('the θ view’s inner paths step with the rates the algorithm learned', () => {
  it('MAML++: step s of a path uses the learned rates of step s (as evaluation does), not α', async () => {
    await startBackend('cpu');
    // a large β moves the rates far from α within a few meta-steps
    const config: Experiment = { ...parseExperiment('algo=mamlpp&inner=2&batch=3&beta=0.02').config };
    const run = createRegressionRun(config) as RegressionRun;
    await train(run, 8);
    const rates = run.learner.stepRates()!;
    const r = await report(regressionThetaModel(run), config);
    expect(r.paths.steps).toBe(2);
    expect(r.rate).toContain('MAML++');
    const learned = await regressionLosses(run, config, rates, 2);
    const plain = await regressionLosses(run, config, config.alpha, 2);
    expect(maxDiff(r.paths.losses, learned)).toBeLessThan(1e-5);
    // the α paths are measurably elsewhere: the test can tell the two apart
    expect(maxDiff(r.paths.losses, plain)).toBeGreaterThan(1e-3);
    run.dispose();
  });

  it('Meta-SGD: the paths adapt with the learned per-parameter α', async () => {
    await startBackend('cpu');
    const config: Experiment = { ...parseExperiment('algo=metasgd&inner=2&batch=3&beta=0.02').config };
    const run = createRegressionRun(config) as RegressionRun;
    await train(run, 8);
    const r = await report(regressionThetaModel(run), config);
    const learned = await regressionLosses(run, config, run.learner.alphaVec!, 2);
    const plain = await regressionLosses(run, config, config.alpha, 2);
    expect(maxDiff(r.paths.losses, learned)).toBeLessThan(1e-5);
    expect(maxDiff(r.paths.losses, plain)).toBeGreaterThan(1e-3);
    run.dispose();
  });

  it('MAML++: the landscape’s meta-objective adapts with the learned rates of each step', async () => {
    await startBackend('cpu');
    const config: Experiment = { ...parseExperiment('algo=mamlpp&inner=2&batch=3&beta=0.02').config };
    const run = createRegressionRun(config) as RegressionRun;
    await train(run, 8);
    const b = batchTensors(regressionThetaModel(run).sampleShown(config));
    const theta = (await run.learner.theta.data()) as Float32Array;
    const p = theta.length;
    const basis = {
      origin: theta,
      d1: Float32Array.from({ length: p }, (_, i) => (i === 0 ? 1 : 0)),
      d2: Float32Array.from({ length: p }, (_, i) => (i === 1 ? 1 : 0)),
    };
    const centreLoss = async (rate: InnerRate | StepRates): Promise<number> => {
      const land = new LossLandscape({
        model: run.model,
        basis,
        centre: theta,
        batch: b,
        rate,
        steps: 2,
        span: 0.1,
        resolution: 3,
      }).computeAll();
      const post = land.post[4] as number;
      land.dispose();
      return post;
    };
    const before = tf.memory().numTensors;
    const learned = await centreLoss(run.learner.stepRates()!);
    expect(tf.memory().numTensors).toBe(before);
    const curve = adaptationCurve(
      run.model,
      run.learner.theta,
      run.learner.stepRates()!,
      b.xs,
      b.ys,
      b.xq,
      b.yq,
      2,
    );
    const perTask = (await curve.data()) as Float32Array;
    const mean = (perTask[2]! + perTask[5]! + perTask[8]! + perTask[11]!) / 4;
    expect(learned).toBeCloseTo(mean, 4);
    expect(Math.abs(learned - (await centreLoss(config.alpha)))).toBeGreaterThan(1e-3);
    tf.dispose([curve, b.xs, b.ys, b.xq, b.yq]);
    run.dispose();
  });

  it('glyph MAML++: the paths use each step’s learned rates (and the per-step batch-norm sets)', async () => {
    await startBackend('wasm');
    const q =
      'task=glyphs&algo=mamlpp&ways=3&k=1&query=2&batch=2&filters=4&inner=2&msl=3&firstOrder=2&span=6&beta=0.05';
    const config = parseExperiment(q).config;
    const run = new GlyphRun(config);
    await train(run, 4);
    const model = glyphThetaModel(run);
    const r = await report(model, config);
    const steps = r.paths.steps;
    const b = classBatchTensors(model.sampleShown(config));
    const learner = run.learner as MetaLearner<unknown, unknown>;
    const lossesWith = async (rate: InnerRate | StepRates) => {
      const paths = classInnerPaths(run.model, learner.theta, b, rate, steps);
      const out = (await paths.loss.data()) as Float32Array;
      tf.dispose([paths.thetas, paths.loss, paths.accuracy]);
      return out;
    };
    const learned = await lossesWith(learner.stepRates()!);
    const plain = await lossesWith(config.alpha);
    expect(maxDiff(r.paths.losses, learned)).toBeLessThan(1e-4);
    expect(maxDiff(r.paths.losses, plain)).toBeGreaterThan(1e-3);
    tf.dispose([b.xs, b.ys, b.xq, b.yq]);
    run.dispose();
  });
});
