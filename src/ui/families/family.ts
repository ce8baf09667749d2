/**
 * What the page needs of a task family: which views show it (the regression views with their task
 * view and fans, or a lab of its own such as the glyph lab), its introduction, its task sampler for
 * the task view (plain TypeScript, no tfjs) and any controls of its own fields. The transport, the
 * backend picker and the share panel are the page's own, the same for every family.
 */
import type { Preloadable } from './preloadable';
import type { ComponentType, ReactNode } from 'react';
import type { RegressionFamily } from '../../core/families/regression/tasks';
import type { Experiment } from '../../core/experiment';
import type { ThetaUi } from './thetaUi';

/** What a family's own controls get: the config and the store's setter (no store import, no cycle). */
export interface FamilyControlsProps {
  config: Experiment;
  setConfig(patch: Partial<Experiment>): void;
}

export interface RegressionUi {
  readonly name: string;
  readonly page: 'regression';
  /** the task sampler the task view draws from */
  tasksFor(config: Experiment): RegressionFamily;
  /** the paragraph under the page title */
  readonly intro: ReactNode;
  /** controls for the family's own fields, shown under the shared ones */
  readonly Controls?: ComponentType<FamilyControlsProps>;
}

export interface LabUi {
  readonly name: string;
  /** a family with views of its own (the glyph lab) */
  readonly page: 'lab';
  readonly intro: ReactNode;
  /** the line at the foot of the page */
  readonly footer: ReactNode;
  /** its sidebar panels, under the shared transport (their code loads when the family's page opens) */
  readonly Controls: Preloadable<object>;
  /** its views, in place of the regression views */
  readonly Views: Preloadable<object>;
  /** how the parameter-space view describes its tasks and losses (absent: the lab has no θ view) */
  readonly theta?: ThetaUi;
}

export type UiFamily = RegressionUi | LabUi;
