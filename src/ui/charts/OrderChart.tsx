import * as d3 from 'd3';
import { useEffect, useRef } from 'react';
import type { OrderPoint } from '../shell/ordersSlice';
import { useStore } from '../shell/store';
import { familyOf } from '../shell/families';
import { roundUp } from './learningCurveDraw';
import { METHOD_COLORS } from '../kit/palette';
import { axisTitles, plotArea, axesStale, chartSvg, layerOf } from '../kit/svgFrame';
import { useWidth } from '../kit/useWidth';
import { ChartDownload } from './download/ChartDownload';
import { CHART_EXPORTS } from './download/charts';
import { Legend } from '../kit/legend';
import { plotHover } from '../kit/hover';

const HEIGHT = 220;
const MARGIN = { top: 12, right: 48, bottom: 36, left: 48 };
const COS_COLOR = METHOD_COLORS.maml;
const REPTILE_COLOR = '#7c3aed';
const RATIO_COLOR = METHOD_COLORS.pretrained;

type Key = 'cos' | 'cosReptile' | 'ratio';

const SERIES: { key: Key; label: string; color: string; dash: string; right: boolean }[] = [
  { key: 'cos', label: 'cos(second-order, first-order)', color: COS_COLOR, dash: '', right: false },
  { key: 'cosReptile', label: 'cos(second-order, Reptile)', color: REPTILE_COLOR, dash: '5 3', right: false },
  {
    key: 'ratio',
    label: '|first-order| / |second-order| (right axis)',
    color: RATIO_COLOR,
    dash: '2 2',
    right: true,
  },
];

function draw(el: SVGSVGElement, width: number, orders: OrderPoint[]): void {
  const svg = chartSvg(el, width, HEIGHT);
  const last = orders.length > 0 ? (orders[orders.length - 1] as OrderPoint).step : 0;
  const x = d3.scaleLinear([0, roundUp(Math.max(10, last * 1.02))], [MARGIN.left, width - MARGIN.right]);
  const finite = (k: Key) => orders.map((p) => p[k]).filter(Number.isFinite);
  const cosLow = Math.min(0, ...finite('cos'), ...finite('cosReptile'));
  const yCos = d3.scaleLinear([cosLow < 0 ? -1 : 0, 1], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const yRatio = d3
    .scaleLinear([0, Math.max(1.5, ...finite('ratio')) * 1.05], [HEIGHT - MARGIN.bottom, MARGIN.top])
    .nice();
  if (axesStale(el, `${width}:${x.domain().join()}:${yCos.domain().join()}:${yRatio.domain().join()}`)) {
    layerOf(svg, 'x-axis')
      .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
      .call(d3.axisBottom(x).ticks(5, 'd'));
    layerOf(svg, 'y-axis').attr('transform', `translate(${MARGIN.left},0)`).call(d3.axisLeft(yCos).ticks(5));
    layerOf(svg, 'r-axis')
      .attr('transform', `translate(${width - MARGIN.right},0)`)
      .call(d3.axisRight(yRatio).ticks(4));
    axisTitles(
      layerOf(svg, 'labels'),
      plotArea(width, HEIGHT, MARGIN),
      { width, height: HEIGHT },
      {
        x: 'meta-step',
        y: 'cosine similarity',
        y2: 'norm ratio',
      },
    );
  }
  const lines = layerOf(svg, 'lines');
  lines
    .selectAll<SVGPathElement, (typeof SERIES)[number]>('path')
    .data(SERIES, (d) => d.key)
    .join('path')
    .attr('class', (d) => `order-line order-${d.key}`)
    .attr('fill', 'none')
    .attr('stroke', (d) => d.color)
    .attr('stroke-width', 2)
    .attr('stroke-dasharray', (d) => d.dash)
    .attr('d', (d) => {
      const y = d.right ? yRatio : yCos;
      return d3
        .line<OrderPoint>()
        .digits(1)
        .defined((p) => Number.isFinite(p[d.key]))
        .x((p) => x(p.step))
        .y((p) => y(p[d.key]))(orders);
    });
  layerOf(svg, 'empty')
    .selectAll('text')
    .data(orders.length === 0 ? [null] : [])
    .join('text')
    .attr('class', 'axis-label')
    .attr('text-anchor', 'middle')
    .attr('x', (MARGIN.left + width - MARGIN.right) / 2)
    .attr('y', HEIGHT / 2)
    .text('measured every few seconds while training');

  // the readout at the comparison nearest the pointer
  const fmt = d3.format('.3f');
  plotHover(svg, {
    area: plotArea(width, HEIGHT, MARGIN),
    xs: orders.map((p) => x(p.step)),
    marks: (i) =>
      SERIES.map((d) => ({ y: (d.right ? yRatio : yCos)((orders[i] as OrderPoint)[d.key]), color: d.color })),
    readout: (i) => {
      const p = orders[i] as OrderPoint;
      return [
        `meta-step ${p.step}`,
        ...SERIES.filter((d) => Number.isFinite(p[d.key])).map((d) => `${d.label} ${fmt(p[d.key])}`),
      ];
    },
  });
}

/**
 * "First order vs second order", live: how far the Hessian term turns MAML's meta-gradient from
 * its first-order shortcut (cosine and norm ratio at the current θ, on a fixed held-out batch), and
 * where the Reptile direction points, against meta-step.
 */
export function OrderChart() {
  const box = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(box, 560);
  const orders = useStore((s) => s.orders);
  const reading = useStore((s) => s.orderReading);
  const inner = useStore((s) => s.config.inner);
  const cadence = useStore((s) => familyOf(s.config.task).ordersCadence);

  useEffect(() => {
    if (svgRef.current) draw(svgRef.current, width, orders);
  }, [width, orders]);

  return (
    <section className="panel" aria-labelledby="orders-title">
      <div className="chart-head">
        <h2 id="orders-title">First order vs second order</h2>
        <ChartDownload chart={CHART_EXPORTS['order-comparison']} />
      </div>
      <p className="chart-sub live" data-testid="order-reading" aria-live="polite">
        {reading
          ? `At meta-step ${reading.step}: ${reading.reading}; ${reading.reptile}.`
          : 'Waiting for the first comparison…'}
      </p>
      <div ref={box} className="chart-body">
        <svg
          ref={svgRef}
          width={width}
          height={HEIGHT}
          role="img"
          aria-label="Cosine similarity between the second-order and first-order MAML meta-gradients, and their norm ratio, against meta-step"
        />
      </div>
      <Legend
        label="Legend of the first- vs second-order chart"
        entries={SERIES.map((s) => ({
          key: s.key,
          label: s.label,
          mark: { kind: 'line', color: s.color, dash: s.dash },
        }))}
      />
      <p className="note">
        Second-order MAML differentiates through the inner SGD step{inner === 1 ? '' : 's'}; first-order MAML
        drops the Hessian term and keeps only the query gradient at the adapted weights. Both are computed at
        the current θ on {reading?.tasks ?? 'a batch of'} fixed held-out tasks {cadence}, off the training
        path, whatever algorithm trains. A cosine near 1 and a ratio near 1 mean the shortcut loses little
        here.
      </p>
    </section>
  );
}
