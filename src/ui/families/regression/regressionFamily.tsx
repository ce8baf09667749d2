/**
 * A regression family's page (sinusoids, function mixtures): the shared experiment controls with
 * the family's own fields under them, the task view beside the shared charts, the regression store
 * slice and session part, MSE evaluations, θ in share links. A regression family gives its name,
 * its task sampler, its introduction and any controls of its own.
 */
import type { ComponentType, ReactNode } from 'react';
import type { Experiment } from '../../../core/experiment';
import type { RegressionFamily } from '../../../core/families/regression/tasks';
import type { Split } from '../../../core/families/regression/distribution';
import { FamilyCharts } from '../../page/FamilyCharts';
import { MSE } from '../../kit/metric';
import { ExperimentControls } from '../../controls/ExperimentControls';
import { useStore } from '../../shell/store';
import type { LinkUi, UiFamily } from '../../shell/family';
import { regressionEvalSource } from './evalView';
import { REGRESSION_LINK_RULES } from './linkRules';
import { regressionReadouts } from './readouts';
import { regressionSession } from './sessionPart';
import { TaskView } from './TaskView';
import { DistributionControls } from './DistributionControls';
import { layersModelDownload } from './thetaDownload';
import { regressionThetaUi } from './thetaUi';
import { registerSampler, parameterCount } from './viewTask';
import { regressionHooks, regressionViewSlice } from './viewSlice';
import { curveWalk } from './WalkTasks';

/** What a regression family's own controls get: the config and the store's setter. */
export interface FamilyControlsProps {
  config: Experiment;
  setConfig(patch: Partial<Experiment>): void;
}

export interface RegressionSpec {
  readonly name: string;
  /** the task sampler the task view draws from (plain TypeScript, no tfjs), meta-training's by default */
  tasksFor(config: Experiment, split?: Split): RegressionFamily;
  readonly intro: ReactNode;
  /** controls for the family's own fields, shown under the shared ones */
  readonly Controls?: ComponentType<FamilyControlsProps>;
}

const FOOTER = (
  <>
    Training runs in a Web Worker with TensorFlow.js; every task, weight and evaluation set derives from the
    seed, so a share link reproduces the run. Paper settings: α = 0.01, β = 0.001 (Adam), K = 10, meta-batch
    25, one inner step, network 1-40-40-1.
  </>
);

const link: LinkUi = {
  ...REGRESSION_LINK_RULES,
  thetaLength: parameterCount,
  startOf: () => null,
  replaysItself: false,
  tooLong: (max, step) => `A replay stops at step ${max}; include θ to share step ${step} exactly.`,
  replayDiffers: (reason) =>
    `Replaying from step 0 will not reproduce this θ (${reason}): include θ in the link to share it exactly.`,
  replayedFrom: () => ' by replaying',
};

function Views() {
  return <FamilyCharts task={<TaskView />} />;
}

/** each regression family's own controls, by task */
const ownControls = new Map<string, (props: FamilyControlsProps) => ReactNode>();

/** One sidebar for every regression family (the shared controls stay mounted across a switch). */
function Sidebar() {
  const config = useStore((s) => s.config);
  const setConfig = useStore((s) => s.setConfig);
  const controls = ownControls.get(config.task);
  return (
    <>
      <ExperimentControls />
      {controls ? controls({ config, setConfig }) : null}
      <DistributionControls config={config} setConfig={setConfig} />
    </>
  );
}

export function regressionFamily(spec: RegressionSpec): UiFamily {
  registerSampler(spec.name, spec.tasksFor);
  const Controls = spec.Controls;
  if (Controls) ownControls.set(spec.name, (props) => <Controls {...props} />);
  return {
    name: spec.name,
    intro: spec.intro,
    footer: FOOTER,
    code: [],
    Sidebar,
    Views,
    slice: regressionViewSlice,
    hooks: regressionHooks,
    session: regressionSession,
    evaluation: regressionEvalSource,
    metric: MSE,
    readouts: regressionReadouts,
    theta: regressionThetaUi(spec.tasksFor),
    walk: curveWalk,
    link,
    thetaDownload: layersModelDownload,
    network: (c) => `net 1-${c.hidden.join('-')}-1`,
    ordersCadence: 'every few seconds',
  };
}
