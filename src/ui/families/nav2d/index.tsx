import type { LinkUi, UiFamily, WalkUi } from '../../shell/family';
import { NavControls } from './NavControls';
import { NavViews } from './NavViews';
import { navEvalSource, RETURN_METRIC } from './evalView';
import { formatReturn } from './arenaView';
import { navHooks, navSlice } from './navSlice';
import { navState } from './navStore';
import { navSession } from './session';
import { navThetaDownload } from './thetaDownload';
import { navThetaUi } from './thetaUi';

/** the most meta-iterations a navigation link replays (each takes seconds on tfjs) */
export const MAX_NAV_REPLAY_STEPS = 500;

/** θ (about 10,000 numbers) is too long for a link: links replay from the seed. */
const link: LinkUi = {
  maxReplaySteps: MAX_NAV_REPLAY_STEPS,
  starts: [],
  thetaLength: () => null,
  thetaIgnored: 'θ in a link is not read for 2-D navigation (links replay from the seed); ignored it',
  startOf: () => null,
  replaysItself: false,
  tooLong: (max) => `A navigation replay stops at meta-iteration ${max}.`,
  replayDiffers: (reason) => `Replaying from the seed will not give this θ exactly: ${reason}.`,
  replayedFrom: () => ' by replaying from the seed',
};

/** The shared walk-through's words (its phases are shown by the page's own walk, NavWalk). */
const walk: WalkUi = {
  loss: 'policy-gradient surrogate',
  points: 'trajectories',
  scoredBy: ' by the return of its trajectories',
  sampleLine: () => 'goals drawn uniformly from [−0.5, 0.5]², each with its sampled trajectories',
  queryRows: () => [],
  Tasks: () => null,
};

/**
 * 2-D navigation (meta-reinforcement learning): the arena with one goal's trajectories before and
 * after one inner step, the return chart, the learning curve and the phases of a meta-iteration.
 */
export const nav2dUi: UiFamily = {
  name: 'nav2d',
  intro: (
    <>
      The MAML paper&apos;s third experiment, reinforcement learning: a point agent must walk from the origin
      to a goal it cannot see, somewhere in the square [−0.5, 0.5]². Each goal is a task; MAML meta-trains the
      initial weights θ of a Gaussian policy so that <em>one</em> policy-gradient step on a handful of
      trajectories sends it straight to a new goal. Press <kbd>Play</kbd>, then click in the arena to place a
      goal of your own.
    </>
  ),
  footer: (
    <>
      Training runs in a Web Worker with TensorFlow.js; trajectories, goals and weights derive from the seed,
      so a share link replays the run. Paper settings: α = 0.5 (the released code's rate; the paper's text
      says 0.1), meta-batch 20 goals, 20 trajectories of 100 steps per goal, policy 2-100-100-2, TRPO (here
      Adam by default, TRPO in the settings).
    </>
  ),
  code: [],
  Sidebar: NavControls,
  Views: NavViews,
  slice: navSlice,
  hooks: navHooks,
  session: navSession,
  evaluation: navEvalSource,
  metric: RETURN_METRIC,
  readouts: {
    evaluation(store) {
      const r = navState(store).returns;
      const v = r?.curves.maml?.values[1];
      return {
        label: 'return after 1 step',
        text: r && v !== undefined ? `${formatReturn(v)} @ step ${r.step}` : null,
        help: 'Held-out evaluation: average return of MAML θ after one inner policy-gradient step, on goals never used in meta-training (the paper: −11.68).',
      };
    },
    parameters: (s) => s.numParams,
  },
  theta: navThetaUi,
  walk,
  link,
  thetaDownload: navThetaDownload,
  network: (c) => `policy 2-${c.hidden.join('-')}-2`,
  ordersCadence: 'not computed for policies',
};
