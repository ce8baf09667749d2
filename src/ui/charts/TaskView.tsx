import * as d3 from 'd3';
import { useEffect, useRef } from 'react';
import { METHODS, type MethodName } from '../../worker/protocol';
import { RangeField } from '../controls/RangeField';
import { formatLoss } from '../format';
import { subscribeFrame, useStore, type State } from '../store';
import { familyOf, yRangeOf } from '../viewTask';
import { fanColor, METHOD_COLORS, taskColor } from './palette';
import { useWidth } from './useWidth';

const HEIGHT = 250;
const MARGIN = { top: 10, right: 10, bottom: 34, left: 38 };
/** clicking within this many pixels of a support point removes it */
const HIT_RADIUS = 9;

const PANEL_TITLES: Record<MethodName, string> = {
  maml: 'MAML initialisation θ',
  pretrained: 'Pretrained initialisation',
  random: 'Random initialisation',
};

const PANEL_HELP: Record<MethodName, string> = {
  maml: 'The meta-learned θ, fine-tuned on this task with plain SGD at the inner learning rate α.',
  pretrained:
    'The same network trained by ordinary regression on all tasks at once, then fine-tuned the same way.',
  random: 'The untrained network at the seed’s initial weights, fine-tuned the same way.',
};

interface Scales {
  x: d3.ScaleLinear<number, number>;
  y: d3.ScaleLinear<number, number>;
}

function mseToTruth(pred: Float32Array, offset: number, truth: Float64Array): number {
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += ((pred[offset + i] as number) - (truth[i] as number)) ** 2;
  return s / truth.length;
}

