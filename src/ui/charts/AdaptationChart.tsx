import * as d3 from 'd3';
import {
  axisTitles,
  plotArea,
  axesStale,
  chartSvg,
  layerOf,
  plotClip,
  type Layer,
  type SvgSelection,
} from '../kit/svgFrame';
import { Fragment, useEffect, useId, useRef, type ComponentProps } from 'react';
import { METHODS, type MethodName } from '../../worker/protocol';
import { subscribeFrame, useStore } from '../shell/store';
import { evalView, type EvalCurve, type EvalView } from '../shell/evalView';
import {
  comparedEntries,
  comparedExtent,
  comparedRuns,
  drawCompared,
  useComparedRuns,
} from './comparedOverlay';
import { Legend } from '../kit/legend';
import { plotHover } from '../kit/hover';
import type { ComparedRun } from '../shell/comparedSlice';
import { METHOD_COLORS } from '../kit/palette';
import { useWidth } from '../kit/useWidth';
import { ChartDownload } from './download/ChartDownload';
import { CHART_EXPORTS } from './download/charts';
import { drawTestCurves, testExtent, testLegend, testReadings } from './adaptationTest';

const HEIGHT = 280;
const MARGIN = { top: 14, right: 16, bottom: 40, left: 52 };

type Y = d3.ScaleLinear<number, number> | d3.ScaleLogarithmic<number, number>;

/** Each method's metric after `i` inner steps, with its 95% interval: "MAML 0.12 ± 0.01" (one task: no interval). */
function readingAt(view: EvalView, i: number): string[] {
  const { latest, labels, metric } = view;
  if (!latest) return [];
  return METHODS.flatMap((m) => {
    const c = latest.curves[m];
    const v = c.values[i];
    const ci = latest.tasks < 2 ? '' : ` ± ${metric.formatCi(c.ci95[i] ?? 0)}`;
    return v === undefined ? [] : [`${labels[m]} ${metric.format(v)}${ci}`];
  }).concat(testReadings(view, i));
}

/** The metric's axis: its fixed range (accuracy), or fitted to the usable values and their bands. */
function yScale(view: EvalView, logScale: boolean, compared: readonly ComparedRun[]): Y {
  const { metric, latest: ev } = view;
  const range: [number, number] = [HEIGHT - MARGIN.bottom, MARGIN.top];
  if (metric.range) return d3.scaleLinear(metric.range, range);
  let lo = Infinity;
  let hi = -Infinity;
  if (ev) {
    for (const m of METHODS) {
      const c = ev.curves[m];
      c.values.forEach((v, i) => {
        const ci = c.ci95[i] ?? 0;
        if (!metric.usable(v) || !metric.usable(v + ci)) return;
        lo = Math.min(lo, v - ci, v);
        hi = Math.max(hi, v + ci);
      });
    }
  }
  for (const e of [comparedExtent(compared, (r) => r.adapt, metric.usable), testExtent(view)])
    if (e) [lo, hi] = [Math.min(lo, e.lo), Math.max(hi, e.hi)];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0.01;
    hi = 10;
  }
  return logScale
    ? d3.scaleLog([Math.max(1e-4, Math.min(lo, hi) * 0.8), Math.max(hi * 1.2, 1e-3)], range).nice()
    : d3.scaleLinear([0, hi * 1.05], range).nice();
}

/** What every step of a draw works with: the layers, the scales and the view. */
interface Frame {
  svg: SvgSelection;
  layer(name: string, clip?: string): Layer;
  width: number;
  view: EvalView;
  /** inner steps on the axis, and the evaluation's own */
  steps: number;
  own: number;
  x: d3.ScaleLinear<number, number>;
  y: d3.ScaleLogarithmic<number, number> | d3.ScaleLinear<number, number>;
  /** a value's height, kept inside the axis */
  cy(v: number): number;
}

