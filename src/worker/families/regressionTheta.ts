/**
 * The regression families' side of the parameter-space view: the MLP's θ, fixed tasks of the
 * family's sampler, the paths of `thetaPaths.ts` and the MLP's batched `LossLandscape`.
 */
import * as tf from '@tensorflow/tfjs';
import { layerSizes, type Experiment } from '../../core/experiment';
import { mlpTensorSizes } from '../../core/meta/mamlppSchedule';
import { batchTensors } from '../../core/families/regression/evaluate';
import type { RegressionRun } from '../../core/families/regression/run';
import type { RegressionBatch } from '../../core/families/regression/tasks';
import { landscapeSpan, LossLandscape, projectPoint } from '../../core/projection';
import { Rng } from '../../core/random';
import type { ViewTask } from '../protocol';
import type { LandscapeBuild, ShownDescription, ThetaViewModel } from '../theta/model';
import { rateTensors } from '../theta/pathRate';
import { pathsFrom, QUERY_POINTS } from './regressionPaths';

/** fixed tasks of the seed shown beside the task view's own */
export const SHOWN_TASKS = 4;
/** θ reports at most this often while training */
const REPORT_MS = 400;
/** tasks the landscape's losses average over */
const LANDSCAPE_TASKS = 10;
/** grid points × tasks per landscape chunk: one chunk takes tens of milliseconds on wasm */
const LANDSCAPE_WORK = 64;

export function regressionThetaModel(run: RegressionRun): ThetaViewModel<RegressionBatch> {
  return {
    get numParams() {
      return run.model.numParams;
    },
    get stepCount() {
      return run.stepCount;
    },
    theta0: run.theta0,
    reportMs: REPORT_MS,
    maxLandscapeResolution: 61,
    tensors: () => ({
      maml: run.learner.theta,
      pretrained: run.pretrainer ? run.pretrainer.theta : null,
      alpha: run.learner.alphaVec,
      rates: run.learner.rates ?? null,
    }),
    tensorSizes: (config) => mlpTensorSizes(layerSizes(config)),
    lslrSizes: (config) => mlpTensorSizes(layerSizes(config)),
    shownKey: (config) => `${config.task}:${config.seed}:${config.k}`,
    sampleShown: (config) =>
      run.tasks.sampleBatch(Rng.stream(config.seed, 'theta-view/tasks'), SHOWN_TASKS, config.k, QUERY_POINTS),
    describeShown(shown: RegressionBatch, task: ViewTask | null): ShownDescription {
      const ppt = run.tasks.paramsPerTask;
      const taskParams = new Float32Array((task ? ppt : 0) + shown.taskParams.length);
      if (task) taskParams.set(task.params.subarray(0, ppt));
      taskParams.set(shown.taskParams, task ? ppt : 0);
      return { taskParams, paramsPerTask: ppt };
    },
    pathSteps: (config, task) => Math.max(1, config.inner, task?.steps ?? 0),
    paths: (plane, theta, rate, shown, task, steps) =>
      pathsFrom(run, plane, theta, rate, { batch: shown }, task, steps),
    landscape: (config: Experiment, subject, plane, resolution): LandscapeBuild => {
      const centre = projectPoint(plane, subject.theta);
      const batch = run.tasks.sampleBatch(
        Rng.stream(config.seed, 'theta-view/landscape'),
        LANDSCAPE_TASKS,
        config.k,
        config.query,
      );
      const b = batchTensors(batch);
      const { rate, made } = rateTensors(subject.rate, config.inner);
      try {
        // the landscape copies the batch and the rate: both can go once it is built
        const land = new LossLandscape({
          model: run.model,
          basis: plane,
          centre: subject.theta,
          batch: b,
          rate,
          steps: config.inner,
          span: landscapeSpan(plane, centre),
          resolution,
          chunkSize: Math.max(1, Math.floor(LANDSCAPE_WORK / LANDSCAPE_TASKS)),
        });
        return { land, tasks: LANDSCAPE_TASKS, k: config.k, innerSteps: config.inner };
      } finally {
        tf.dispose(b);
        tf.dispose(made);
      }
    },
  };
}
