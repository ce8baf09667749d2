/** The axes and axis labels the navigation page's two charts share. */
import * as d3 from 'd3';
import type { Layer } from '../../kit/svgFrame';

export interface ChartBox {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export function drawAxes(
  g: Layer,
  box: ChartBox,
  x: d3.ScaleLinear<number, number>,
  y: d3.ScaleLinear<number, number>,
  labels: { x: string; y: string; xTicks: number },
): void {
  const { width, height, margin: m } = box;
  g.append('g')
    .attr('transform', `translate(0,${height - m.bottom})`)
    .call(d3.axisBottom(x).ticks(labels.xTicks));
  g.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5));
  g.append('text')
    .attr('x', (m.left + width - m.right) / 2)
    .attr('y', height - 6)
    .attr('text-anchor', 'middle')
    .attr('font-size', 11)
    .text(labels.x);
  g.append('text')
    .attr('transform', `translate(14,${(height - m.bottom) / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('font-size', 11)
    .text(labels.y);
}

/** A legend row at the chart's right: a short line in `color` (dashed when `dash`) and its text. */
export function legendRow(
  g: Layer,
  box: ChartBox,
  i: number,
  color: string,
  text: string,
  dash?: string,
): void {
  const ly = box.margin.top + 8 + i * 18;
  const x0 = box.width - box.margin.right + 10;
  g.append('line')
    .attr('x1', x0)
    .attr('x2', x0 + 18)
    .attr('y1', ly)
    .attr('y2', ly)
    .attr('stroke', color)
    .attr('stroke-width', 2)
    .attr('stroke-dasharray', dash ?? null);
  g.append('text')
    .attr('x', x0 + 22)
    .attr('y', ly + 4)
    .attr('font-size', 11)
    .text(text);
}