/** The grid, the axes and their titles, rebuilt only when their domain or size changes. */
function drawAxes(svgEl: SVGSVGElement, f: Frame, logScale: boolean): void {
  const { layer, width, x, y, steps, view } = f;
  const axesKey = `${width}:${x.domain().join()}:${y.domain().join()}:${logScale}:${view.metric.name}`;
  if (!axesStale(svgEl, axesKey)) return;
  layer('grid')
    .attr('transform', `translate(${MARGIN.left},0)`)
    .call(
      d3
        .axisLeft(y)
        .ticks(5)
        .tickSize(-(width - MARGIN.left - MARGIN.right))
        .tickFormat(() => ''),
    )
    .call((g) => g.select('.domain').remove());
  layer('x-axis')
    .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
    .call(d3.axisBottom(x).ticks(Math.min(10, steps)).tickFormat(d3.format('d')));
  layer('y-axis')
    .attr('transform', `translate(${MARGIN.left},0)`)
    .call(d3.axisLeft(y).ticks(5, logScale ? '~g' : view.metric.tickFormat));
  axisTitles(
    layer('labels'),
    plotArea(width, HEIGHT, MARGIN),
    { width, height: HEIGHT },
    {
      x: view.text.xLabel,
      y: view.text.yLabel,
    },
  );
}

/** The number of inner steps θ was meta-trained for, and the metric of guessing (accuracy: 1/N). */
function drawMarkers({ layer, width, x, y, steps, view }: Frame): void {
  const { metric } = view;
  const inner = view.trainedSteps;
  layer('trained-marker')
    .selectAll('line')
    .data(inner <= steps ? [inner] : [])
    .join('line')
    .attr('x1', (d) => x(d))
    .attr('x2', (d) => x(d))
    .attr('y1', MARGIN.top)
    .attr('y2', HEIGHT - MARGIN.bottom)
    .attr('class', 'marker-line');
  layer('trained-marker')
    .selectAll('text')
    .data(inner <= steps ? [inner] : [])
    .join('text')
    .attr('class', 'marker-text')
    .attr('x', (d) => x(d) + 4)
    // where the curves are not: at the top for a falling metric, at the foot for a rising one
    .attr('y', metric.higherIsBetter ? HEIGHT - MARGIN.bottom - 6 : MARGIN.top + 10)
    .text((d) => `meta-trained with ${d} inner step${d === 1 ? '' : 's'}`);
  // the chance line, under the curves
  if (view.chance === null) return;
  const chance = [view.chance];
  layer('chance')
    .selectAll('line')
    .data(chance)
    .join('line')
    .attr('class', 'chance-line')
    .attr('x1', MARGIN.left)
    .attr('x2', width - MARGIN.right)
    .attr('y1', (d) => y(d))
    .attr('y2', (d) => y(d));
  layer('chance')
    .selectAll('text')
    .data(chance)
    .join('text')
    .attr('class', 'marker-text')
    .attr('text-anchor', 'end')
    .attr('x', width - MARGIN.right - 4)
    .attr('y', (d) => y(d) - 4)
    .text((d) => `chance ${metric.format(d)}`);
}

type Shown = { m: MethodName; c: EvalCurve };
const pts = (c: EvalCurve) => c.values.map((v, i) => [i, v, c.ci95[i] ?? 0] as [number, number, number]);

