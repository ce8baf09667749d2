/**
 * The sensitivity map's downloads through the shared chart menu: the map's SVG and legend as the
 * picture (with the reading under it), and one CSV row per cell.
 */
import type { ChartExport } from '../charts/download/charts';
import { mapRows } from './mapView';
import { useSweep } from './sweepStore';

export const MAP_EXPORT: ChartExport = {
  slug: 'sensitivity-map',
  graphics: '.chart-body > svg, .legend svg',
  labels: '.legend-item, .sweep-reading',
  rows: () => {
    const { plan, cells, metric } = useSweep.getState();
    if (!plan || !metric) return { header: ['no map'], rows: [] };
    return mapRows(plan, cells, metric);
  },
};
