import * as d3 from 'd3';
import { useEffect, useRef } from 'react';
import { GLYPH_METHODS, type GlyphMethod } from '../../../worker/families/glyphMessages';
import { useWidth } from '../../charts/useWidth';
import { useStore } from '../../store';
import { EVAL_TASKS } from './labSlice';

export const GLYPH_COLORS: Record<GlyphMethod, string> = {
  maml: '#2563eb',
  pretrained: '#d97706',
  random: '#6b7280',
};

export const GLYPH_LABELS: Record<GlyphMethod, string> = {
  maml: 'MAML θ',
  pretrained: 'pretrained (classifier + fresh head)',
  random: 'random init',
};

const HEIGHT = 240;
const M = { top: 12, right: 44, bottom: 36, left: 48 };

function Legend({ methods }: { methods: readonly GlyphMethod[] }) {
  return (
    <ul className="glyph-legend">
      {methods.map((m) => (
        <li key={m}>
          <span className="swatch" style={{ background: GLYPH_COLORS[m] }} />
          {GLYPH_LABELS[m]}
        </li>
      ))}
    </ul>
  );
}

/** Query accuracy on held-out alphabets after 0..n inner steps, mean ± 95% CI, per initialisation. */
export function AccuracyChart() {
  const box = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(box, 420);
  const evaluation = useStore((s) => s.glyphEval);
  const busy = useStore((s) => s.glyphEvalBusy);
  const evaluate = useStore((s) => s.evaluateGlyphs);

  useEffect(() => {
    const svg = d3.select(svgRef.current);
    svg.selectAll('*').remove();
    const w = width - M.left - M.right;
    const h = HEIGHT - M.top - M.bottom;
    const g = svg.append('g').attr('transform', `translate(${M.left},${M.top})`);
    const steps = evaluation?.steps ?? 5;
    const x = d3.scaleLinear().domain([0, steps]).range([0, w]);
    const y = d3.scaleLinear().domain([0, 1]).range([h, 0]);
    g.append('g').attr('transform', `translate(0,${h})`).call(d3.axisBottom(x).ticks(steps));
    g.append('g').call(d3.axisLeft(y).ticks(5).tickFormat(d3.format('.0%')));
    g.append('text')
      .attr('class', 'axis-label')
      .attr('transform', 'rotate(-90)')
      .attr('x', -h / 2)
      .attr('y', -38)
      .attr('text-anchor', 'middle')
      .text('query accuracy');
    g.append('text')
      .attr('class', 'axis-label')
      .attr('x', w / 2)
      .attr('y', h + 30)
      .attr('text-anchor', 'middle')
      .text('inner gradient steps on the support set');
    if (!evaluation) return;
    const chance = 1 / evaluation.ways;
    g.append('line')
      .attr('class', 'chance')
      .attr('x1', 0)
      .attr('x2', w)
      .attr('y1', y(chance))
      .attr('y2', y(chance))
      .attr('stroke', '#9ca3af')
      .attr('stroke-dasharray', '4 3');
    g.append('text')
      .attr('x', w - 4)
      .attr('y', y(chance) - 4)
      .attr('text-anchor', 'end')
      .attr('class', 'axis-label')
      .text(`chance ${(chance * 100).toFixed(0)}%`);
    for (const m of GLYPH_METHODS) {
      const c = evaluation.curves[m];
      if (c.accuracy.length === 0) continue;
      const pts = c.accuracy.map((a, i) => ({ i, a, lo: a - (c.ci95[i] ?? 0), hi: a + (c.ci95[i] ?? 0) }));
      g.append('path')
        .datum(pts)
        .attr('fill', GLYPH_COLORS[m])
        .attr('opacity', 0.12)
        .attr(
          'd',
          d3
            .area<(typeof pts)[number]>()
            .digits(1)
            .x((p) => x(p.i))
            .y0((p) => y(Math.max(0, p.lo)))
            .y1((p) => y(Math.min(1, p.hi))),
        );
      g.append('path')
        .datum(pts)
        .attr('class', `acc-line acc-${m}`)
        .attr('fill', 'none')
        .attr('stroke', GLYPH_COLORS[m])
        .attr('stroke-width', 2)
        .attr(
          'd',
          d3
            .line<(typeof pts)[number]>()
            .digits(1)
            .x((p) => x(p.i))
            .y((p) => y(p.a)),
        );
      g.selectAll(null)
        .data(pts)
        .enter()
        .append('circle')
        .attr('r', 3)
        .attr('fill', GLYPH_COLORS[m])
        .attr('cx', (p) => x(p.i))
        .attr('cy', (p) => y(p.a))
        .append('title')
        .text(
          (p) =>
            `${GLYPH_LABELS[m]}: ${(p.a * 100).toFixed(1)}% ± ${((p.hi - p.a) * 100).toFixed(1)} after ${p.i} steps`,
        );
    }
  }, [evaluation, width]);

  return (
    <section className="panel" aria-label="Accuracy vs inner steps">
      <div className="chart-head">
        <h2>Accuracy vs inner steps</h2>
        <button
          type="button"
          onClick={() => evaluate(EVAL_TASKS)}
          disabled={busy}
          title="Evaluate: adapt each initialisation to held-out-alphabet tasks for 0..5 inner SGD steps and measure query accuracy (training waits meanwhile)."
        >
          {busy ? 'Evaluating…' : `Evaluate ${EVAL_TASKS} tasks`}
        </button>
      </div>
      <p className="chart-sub live" data-testid="glyph-eval-sub">
        {evaluation
          ? `${evaluation.ways}-way ${evaluation.shots}-shot query accuracy on ${evaluation.tasks} tasks from held-out alphabets (never seen in meta-training), mean ± 95% CI, θ at meta-step ${evaluation.step}.`
          : 'Query accuracy on tasks from held-out alphabets after each inner step (computing…).'}
      </p>
      <div ref={box} className="chart-body">
        <svg
          ref={svgRef}
          width={width}
          height={HEIGHT}
          role="img"
          aria-label="Query accuracy after 0 to 5 inner steps"
        />
      </div>
      <Legend methods={GLYPH_METHODS} />
    </section>
  );
}

