/**
 * What each shared chart's download menu exports: the file names' slug, which elements of the
 * chart's section make its picture, and the function that gives its data as CSV (a family's own
 * views bring their own `ChartExport`).
 */
import type { Store } from '../../shell/store';
import { adaptationRows, learningCurveRows, orderRows, parameterSpaceRows } from './chartRows';
import type { CsvTable } from '../../kit/csv';
import type { FigureParts } from '../../kit/svgExport';

export interface ChartExport extends FigureParts {
  /** in file names: maml-<slug>-step-<n>.<ext> */
  slug: string;
  rows(s: Store): CsvTable;
}

/** the charts drawn as one SVG each: the SVG under the chart body, with its legend */
const SINGLE = { graphics: '.chart-body > svg, .legend svg', labels: '.legend-item' };

export const CHART_EXPORTS = {
  'learning-curve': { slug: 'learning-curve', rows: learningCurveRows, ...SINGLE },
  adaptation: {
    slug: 'adaptation-curve',
    rows: adaptationRows,
    ...SINGLE,
    labels: '.chart-sub, .legend-item, .numbers',
  },
  'order-comparison': { slug: 'first-vs-second-order', rows: orderRows, ...SINGLE },
  'parameter-space': {
    slug: 'parameter-space',
    rows: parameterSpaceRows,
    graphics: '.theta-figure svg[data-testid], .legend svg',
    labels: '.legend-item, .theta-figure > figcaption, .paths-panel > .panel-title, .task-legend li',
    boxes: '.task-legend .swatch',
  },
} satisfies Record<string, ChartExport>;

export type ChartId = keyof typeof CHART_EXPORTS;