/** Each initialisation's curve with its 95% band and dots, over the compared runs' curves. */
function drawCurves(f: Frame, data: Shown[], compared: readonly ComparedRun[]): void {
  const { svg, layer, width, x, cy } = f;
  const usable = f.view.metric.usable;
  const area = d3
    .area<[number, number, number]>()
    .digits(1)
    .defined((d) => usable(d[1]) && usable(d[1] + d[2]))
    .x((d) => x(d[0]))
    .y0((d) => cy(d[1] - d[2]))
    .y1((d) => cy(d[1] + d[2]));
  const line = d3
    .line<[number, number, number]>()
    .digits(1)
    .defined((d) => usable(d[1]))
    .x((d) => x(d[0]))
    .y((d) => cy(d[1]));
  plotClip(svg, 'clip-adaptation', {
    x: MARGIN.left,
    y: MARGIN.top - 4,
    width: width - MARGIN.left - MARGIN.right + 4,
    height: HEIGHT - MARGIN.top - MARGIN.bottom + 4,
  });
  for (const name of ['bands', 'lines', 'dots', 'compared', 'test']) layer(name, 'clip-adaptation');
  drawTestCurves(layer('test', 'clip-adaptation'), f.view, x, cy);
  drawCompared(layer('compared', 'clip-adaptation'), compared, (r) => r.adapt, x, cy, {
    className: 'compared-adapt',
    ok: usable,
  });
  layer('bands')
    .selectAll('path')
    .data(data)
    .join('path')
    .attr('class', 'ci-band')
    .attr('fill', (d) => METHOD_COLORS[d.m])
    .attr('d', (d) => area(pts(d.c)));
  layer('lines')
    .selectAll('path')
    .data(data)
    .join('path')
    .attr('class', 'curve-line')
    .attr('data-method', (d) => d.m)
    .attr('stroke', (d) => METHOD_COLORS[d.m])
    .attr('d', (d) => line(pts(d.c)));
  layer('dots')
    .selectAll('g')
    .data(data)
    .join('g')
    .attr('fill', (d) => METHOD_COLORS[d.m])
    .selectAll('circle')
    .data((d) => pts(d.c).filter((p) => usable(p[1])))
    .join('circle')
    .attr('r', 2.6)
    .attr('cx', (d) => x(d[0]))
    .attr('cy', (d) => cy(d[1]));
}

/** "evaluating…" before the first evaluation, and the readout at the inner step nearest the pointer. */
function drawReadout({ svg, width, x, cy, view, own }: Frame, data: Shown[]): void {
  const ev = view.latest;
  const usable = view.metric.usable;
  svg
    .selectAll('text.empty')
    .data(ev ? [] : [null])
    .join('text')
    .attr('class', 'empty')
    .attr('x', (MARGIN.left + width - MARGIN.right) / 2)
    .attr('y', HEIGHT / 2)
    .attr('text-anchor', 'middle')
    .text('evaluating…');
  const places = d3.range(ev ? own + 1 : 0);
  plotHover(svg, {
    area: plotArea(width, HEIGHT, MARGIN),
    xs: places.map((i) => x(i)),
    marks: (i) =>
      data.flatMap(({ m, c }) => {
        const v = c.values[i];
        return v !== undefined && usable(v) ? [{ y: cy(v), color: METHOD_COLORS[m] }] : [];
      }),
    readout: (i) => [`after ${i} inner step${i === 1 ? '' : 's'}`, ...readingAt(view, i)],
  });
}

function draw(
  svgEl: SVGSVGElement,
  width: number,
  view: EvalView,
  logScale: boolean,
  compared: readonly ComparedRun[],
): void {
  const { metric, latest: ev } = view;
  const svg = chartSvg(svgEl, width, HEIGHT);
  const own = ev ? Math.max(0, ...METHODS.map((m) => ev.curves[m].values.length - 1)) : view.steps;
  const steps = Math.max(own, comparedExtent(compared, (r) => r.adapt)?.last ?? 0);
  const x = d3.scaleLinear([0, Math.max(1, steps)], [MARGIN.left, width - MARGIN.right]);
  const y = yScale(view, logScale, compared);
  const [y0, y1] = y.domain() as [number, number];
  const clampY = (v: number) =>
    metric.range ? Math.min(y1, Math.max(y0, v)) : logScale ? Math.max(y0, v) : v;
  const frame: Frame = {
    svg,
    layer: (name, clip) => layerOf(svg, name, clip),
    width,
    view,
    steps,
    own,
    x,
    y,
    cy: (v) => y(clampY(v)),
  };
  drawAxes(svgEl, frame, logScale);
  drawMarkers(frame);
  const data: Shown[] = ev ? METHODS.map((m) => ({ m, c: ev.curves[m] })) : [];
  drawCurves(frame, data, compared);
  drawReadout(frame, data);
}

