/** The page side of every task family, by name: one line per family (see core/families/registry.ts). */
import type { Experiment } from '../../core/experiment';
import type { RegressionUi, UiFamily } from './family';
import { glyphsUi } from './glyphs';
import { mixtureUi } from './mixture';
import { sinusoidUi } from './sinusoid';
import { regressionThetaUi, type ThetaUi } from './thetaUi';

const UI_FAMILIES: Readonly<Record<string, UiFamily>> = {
  sinusoid: sinusoidUi,
  glyphs: glyphsUi,
  mixture: mixtureUi,
};

/** Families the page can show (every one the schema knows, checked by a test). */
export const PAGE_TASKS: readonly string[] = Object.keys(UI_FAMILIES);

export function uiFamilyOf(task: string): UiFamily {
  const f = UI_FAMILIES[task];
  if (!f) throw new Error(`the page has no views for "${task}" tasks`);
  return f;
}

/** The regression views' family of a config (the glyph lab shows its own views). */
export function regressionUiOf(config: Experiment): RegressionUi {
  const f = uiFamilyOf(config.task);
  if (f.page !== 'regression')
    throw new Error(`${config.task} tasks are shown by their own lab, not the regression views`);
  return f;
}

/** How the θ view describes a config's tasks and losses (null: its family has no θ view). */
export function thetaUiOf(config: Experiment): ThetaUi | null {
  const f = uiFamilyOf(config.task);
  return f.page === 'regression' ? regressionThetaUi(f) : (f.theta ?? null);
}
