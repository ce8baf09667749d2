/**
 * The navigation policy's side of the parameter-space view: MAML's θ and the pretrained policy
 * (the same network, so a point of the same space), four fixed goals adapted with the inner
 * policy-gradient step, a coarse landscape of cost = −return one grid point at a time, and
 * reports seconds apart (each samples trajectories). `Nav2dThetaPart` is what the family's worker
 * part calls.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../core/experiment';
import { sampleGoals } from '../../core/families/nav2d/env';
import { readAsync } from '../../core/families/nav2d/reads';
import { pgSettings } from '../../core/families/nav2d/run';
import { policyPaths, PolicyLandscape } from '../../core/families/nav2d/thetaView';
import type { FamilyRun } from '../../core/families/family';
import { landscapeSpan, projectPoint } from '../../core/projection';
import { Rng } from '../../core/random';
import type { ThetaPaths } from '../protocol';
import type { ThetaViewModel } from '../theta/model';
import { FamilyThetaPart } from './familyThetaPart';
import type { HostServices } from './familyWorker';

/** the view's budget: goals shown, goals the landscape averages, its finest grid, report spacing */
export const POLICY_THETA = { shownGoals: 4, landscapeGoals: 4, landscapeResolution: 9, reportMs: 3000 };

export function policyThetaModel(run: FamilyRun): ThetaViewModel<Float32Array> {
  return {
    numParams: run.numParams,
    get stepCount() {
      return run.stepCount;
    },
    theta0: run.theta0,
    reportMs: POLICY_THETA.reportMs,
    maxLandscapeResolution: POLICY_THETA.landscapeResolution,
    tensors: () => ({ maml: run.learner.theta, pretrained: run.pretrainer?.theta ?? null, alpha: null }),
    shownKey: (c) => `${c.task}:${c.seed}:${c.hidden.join()}`,
    sampleShown: (c: Experiment) =>
      sampleGoals(Rng.stream(c.seed, 'theta-view/tasks'), POLICY_THETA.shownGoals),
    // a copy: the report's arrays are transferred to the page, the shown goals stay for the next paths
    describeShown: (goals) => ({ taskParams: goals.slice(), paramsPerTask: 2 }),
    pathSteps: (c) => Math.max(1, c.inner),
    async paths(plane, theta, rate, goals, _task, steps): Promise<ThetaPaths> {
      const c = run.experiment;
      const s = { ...pgSettings(c), alpha: typeof rate === 'number' ? rate : c.alpha };
      const thetaT = tf.tensor1d(theta);
      try {
        const rng = Rng.stream(c.seed, 'theta-view/paths');
        const got = await readAsync(policyPaths(plane, thetaT, goals, steps, s, rng));
        return {
          start: projectPoint(plane, theta),
          tasks: goals.length / 2,
          steps,
          coords: got.coords,
          losses: got.costs,
        };
      } finally {
        thetaT.dispose();
      }
    },
    landscape(c, subject, plane, resolution) {
      const goals = sampleGoals(Rng.stream(c.seed, 'theta-view/landscape'), POLICY_THETA.landscapeGoals);
      const land = new PolicyLandscape({
        basis: plane,
        centre: subject.theta,
        span: landscapeSpan(plane, projectPoint(plane, subject.theta)),
        resolution,
        goals,
        settings: pgSettings(c),
        rng: () => Rng.stream(c.seed, 'theta-view/landscape-noise'),
      });
      return { land, tasks: goals.length / 2, k: pgSettings(c).trajs, innerSteps: 1 };
    },
  };
}

/** The θ view as the navigation worker part drives it: MAML's θ or the pretrained policy's. */
export class Nav2dThetaPart extends FamilyThetaPart {
  constructor(host: HostServices) {
    super(host, policyThetaModel, ['maml', 'pretrained']);
  }
}
