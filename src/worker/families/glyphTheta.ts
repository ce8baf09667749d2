/**
 * The glyph classifier's side of the parameter-space view, on the conv net's budget
 * (`GLYPH_THETA`): MAML's θ only (the pretrained baseline is a C-way network, not a point of this
 * space), three fixed held-out tasks adapted with the meta-learner's own inner step, a coarse
 * landscape one grid point at a time, and reports a few seconds apart. `GlyphThetaPart` is what
 * the glyph worker part calls, so that part stays about its lab.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../core/experiment';
import { classBatchTensors } from '../../core/families/glyphs/classification';
import type { GlyphBatch, GlyphTaskSpec } from '../../core/families/glyphs/data/sampler';
import type { GlyphRun } from '../../core/families/glyphs/run';
import { isStepNorm } from '../../core/families/glyphs/stepNorm';
import { GLYPH_THETA } from '../../core/families/glyphs/thetaBudget';
import { classInnerPaths, classLandscapeLosses } from '../../core/families/glyphs/thetaView';
import { landscapeSpan, projectPoint, projectTensor } from '../../core/projection';
import { GridLandscape } from '../../core/projection/grid';
import { Rng } from '../../core/random';
import type { ThetaPaths } from '../protocol';
import type { ThetaViewModel } from '../theta/model';
import { rateTensors } from '../theta/pathRate';
import { FamilyThetaPart } from './familyThetaPart';
import type { HostServices } from './familyWorker';

/** A glyph class in words: its alphabet and its label. */
function className(run: GlyphRun, c: number): string {
  return run.source.className(c);
}

/** The view's tasks: shown ones held out, the landscape's from meta-training (its own query sizes). */
function viewSpec(c: Experiment, split: 'train' | 'test'): GlyphTaskSpec {
  const query = split === 'test' ? GLYPH_THETA.shownQuery : GLYPH_THETA.landscapeQuery;
  return { split, ways: c.ways, shots: c.k, query };
}

type PathsArgs = Parameters<ThetaViewModel<GlyphBatch>['paths']>;

/** The shown tasks' inner paths from θ, projected onto the view's plane, with their losses. */
async function shownPaths(
  model: GlyphRun['model'],
  plane: PathsArgs[0],
  theta: PathsArgs[1],
  rate: PathsArgs[2],
  shown: PathsArgs[3],
  steps: PathsArgs[5],
): Promise<ThetaPaths> {
  const b = classBatchTensors(shown);
  const thetaT = tf.tensor1d(theta);
  const { rate: rateT, made } = rateTensors(rate, steps);
  const t = shown.tasks;
  const out = tf.tidy(() => {
    const p = classInnerPaths(model, thetaT, b, rateT, steps);
    const rows = tf.reshape(p.thetas, [t * (steps + 1), model.numParams]) as tf.Tensor2D;
    return { coords: projectTensor(plane, rows), loss: p.loss };
  });
  try {
    const [coords, losses] = await Promise.all([out.coords.data(), out.loss.data()]);
    return {
      start: projectPoint(plane, theta),
      tasks: t,
      steps,
      coords: coords as Float32Array,
      losses: losses as Float32Array,
    };
  } finally {
    tf.dispose([b.xs, b.ys, b.xq, b.yq, thetaT, out.coords, out.loss, ...made]);
  }
}

export function glyphThetaModel(run: GlyphRun): ThetaViewModel<GlyphBatch> {
  const model = run.model;
  return {
    numParams: model.numParams,
    get stepCount() {
      return run.stepCount;
    },
    theta0: run.theta0,
    reportMs: GLYPH_THETA.reportMs,
    reportShare: GLYPH_THETA.reportShare,
    maxLandscapeResolution: GLYPH_THETA.landscapeResolution,
    tensors: () => ({
      maml: run.learner.theta,
      pretrained: null,
      alpha: run.learner.alphaVec,
      rates: run.learner.rates ?? null,
    }),
    lslrSizes: () => {
      const net = run.model;
      return isStepNorm(net) ? net.rateSizes : null;
    },
    shownKey: (c) => `${c.task}:${c.seed}:${c.ways}:${c.k}:${c.net}:${c.filters}`,
    sampleShown: (c: Experiment) =>
      run.source.sample(Rng.stream(c.seed, 'theta-view/tasks'), GLYPH_THETA.shownTasks, viewSpec(c, 'test')),
    describeShown: (shown) => ({
      taskParams: Float32Array.from(shown.classes),
      paramsPerTask: shown.ways,
      taskNames: Array.from({ length: shown.tasks }, (_, t) =>
        Array.from(shown.classes.subarray(t * shown.ways, (t + 1) * shown.ways), (c) =>
          className(run, c),
        ).join(' · '),
      ),
    }),
    pathSteps: (c) => Math.max(c.inner, GLYPH_THETA.pathSteps),
    paths: (plane, theta, rate, shown, _task, steps) => shownPaths(model, plane, theta, rate, shown, steps),
    landscape(c, subject, plane, resolution) {
      // the meta-objective's own tasks: meta-training alphabets, a stream of the view's own
      const batch = run.source.sample(
        Rng.stream(c.seed, 'theta-view/landscape'),
        GLYPH_THETA.landscapeTasks,
        viewSpec(c, 'train'),
      );
      const b = classBatchTensors(batch);
      const { rate, made } = rateTensors(subject.rate, c.inner);
      const land = new GridLandscape({
        basis: plane,
        centre: subject.theta,
        span: landscapeSpan(plane, projectPoint(plane, subject.theta)),
        resolution,
        // a couple of grid points (every task adapted, batched) per chunk: a fraction of a meta-step
        chunkSize: GLYPH_THETA.landscapeChunk,
        losses: (thetas) => classLandscapeLosses(model, thetas, b, rate, c.inner),
        release: () => {
          tf.dispose([b.xs, b.ys, b.xq, b.yq, ...made]);
        },
      });
      return { land, tasks: batch.tasks, k: c.k, innerSteps: c.inner };
    },
  };
}

/**
 * The θ view as the glyph worker part drives it: MAML's θ only (the pretrained classifier has a
 * C-way head, so it is not a point of this space).
 */
export class GlyphThetaPart extends FamilyThetaPart {
  constructor(host: HostServices) {
    super(host, (run) => glyphThetaModel(run as GlyphRun), ['maml']);
  }
}
