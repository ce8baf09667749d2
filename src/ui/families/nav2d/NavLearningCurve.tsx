/**
 * The learning curve of meta-reinforcement learning: each meta-iteration's average return after
 * the inner step (on its own meta-batch of goals), and the held-out evaluation's return after one
 * step for each initialisation as circles. Higher is better.
 */
import * as d3 from 'd3';
import { useEffect, useRef } from 'react';
import { METHODS } from '../../../worker/protocol';
import { METHOD_COLORS } from '../../kit/palette';
import { axesStale, chartSvg, layerOf } from '../../kit/svgFrame';
import { useWidth } from '../../kit/useWidth';
import { subscribeFrame } from '../../shell/subscribeFrame';
import { useStore } from '../../shell/store';
import { curvePoints, learningExtent, niceEnd } from './arenaView';
import { drawAxes } from './chartAxes';
import { navState, useNavStore } from './navStore';

const HEIGHT = 240;
const M = { top: 12, right: 16, bottom: 40, left: 52 };

function draw(el: SVGSVGElement, width: number): void {
  const s = navState(useStore.getState());
  const pts = curvePoints(s.meta, Math.floor(width / 2));
  const history = s.returnHistory;
  const svg = chartSvg(el, width, HEIGHT);
  const last = Math.max(
    1,
    s.meta.length > 0 ? (s.meta.steps[s.meta.length - 1] as number) : 1,
    history.at(-1)?.step ?? 1,
  );
  const x = d3.scaleLinear([0, niceEnd(last)], [M.left, width - M.right]);
  const y = d3.scaleLinear(learningExtent(pts, history), [HEIGHT - M.bottom, M.top]).nice();
  const axes = layerOf(svg, 'axes');
  if (axesStale(el, `${width}|${x.domain().join()}|${y.domain().join()}`)) {
    axes.selectAll('*').remove();
    drawAxes(axes, { width, height: HEIGHT, margin: M }, x, y, {
      x: 'meta-iteration',
      y: 'average return after the step',
      xTicks: 6,
    });
  }
  const g = layerOf(svg, 'plot');
  const line = d3
    .line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  g.selectAll('path.nav-learning')
    .data([null])
    .join('path')
    .attr('class', 'nav-learning')
    .attr('d', line(pts))
    .attr('fill', 'none')
    .attr('stroke', METHOD_COLORS.maml)
    .attr('stroke-width', 1.5)
    .attr('data-testid', 'nav-learning-line');
  const dots = METHODS.flatMap((m) =>
    history.flatMap((p) => {
      const v = p[m];
      return v === undefined || !Number.isFinite(v) ? [] : [{ m, cx: x(p.step), cy: y(v) }];
    }),
  );
  g.selectAll('circle')
    .data(dots)
    .join('circle')
    .attr('cx', (d) => d.cx)
    .attr('cy', (d) => d.cy)
    .attr('r', 3.5)
    .attr('fill', 'white')
    .attr('stroke', (d) => METHOD_COLORS[d.m])
    .attr('stroke-width', 1.5);
}

export function NavLearningCurve() {
  const holder = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = Math.min(useWidth(holder), 640);
  const count = useNavStore((s) => s.returnHistory.length);

  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    draw(el, width);
    return subscribeFrame(
      (s) => [s.seriesVersion, navState(s).returnHistory],
      () => draw(el, width),
      200,
    );
  }, [width]);

  return (
    <section className="panel" aria-labelledby="nav-learning-title">
      <h2 id="nav-learning-title">Learning curve</h2>
      <div ref={holder}>
        <svg
          ref={svgRef}
          role="img"
          aria-label="Average post-update return per meta-iteration, with held-out evaluations"
        />
      </div>
      <p className="caption">
        The line is each meta-iteration&apos;s average return after the inner step, on the goals of its own
        meta-batch (what meta-training maximises). Circles ({count} so far) are the held-out evaluation: the
        return after one inner step on fresh goals, blue for MAML θ, orange for the pretrained policy, grey
        for the random initialisation.
      </p>
    </section>
  );
}
