/**
 * Average return on held-out goals after 0..3 inner policy-gradient steps, per initialisation,
 * with 95% intervals over the goals (higher is better; the paper's MAML values as a reference).
 */
import * as d3 from 'd3';
import { useEffect, useRef } from 'react';
import { PAPER_MAML_RETURNS } from '../../../core/families/nav2d/report';
import { METHODS } from '../../../worker/protocol';
import { METHOD_COLORS } from '../../kit/palette';
import { cancelDraw, requestDraw } from '../../kit/frameScheduler';
import { axesStale, chartSvg, layerOf, type Layer } from '../../kit/svgFrame';
import { useWidth } from '../../kit/useWidth';
import { NAV_METHOD_LABELS, formatReturn, returnExtent } from './arenaView';
import { drawAxes, legendRow, type ChartBox } from './chartAxes';
import { EVAL_STEPS, type ReturnsReply } from './navSlice';
import { useNavStore } from './navStore';

const HEIGHT = 260;
const MARGIN = { top: 12, right: 150, bottom: 40, left: 52 };
type Scale = d3.ScaleLinear<number, number>;

function drawCurves(g: Layer, box: ChartBox, x: Scale, y: Scale, returns: ReturnsReply | null): void {
  const line = d3
    .line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const paper = PAPER_MAML_RETURNS.map((v, i) => [i, v] as [number, number]).filter(
    ([, v]) => v >= (y.domain()[0] as number),
  );
  g.append('path')
    .attr('d', line(paper))
    .attr('fill', 'none')
    .attr('stroke', '#111827')
    .attr('stroke-dasharray', '2 3');
  let row = 0;
  for (const m of METHODS) {
    const c = returns?.curves[m];
    if (!c) continue;
    const pts = c.values.map((v, i) => [i, v] as [number, number]);
    const band = d3
      .area<[number, number]>()
      .x((p) => x(p[0]))
      .y0((p) => y(p[1] - (c.ci95[p[0]] ?? 0)))
      .y1((p) => y(p[1] + (c.ci95[p[0]] ?? 0)));
    g.append('path').attr('d', band(pts)).attr('fill', METHOD_COLORS[m]).attr('opacity', 0.15);
    g.append('path')
      .attr('d', line(pts))
      .attr('fill', 'none')
      .attr('stroke', METHOD_COLORS[m])
      .attr('stroke-width', 2)
      .attr('data-testid', `nav-return-${m}`);
    legendRow(g, box, row++, METHOD_COLORS[m], NAV_METHOD_LABELS[m].split(' (')[0] as string);
  }
  legendRow(g, box, row, '#111827', 'paper’s MAML', '2 3');
}

function draw(el: SVGSVGElement, width: number, returns: ReturnsReply | null): void {
  const box: ChartBox = { width, height: HEIGHT, margin: MARGIN };
  const svg = chartSvg(el, width, HEIGHT);
  const x = d3.scaleLinear([0, EVAL_STEPS], [MARGIN.left, width - MARGIN.right]);
  // the axis reaches the paper's best return, so its whole reference line is on the chart
  const [lo, hi] = returnExtent(returns?.curves ?? {});
  const top = Math.min(0, Math.max(hi, Math.max(...PAPER_MAML_RETURNS) + 1));
  const y = d3.scaleLinear([lo, top], [HEIGHT - MARGIN.bottom, MARGIN.top]).nice();
  const axes = layerOf(svg, 'axes');
  if (axesStale(el, `${width}|${y.domain().join()}`)) {
    axes.selectAll('*').remove();
    drawAxes(axes, box, x, y, {
      x: 'inner policy-gradient steps on the new goal',
      y: 'average return (higher is better)',
      xTicks: EVAL_STEPS,
    });
  }
  const g = layerOf(svg, 'plot');
  g.selectAll('*').remove();
  drawCurves(g, box, x, y, returns);
}

function subtitle(returns: ReturnsReply | null, busy: boolean): string {
  if (!returns) return busy ? 'evaluating on held-out goals…' : 'no evaluation yet';
  const after = returns.curves.maml?.values[1];
  const maml = after === undefined ? '' : `; MAML after one step: ${formatReturn(after)}`;
  return `${returns.tasks} held-out goals, ${returns.trajs} trajectories per step, mean ± 95% interval, θ at meta-step ${returns.step}${maml}`;
}

export function ReturnChart() {
  const holder = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = Math.min(useWidth(holder), 640);
  const returns = useNavStore((s) => s.returns);
  const busy = useNavStore((s) => s.returnsBusy);

  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    // drawn in an animation frame, not in the task that brought the evaluation
    const job = () => draw(el, width, returns);
    requestDraw(job);
    return () => cancelDraw(job);
  }, [width, returns]);

  return (
    <section className="panel" aria-labelledby="nav-returns-title">
      <h2 id="nav-returns-title">Return vs inner steps</h2>
      <p className="note" data-testid="nav-returns-subtitle">
        {subtitle(returns, busy)}
      </p>
      <div ref={holder}>
        <svg
          ref={svgRef}
          role="img"
          aria-label="Average return on held-out goals after 0 to 3 inner steps for MAML, pretrained and random initialisations, with 95% intervals"
        />
      </div>
      <p className="caption">
        Each curve starts from one initialisation and takes 0–{EVAL_STEPS} REINFORCE steps (the first of rate
        α, the next of α/2, as the paper's released evaluation) on fresh trajectories toward goals never used
        in meta-training; the return is the negative distance to the goal summed over the 100-step episode (0
        would be standing on the goal). The band is the 95% interval over goals; the dotted line is the MAML
        paper&apos;s table (−40.41, −11.68, −3.33, −3.23). MAML should gain most from the first step: that is
        what it was meta-trained for.
      </p>
    </section>
  );
}
