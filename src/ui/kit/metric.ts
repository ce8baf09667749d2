/**
 * What a family's held-out evaluation measures, and how the charts show it: mean squared error
 * (lower is better, values spanning decades) or query accuracy (higher is better, 0 to 100%).
 */
import { formatLoss } from './format';

/** What an evaluation measures, and how the charts show it. */
export interface Metric {
  /** in running text: "MSE", "accuracy" */
  readonly name: string;
  /** accuracy: better is up the axis (the curves rise and leave its foot free); MSE: down */
  readonly higherIsBetter: boolean;
  /** a fixed axis (accuracy: 0 to 1), or null: fitted to the values, with a log-axis option */
  readonly range: readonly [number, number] | null;
  /** d3 tick format of the metric's axis (undefined: d3's default) */
  readonly tickFormat?: string;
  format(v: number): string;
  /** the half-width of a confidence interval */
  formatCi(ci: number): string;
  /** whether a value can be drawn (MSEs of diverged fine-tuning cannot) */
  usable(v: number): boolean;
  /** when a value is not usable, in running text */
  readonly unusable: string;
}

/** MSEs beyond this (or not finite) mean fine-tuning diverged: drawn off the top, not scaled to */
export const DIVERGED_MSE = 1e4;

export const MSE: Metric = {
  name: 'MSE',
  higherIsBetter: false,
  range: null,
  format: formatLoss,
  formatCi: formatLoss,
  usable: (v) => Number.isFinite(v) && v < DIVERGED_MSE,
  unusable: `not finite or above ${DIVERGED_MSE}`,
};

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;

export const ACCURACY: Metric = {
  name: 'accuracy',
  higherIsBetter: true,
  range: [0, 1],
  tickFormat: '.0%',
  format: percent,
  formatCi: percent,
  usable: Number.isFinite,
  unusable: 'not finite',
};
