import * as d3 from 'd3';
import { Legend } from '../../kit/legend';
import { fanColor } from '../../kit/palette';

/** The task view's legend: the true curve, the support points and the colour scale of the fan. */
export function FanLegend({ steps }: { steps: number }) {
  const n = Math.max(1, steps);
  const ticks = steps <= 10 ? d3.range(steps + 1) : [0, steps];
  return (
    <Legend
      label="Legend of the task view"
      entries={[
        {
          key: 'truth',
          label: 'true function',
          mark: { kind: 'line', className: 'truth-line', length: 28 },
        },
        {
          key: 'support',
          label: 'support points (click to add or remove)',
          mark: { kind: 'dot', r: 4.5, size: 12, className: 'support-point' },
        },
        {
          key: 'fan',
          lead: 'prediction after inner step',
          mark: {
            kind: 'scale',
            id: 'fan-gradient',
            color: (t) => fanColor(t * n, n),
            stops: d3.range(0, 1.0001, 0.1),
            length: 220,
            label: `colour scale: test-time SGD steps 0 to ${steps}`,
            ticks: ticks.map((t) => ({ at: steps === 0 ? 0 : t / steps, text: String(t) })),
          },
        },
      ]}
    />
  );
}