/** Meta-training query loss per step, with held-out accuracy from each evaluation. */
export function GlyphLearningCurve() {
  const box = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(box, 420);
  const version = useStore((s) => s.seriesVersion);
  const history = useStore((s) => s.accuracyHistory);

  useEffect(() => {
    const meta = useStore.getState().meta;
    const losses = Array.from({ length: meta.length }, (_, i) => ({
      step: meta.steps[i] as number,
      loss: meta.values[i] as number,
    }));
    const svg = d3.select(svgRef.current);
    svg.selectAll('*').remove();
    const w = width - M.left - M.right;
    const h = HEIGHT - M.top - M.bottom;
    const g = svg.append('g').attr('transform', `translate(${M.left},${M.top})`);
    const maxStep = Math.max(1, d3.max(losses, (p) => p.step) ?? 1, d3.max(history, (p) => p.step) ?? 1);
    const x = d3.scaleLinear().domain([0, maxStep]).range([0, w]).nice();
    const maxLoss = Math.max(0.1, d3.max(losses, (p) => p.loss) ?? 2);
    const y = d3.scaleLinear().domain([0, maxLoss]).range([h, 0]).nice();
    const ya = d3.scaleLinear().domain([0, 1]).range([h, 0]);
    g.append('g')
      .attr('transform', `translate(0,${h})`)
      .call(d3.axisBottom(x).ticks(Math.min(5, maxStep)).tickFormat(d3.format('d')));
    g.append('g').call(d3.axisLeft(y).ticks(5));
    g.append('g')
      .attr('transform', `translate(${w},0)`)
      .call(d3.axisRight(ya).ticks(5).tickFormat(d3.format('.0%')));
    g.append('text')
      .attr('class', 'axis-label')
      .attr('x', w / 2)
      .attr('y', h + 30)
      .attr('text-anchor', 'middle')
      .text('meta-step');
    g.append('text')
      .attr('class', 'axis-label')
      .attr('transform', 'rotate(-90)')
      .attr('x', -h / 2)
      .attr('y', -36)
      .attr('text-anchor', 'middle')
      .text('query cross-entropy');
    const line = d3
      .line<(typeof losses)[number]>()
      .digits(1)
      .defined((p) => Number.isFinite(p.loss))
      .x((p) => x(p.step))
      .y((p) => y(p.loss));
    g.append('path')
      .datum(losses)
      .attr('class', 'glyph-loss')
      .attr('fill', 'none')
      .attr('stroke', GLYPH_COLORS.maml)
      .attr('stroke-width', 1.5)
      .attr('d', line);
    for (const m of ['maml', 'random'] as const) {
      g.selectAll(null)
        .data(history)
        .enter()
        .append('rect')
        .attr('width', 7)
        .attr('height', 7)
        .attr('x', (p) => x(p.step) - 3.5)
        .attr('y', (p) => ya(p[m]) - 3.5)
        .attr('fill', '#fff')
        .attr('stroke', GLYPH_COLORS[m])
        .attr('stroke-width', 2)
        .append('title')
        .text(
          (p) => `${GLYPH_LABELS[m]}: ${(p[m] * 100).toFixed(1)}% held-out accuracy at meta-step ${p.step}`,
        );
    }
  }, [version, history, width]);

  return (
    <section className="panel" aria-label="Learning curve">
      <div className="chart-head">
        <h2>Learning curve</h2>
      </div>
      <p className="chart-sub">
        Line: MAML&apos;s meta-training loss (query cross-entropy after the inner step, on meta-training
        alphabets), left axis. Squares: held-out query accuracy after 5 inner steps at each evaluation (every
        50 meta-steps while training, and on pause; MAML blue, random grey), right axis.
      </p>
      <div ref={box} className="chart-body">
        <svg
          ref={svgRef}
          width={width}
          height={HEIGHT}
          role="img"
          aria-label="Meta-training loss by meta-step"
        />
      </div>
    </section>
  );
}