/** The legend: each method with its band, the band's meaning, chance (if any) and compared runs. */
function adaptLegend(
  view: EvalView,
  compared: readonly ComparedRun[],
): ComponentProps<typeof Legend>['entries'] {
  const { labels, metric } = view;
  return [
    ...METHODS.map((m) => ({
      key: m,
      label: labels[m],
      mark: { kind: 'band', color: METHOD_COLORS[m], opacity: 0.18, band: 10, width: 2.2 } as const,
    })),
    { key: 'band', label: 'band: 95% confidence interval' },
    testLegend(view),
    view.chance !== null
      ? { key: 'chance', label: 'chance', mark: { kind: 'line', className: 'chance-line' } }
      : null,
    ...comparedEntries(
      compared.filter((r) => r.adapt),
      `saved MAML θ, ${metric.name}`,
    ),
  ];
}

/** The metric after a few chosen step counts, one line each. */
function StepReadings({ view }: { view: EvalView }) {
  return (
    <p className="numbers">
      {view.numbersAt.map((i, k) => (
        <Fragment key={i}>
          {k > 0 ? <br /> : null}
          after {i} step{i === 1 ? '' : 's'}: {readingAt(view, i).join(' · ')}
        </Fragment>
      ))}
    </p>
  );
}

/** The paper's Figure 3, live, for every family: the metric after 0..n inner steps with 95% bands. */
export function AdaptationChart() {
  const ref = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(ref, 480);
  const view = useStore(evalView);
  const { metric, latest, labels, fullEvaluation: full, text } = view;
  // a metric on a fixed axis (accuracy) has no log option
  const logOption = metric.range === null;
  const logScale = useStore((s) => s.adaptLog) && logOption;
  const set = useStore((s) => s.set);
  const logId = useId();
  const compared = useComparedRuns();
  const alpha = useStore((s) => s.config.alpha);
  const diverging = latest
    ? METHODS.filter((m) => latest.curves[m].values.some((v) => !metric.usable(v))).map((m) => labels[m])
    : [];

  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const redraw = () => {
      const s = useStore.getState();
      draw(el, width, evalView(s), logScale, comparedRuns(s));
    };
    return subscribeFrame((s) => [evalView(s), s.compared, s.config.task], redraw);
  }, [width, logScale]);

  return (
    <section className="panel chart" aria-labelledby="adapt-title">
      <div className="chart-head">
        <h2 id="adapt-title">{text.title}</h2>
        <div className="chart-tools">
          {logOption ? (
            <span className="inline-field" title={`Plot the ${metric.name} on a logarithmic axis.`}>
              <input
                id={logId}
                type="checkbox"
                checked={logScale}
                onChange={(e) => set('adaptLog', e.currentTarget.checked)}
              />
              <label htmlFor={logId}>log y (adaptation)</label>
            </span>
          ) : null}
          <button type="button" disabled={full.busy} onClick={full.run} title={full.help}>
            {full.busy ? 'Evaluating…' : full.label}
          </button>
          <ChartDownload chart={CHART_EXPORTS['adaptation']} />
        </div>
      </div>
      <p className="chart-sub live" data-testid="adapt-sub">
        {view.subtitle}
      </p>
      <Legend label="Legend of the adaptation chart" entries={adaptLegend(view, compared)} />
      <div ref={ref} className="chart-body">
        <svg ref={svgRef} role="img" aria-label={text.ariaLabel} />
      </div>
      {diverging.length > 0 ? (
        <p className="note warn" data-testid="adapt-diverged">
          Fine-tuning diverges at α = {alpha} for {diverging.join(', ')}: the {metric.name} is{' '}
          {metric.unusable} after some steps (those points are left out). Lower the inner learning rate α.
        </p>
      ) : null}
      {latest ? <StepReadings view={view} /> : null}
      <p className="caption">{text.caption}</p>
    </section>
  );
}