function drawPanel(
  el: SVGSVGElement,
  summary: HTMLElement | null,
  method: MethodName,
  state: State,
  width: number,
): Scales {
  const svg = d3.select(el).attr('width', width).attr('height', HEIGHT);
  const x = d3.scaleLinear(familyOf(state.config).xRange as [number, number], [
    MARGIN.left,
    width - MARGIN.right,
  ]);
  const yDomain = yRangeOf(state.config);
  const y = d3.scaleLinear(yDomain, [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const clipId = `clip-task-${method}`;

  const layer = (name: string) => {
    const g = svg.selectAll<SVGGElement, null>(`g.${name}`).data([null]);
    return g.enter().append('g').attr('class', name).merge(g);
  };
  svg
    .selectAll('defs')
    .data([null])
    .join('defs')
    .selectAll('clipPath')
    .data([null])
    .join('clipPath')
    .attr('id', clipId)
    .selectAll('rect')
    .data([null])
    .join('rect')
    .attr('x', MARGIN.left)
    .attr('y', MARGIN.top)
    .attr('width', width - MARGIN.left - MARGIN.right)
    .attr('height', HEIGHT - MARGIN.top - MARGIN.bottom);

  // axes depend only on the size: rebuilt when it changes, not on every redraw
  const axesKey = `${width}:${x.domain().join()}`;
  if (el.getAttribute('data-axes') !== axesKey) {
    el.setAttribute('data-axes', axesKey);
    layer('grid')
      .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
      .call(
        d3
          .axisBottom(x)
          .ticks(5)
          .tickSize(-(HEIGHT - MARGIN.top - MARGIN.bottom))
          .tickFormat(() => ''),
      )
      .call((g) => g.select('.domain').remove());
    layer('x-axis')
      .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
      .call(d3.axisBottom(x).ticks(5));
    layer('y-axis').attr('transform', `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(5));
    layer('x-label')
      .selectAll('text')
      .data([null])
      .join('text')
      .attr('class', 'axis-label')
      .attr('x', (MARGIN.left + width - MARGIN.right) / 2)
      .attr('y', HEIGHT - 3)
      .attr('text-anchor', 'middle')
      .text('x');
    layer('y-label')
      .selectAll('text')
      .data([null])
      .join('text')
      .attr('class', 'axis-label')
      .attr('transform', `translate(11,${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .text('y');
  }

  const { task, predictions } = state;
  const family = familyOf(state.config);

  // the true function of the sampled task
  const [x0, x1] = family.xRange;
  const n = 200;
  const truthXs = Float64Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
  const truth = truthXs.map((v) => family.truth(task.params, 0, v));
  const line = d3
    .line<number>()
    .x((_, i) => x(truthXs[i] as number))
    .y((v) => y(v));
  layer('truth')
    .attr('clip-path', `url(#${clipId})`)
    .selectAll('path')
    .data([Array.from(truth)])
    .join('path')
    .attr('class', 'truth-line')
    .attr('d', line);

  // a task hovered in the parameter-space view: its true curve, in its colour there
  const shown = state.shownTasks;
  const hover = state.hoverTask;
  const hasView = shown?.viewTaskId !== null && shown?.viewTaskId !== undefined;
  const ghost = shown && hover !== null && hover < shown.count && !(hasView && hover === 0) ? hover : null;
  layer('ghost')
    .attr('clip-path', `url(#${clipId})`)
    .selectAll('path')
    .data(ghost !== null && shown ? [ghost] : [])
    .join('path')
    .attr('class', 'ghost-truth')
    .attr('data-task', (i) => i)
    .attr('stroke', (i) => taskColor(i, hasView))
    .attr('d', (i) =>
      line(Array.from(truthXs, (v) => family.truth(shown?.params ?? [], i * (shown?.perTask ?? 0), v))),
    );

  // the fan: predictions after 0..S inner steps
  const fan = layer('fan').attr('clip-path', `url(#${clipId})`);
  let summaryText = 'computing…';
  if (predictions) {
    const grid = predictions.grid;
    const g = grid.length;
    const s = predictions.steps;
    const rows = d3.range(s + 1);
    const stale = predictions.taskId !== task.id;
    const values = predictions.fans[method];
    const pl = d3
      .line<number>()
      .x((i) => x(grid[i % g] as number))
      .y((i) => y(Math.max(-1e3, Math.min(1e3, values[i] as number))))
      .defined((i) => Number.isFinite(values[i] as number));
    fan
      .attr('opacity', stale ? 0.35 : 1)
      .attr('data-step', predictions.step)
      .selectAll<SVGPathElement, number>('path')
      .data(rows)
      .join('path')
      .attr('class', 'fan-line')
      .attr('data-inner-step', (r) => r)
      .attr('stroke', (r) => fanColor(r, s))
      .attr('stroke-width', (r) => (r === s ? 2.6 : r === 0 ? 1.8 : 1.2))
      .attr('stroke-dasharray', (r) => (r === 0 && s > 0 ? '5 3' : null))
      .attr('d', (r) => pl(d3.range(r * g, (r + 1) * g)));
    if (!stale && g === truth.length) {
      const before = mseToTruth(values, 0, Float64Array.from(truth));
      const after = mseToTruth(values, s * g, Float64Array.from(truth));
      summaryText =
        s === 0
          ? `MSE to the true curve: ${formatLoss(before)} (no support points, no adaptation)`
          : `MSE to the true curve: ${formatLoss(before)} before → ${formatLoss(after)} after ${s} step${s === 1 ? '' : 's'}${Number.isFinite(after) && after < 1e4 ? '' : ' (fine-tuning diverges: lower α)'}`;
    }
  } else {
    fan.selectAll('path').remove();
  }
  if (summary) summary.textContent = summaryText;

  // support points (clicking one removes it)
  layer('points')
    .selectAll<SVGCircleElement, number>('circle')
    .data(d3.range(task.xs.length))
    .join('circle')
    .attr('class', 'support-point')
    .attr('r', 4.5)
    .attr('cx', (i) => x(task.xs[i] as number))
    .attr('cy', (i) => y(Math.max(yDomain[0], Math.min(yDomain[1], task.ys[i] as number))));

  return { x, y };
}

function FanLegend({ steps }: { steps: number }) {
  const w = 220;
  const stops = d3.range(0, 1.0001, 0.1);
  const ticks = steps <= 10 ? d3.range(steps + 1) : [0, steps];
  return (
    <div className="legend" aria-label="Legend of the task view">
      <span className="legend-item">
        <svg width="28" height="10" aria-hidden="true">
          <line x1="0" x2="28" y1="5" y2="5" className="truth-line" />
        </svg>
        true function
      </span>
      <span className="legend-item">
        <svg width="12" height="12" aria-hidden="true">
          <circle cx="6" cy="6" r="4.5" className="support-point" />
        </svg>
        support points (click to add or remove)
      </span>
      <span className="legend-item">
        prediction after inner step
        <svg
          width={w + 16}
          height="30"
          role="img"
          aria-label={`colour scale: test-time SGD steps 0 to ${steps}`}
        >
          <defs>
            <linearGradient id="fan-gradient">
              {stops.map((t) => (
                <stop
                  key={t}
                  offset={`${t * 100}%`}
                  stopColor={fanColor(t * Math.max(1, steps), Math.max(1, steps))}
                />
              ))}
            </linearGradient>
          </defs>
          <rect x="8" y="2" width={w} height="10" fill="url(#fan-gradient)" rx="2" />
          {ticks.map((t) => {
            const px = 8 + (steps === 0 ? 0 : (t / steps) * w);
            return (
              <g key={t}>
                <line x1={px} x2={px} y1="12" y2="16" stroke="#555" />
                <text x={px} y="27" textAnchor="middle" className="tick-text">
                  {t}
                </text>
              </g>
            );
          })}
        </svg>
      </span>
    </div>
  );
}

/**
 * The task view: one sampled task, its K support points, and for each initialisation the fan of
 * predictions after 0..n inner SGD steps on those points (computed in the worker).
 */
export function TaskView() {
  const containerRef = useRef<HTMLDivElement>(null);
  const width = useWidth(containerRef, 900);
  const svgs = useRef<Partial<Record<MethodName, SVGSVGElement | null>>>({});
  const summaries = useRef<Partial<Record<MethodName, HTMLElement | null>>>({});
  const scales = useRef<Partial<Record<MethodName, Scales>>>({});
  const task = useStore((s) => s.task);
  const fanSteps = useStore((s) => s.fanSteps);
  const config = useStore((s) => s.config);
  const { newTask, setFanSteps, setHoverTask } = useStore.getState();
  // the parameter-space view highlights this task's path while the pointer is over the panels
  const linked = useStore((s) => s.hoverTask === 0 && s.shownTasks?.viewTaskId === s.task.id);
  const shownHasView = useStore((s) => s.shownTasks !== null && s.shownTasks.viewTaskId !== null);
  const hoveredIndex = useStore((s) => {
    const h = s.hoverTask;
    if (!s.shownTasks || h === null || h >= s.shownTasks.count) return null;
    return s.shownTasks.viewTaskId !== null && h === 0 ? null : h;
  });
  const hoveredOther =
    hoveredIndex === null
      ? null
      : {
          label: `task ${shownHasView ? hoveredIndex : hoveredIndex + 1}`,
          color: taskColor(hoveredIndex, shownHasView),
        };

  const columns = width >= 720 ? 3 : 1;
  const panelWidth = Math.floor((width - (columns - 1) * 14) / columns);

  useEffect(() => {
    // one subscription per panel, so the frame scheduler can spread the three redraws
    const unsubscribe = METHODS.map((m) => {
      const draw = () => {
        const el = svgs.current[m];
        if (el)
          scales.current[m] = drawPanel(el, summaries.current[m] ?? null, m, useStore.getState(), panelWidth);
      };
      draw();
      return subscribeFrame((s) => [s.predictions, s.task, s.config.task, s.hoverTask, s.shownTasks], draw);
    });
    return () => unsubscribe.forEach((u) => u());
  }, [panelWidth]);

  const onClick = (method: MethodName) => (e: React.MouseEvent<SVGSVGElement>) => {
    const sc = scales.current[method];
    if (!sc) return;
    const [px, py] = d3.pointer(e.nativeEvent, e.currentTarget);
    const [r0, r1] = sc.x.range() as [number, number];
    const [b0, t0] = sc.y.range() as [number, number];
    if (px < r0 - HIT_RADIUS || px > r1 + HIT_RADIUS || py > b0 + HIT_RADIUS || py < t0 - HIT_RADIUS) return;
    const t = useStore.getState().task;
    let nearest = -1;
    let best = HIT_RADIUS;
    t.xs.forEach((xv, i) => {
      const d = Math.hypot(sc.x(xv) - px, sc.y(t.ys[i] as number) - py);
      if (d <= best) {
        best = d;
        nearest = i;
      }
    });
    const state = useStore.getState();
    if (nearest >= 0) state.removePoint(nearest);
    else {
      const [lo, hi] = sc.x.domain() as [number, number];
      const xv = Math.min(hi, Math.max(lo, sc.x.invert(px)));
      const [y0, y1] = sc.y.domain() as [number, number];
      const yv = Math.min(y1, Math.max(y0, sc.y.invert(py)));
      state.addPoint(Number(xv.toFixed(3)), Number(yv.toFixed(3)));
    }
  };

  return (
    <section className={`panel chart task-view${linked ? ' linked' : ''}`} aria-labelledby="task-title">
      <div className="chart-head">
        <h2 id="task-title">Task view: adapting to one task</h2>
        <div className="chart-tools">
          <button
            type="button"
            onClick={newTask}
            title="New task: sample another task of this family (e.g. a new amplitude and phase) with K support points from the seed."
          >
            New task
          </button>
          <div className="compact">
            <RangeField
              label="adaptation steps shown"
              help="How many test-time inner SGD steps to draw in the fan (the paper evaluates up to 10)."
              value={fanSteps}
              min={0}
              max={10}
              onChange={setFanSteps}
            />
          </div>
        </div>
      </div>
      <p className="task-desc">
        Task <strong>{task.description}</strong> · {task.xs.length} support point
        {task.xs.length === 1 ? '' : 's'} · inner learning rate α = {config.alpha}
        {config.algo === 'metasgd' ? ' (MAML panel: the learned per-parameter α)' : ''}
        {hoveredOther ? (
          <span className="ghost-note" style={{ color: hoveredOther.color }}>
            {' '}
            · coloured curve: {hoveredOther.label} of the parameter-space view
          </span>
        ) : null}
      </p>
      <FanLegend steps={fanSteps} />
      <div
        ref={containerRef}
        className={`panels cols-${columns}`}
        onMouseEnter={() => setHoverTask(0)}
        onMouseLeave={() => setHoverTask(null)}
      >
        {METHODS.map((m) => (
          <figure key={m} className="task-panel" data-panel={m}>
            <figcaption title={PANEL_HELP[m]}>
              <span className="swatch" style={{ background: METHOD_COLORS[m] }} />
              {PANEL_TITLES[m]}
            </figcaption>
            <svg
              ref={(el) => {
                svgs.current[m] = el;
              }}
              className="clickable"
              role="img"
              aria-label={`${PANEL_TITLES[m]}: predictions after 0 to ${fanSteps} test-time SGD steps. Click to add a support point, click a point to remove it.`}
              onClick={onClick(m)}
            />
            <p
              className="panel-summary"
              data-testid={`summary-${m}`}
              ref={(el) => {
                summaries.current[m] = el;
              }}
            />
          </figure>
        ))}
      </div>
      <p className="caption">
        Each panel starts from a different initialisation and takes plain SGD steps on the black support
        points only; dark dashed is the prediction before any step, warmer colours come after more steps. A
        good meta-learned θ fits the dashed true curve after one or a few steps from only K points; the random
        and pretrained initialisations barely move or fit the points without recovering the true curve. Click
        anywhere to add a point (it need not lie on the curve), click a point to remove it.
      </p>
    </section>
  );
}
