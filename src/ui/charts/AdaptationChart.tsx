import * as d3 from 'd3';
import { axesStale, chartSvg, layerOf, plotClip } from './svgFrame';
import { useEffect, useId, useRef } from 'react';
import { METHODS } from '../../worker/protocol';
import { formatLoss } from '../format';
import { FULL_EVAL_TASKS, subscribeFrame, useStore } from '../store';
import { METHOD_COLORS, METHOD_LABELS } from './palette';
import { useWidth } from './useWidth';

const HEIGHT = 280;
/** MSEs beyond this (or not finite) mean fine-tuning diverged: drawn off the top, not scaled to */
const DIVERGED = 1e4;
const usable = (v: number) => Number.isFinite(v) && v < DIVERGED;
const MARGIN = { top: 14, right: 16, bottom: 40, left: 52 };

function draw(svgEl: SVGSVGElement, width: number, logScale: boolean): void {
  const state = useStore.getState();
  const ev = state.evaluation;
  const svg = chartSvg(svgEl, width, HEIGHT);
  const layer = (name: string, clip?: string) => layerOf(svg, name, clip);
  const steps = ev ? Math.max(0, ...METHODS.map((m) => ev.curves[m].mse.length - 1)) : 10;
  const x = d3.scaleLinear([0, Math.max(1, steps)], [MARGIN.left, width - MARGIN.right]);
  let lo = Infinity;
  let hi = -Infinity;
  if (ev) {
    for (const m of METHODS) {
      const c = ev.curves[m];
      c.mse.forEach((v, i) => {
        const ci = c.ci95[i] ?? 0;
        if (!usable(v) || !usable(v + ci)) return;
        lo = Math.min(lo, v - ci, v);
        hi = Math.max(hi, v + ci);
      });
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0.01;
    hi = 10;
  }
  const y = logScale
    ? d3
        .scaleLog(
          [Math.max(1e-4, Math.min(lo, hi) * 0.8), Math.max(hi * 1.2, 1e-3)],
          [HEIGHT - MARGIN.bottom, MARGIN.top],
        )
        .nice()
    : d3.scaleLinear([0, hi * 1.05], [HEIGHT - MARGIN.bottom, MARGIN.top]).nice();
  const clampY = (v: number) => (logScale ? Math.max(y.domain()[0] as number, v) : v);

  // axes are rebuilt only when their domain or size changes
  const axesKey = `${width}:${x.domain().join()}:${y.domain().join()}:${logScale}`;
  if (axesStale(svgEl, axesKey)) {
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
      .call(d3.axisLeft(y).ticks(5, logScale ? '~g' : undefined));
    layer('labels')
      .selectAll('text')
      .data([
        {
          t: 'inner gradient steps at test time',
          x: (MARGIN.left + width - MARGIN.right) / 2,
          y: HEIGHT - 6,
          r: 0,
        },
        { t: 'mean MSE on held-out tasks', x: -(MARGIN.top + HEIGHT - MARGIN.bottom) / 2, y: 13, r: -90 },
      ])
      .join('text')
      .attr('class', 'axis-label')
      .attr('text-anchor', 'middle')
      .attr('transform', (d) => (d.r ? `rotate(${d.r})` : null))
      .attr('x', (d) => d.x)
      .attr('y', (d) => d.y)
      .text((d) => d.t);
  }

  // the number of inner steps θ was meta-trained for
  const inner = state.config.inner;
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
    .attr('y', MARGIN.top + 10)
    .text((d) => `meta-trained with ${d} inner step${d === 1 ? '' : 's'}`);

  const data = ev ? METHODS.map((m) => ({ m, c: ev.curves[m] })) : [];
  const area = d3
    .area<[number, number, number]>()
    .digits(1)
    .defined((d) => usable(d[1]) && usable(d[1] + d[2]))
    .x((d) => x(d[0]))
    .y0((d) => y(clampY(d[1] - d[2])))
    .y1((d) => y(clampY(d[1] + d[2])));
  const line = d3
    .line<[number, number, number]>()
    .digits(1)
    .defined((d) => usable(d[1]))
    .x((d) => x(d[0]))
    .y((d) => y(clampY(d[1])));
  const pts = (c: { mse: number[]; ci95: number[] }) =>
    c.mse.map((v, i) => [i, v, c.ci95[i] ?? 0] as [number, number, number]);
  plotClip(svg, 'clip-adaptation', {
    x: MARGIN.left,
    y: MARGIN.top - 4,
    width: width - MARGIN.left - MARGIN.right + 4,
    height: HEIGHT - MARGIN.top - MARGIN.bottom + 4,
  });
  for (const name of ['bands', 'lines', 'dots']) layer(name, 'clip-adaptation');
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
    .attr('cy', (d) => y(clampY(d[1])));

  svg
    .selectAll('text.empty')
    .data(ev ? [] : [null])
    .join('text')
    .attr('class', 'empty')
    .attr('x', (MARGIN.left + width - MARGIN.right) / 2)
    .attr('y', HEIGHT / 2)
    .attr('text-anchor', 'middle')
    .text('evaluating…');
}

/** The MAML paper's Figure 3, live: MSE after 0..10 inner steps with 95% confidence bands. */
export function AdaptationChart() {
  const ref = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(ref, 480);
  const logScale = useStore((s) => s.adaptLog);
  const evaluation = useStore((s) => s.evaluation);
  const evalBusy = useStore((s) => s.evalBusy);
  const backend = useStore((s) => s.backend);
  const set = useStore((s) => s.set);
  const evaluateFull = useStore((s) => s.evaluateFull);
  const logId = useId();
  const alpha = useStore((s) => s.config.alpha);
  const diverging = evaluation
    ? METHODS.filter((m) => evaluation.curves[m].mse.some((v) => !usable(v))).map((m) => METHOD_LABELS[m])
    : [];

  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const redraw = () => draw(el, width, logScale);
    return subscribeFrame((s) => [s.evaluation, s.config.inner], redraw);
  }, [width, logScale]);

  const at = (i: number) =>
    evaluation
      ? METHODS.map((m) => {
          const c = evaluation.curves[m];
          const v = c.mse[i];
          return v === undefined
            ? null
            : `${METHOD_LABELS[m]} ${formatLoss(v)} ± ${formatLoss(c.ci95[i] ?? 0)}`;
        })
          .filter(Boolean)
          .join(' · ')
      : '';

  return (
    <section className="panel chart" aria-labelledby="adapt-title">
      <div className="chart-head">
        <h2 id="adapt-title">Adaptation curve (paper Fig. 3, live)</h2>
        <div className="chart-tools">
          <span className="inline-field" title="Plot the MSE on a logarithmic axis.">
            <input
              id={logId}
              type="checkbox"
              checked={logScale}
              onChange={(e) => set('adaptLog', e.currentTarget.checked)}
            />
            <label htmlFor={logId}>log y (adaptation)</label>
          </span>
          <button
            type="button"
            disabled={evalBusy !== null}
            onClick={evaluateFull}
            title={`Evaluate the current θ with the paper's protocol: ${FULL_EVAL_TASKS} held-out tasks, 100 query points each.`}
          >
            {evalBusy !== null ? 'Evaluating…' : `Evaluate on ${FULL_EVAL_TASKS} tasks`}
          </button>
        </div>
      </div>
      <p className="chart-sub live" data-testid="adapt-sub">
        {evaluation
          ? `${evaluation.tasks} held-out tasks${evaluation.tasks < FULL_EVAL_TASKS ? ' (a quick live estimate; the paper uses 600)' : ' (the paper protocol)'}, K = ${evaluation.k} support points, 100 query points, measured at meta-step ${evaluation.step}${evaluation.computedOn !== backend ? ` (evaluated on ${evaluation.computedOn} beside ${backend ?? 'the'} training)` : ''}`
          : 'waiting for the first evaluation…'}
      </p>
      <div className="legend">
        {METHODS.map((m) => (
          <span key={m} className="legend-item">
            <svg width="22" height="12" aria-hidden="true">
              <rect x="0" y="1" width="22" height="10" fill={METHOD_COLORS[m]} opacity="0.18" />
              <line x1="0" x2="22" y1="6" y2="6" stroke={METHOD_COLORS[m]} strokeWidth="2.2" />
            </svg>
            {METHOD_LABELS[m]}
          </span>
        ))}
        <span className="legend-item">band: 95% confidence interval</span>
      </div>
      <div ref={ref} className="chart-body">
        <svg
          ref={svgRef}
          role="img"
          aria-label="Mean MSE after 0 to 10 test-time SGD steps for MAML, pretrained and random initialisations, with 95% confidence bands"
        />
      </div>
      {diverging.length > 0 ? (
        <p className="note warn" data-testid="adapt-diverged">
          Fine-tuning diverges at α = {alpha} for {diverging.join(', ')}: the MSE is not finite or above{' '}
          {DIVERGED} after some steps (those points are left out). Lower the inner learning rate α.
        </p>
      ) : null}
      {evaluation ? (
        <p className="numbers">
          after 1 step: {at(1)}
          <br />
          after 10 steps: {at(10)}
        </p>
      ) : null}
      <p className="caption">
        Each curve starts from one initialisation, takes 0–10 SGD steps of size α on K support points of each
        held-out task, and reports the mean squared error on that task’s query points; the shaded band is the
        95% confidence interval (1.96·std/√tasks). MAML should drop sharply after the first step (it was
        trained for exactly that) and keep improving; the pretrained network starts near the mean of all
        training tasks (for sinusoids, ≈ 0) and adapts slowly.
      </p>
    </section>
  );
}
