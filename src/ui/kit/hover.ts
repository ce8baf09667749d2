/**
 * Every chart's hover, written once. Two kinds:
 * - a readout over a chart with an x axis (`plotHover`): the pointer, or the arrow keys once the
 *   chart has keyboard focus, picks the nearest place on the x axis; a vertical line and a dot on
 *   each series mark it, and a box in the half of the plot away from the points reads the values
 *   there (also said to screen readers through a live region). It hides when the pointer leaves
 *   or focus goes.
 * - a linked hover (`hoverProps`, `linkHover`): pointing at one item (a task's path, its legend
 *   row, a prediction) sets the page's hovered item, which other views pick out; leaving clears
 *   it. A focusable item (a task's legend row) does the same while it has keyboard focus.
 */
import * as d3 from 'd3';
import { layerOf, setAttr, type PlotArea, type SvgSelection } from './svgFrame';

/**
 * The index of the value in `xs` (ascending) nearest to `x`, or -1 when `xs` is empty. Ties go to
 * the lower index.
 */
export function nearestIndex(xs: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && x - (xs[lo - 1] as number) <= (xs[lo] as number) - x) return lo - 1;
  return lo;
}

/**
 * Where a key moves the readout from place `i` of `n`: the arrows by one place (kept in 0..n-1),
 * Home and End to the ends; null for other keys, or when there are no places.
 */
export function stepIndex(i: number, n: number, key: string): number | null {
  const last = n - 1;
  if (n === 0) return null;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return Math.max(0, i - 1);
    case 'ArrowRight':
    case 'ArrowUp':
      return Math.min(last, i + 1);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}

/** What a chart's readout shows at its places. */
export interface HoverSpec {
  area: PlotArea;
  /** the pixel x of each place the readout can stop at, ascending */
  xs: readonly number[];
  /** the series' points at place i: pixel y and colour */
  marks(i: number): readonly { y: number; color: string }[];
  /** the readout at place i, one line each (the first one names the place) */
  readout(i: number): readonly string[];
}

interface HoverState {
  spec: HoverSpec;
  /** the pixel x the readout is at, or null when hidden */
  px: number | null;
  /** whether the arrow keys put it there (it stays while focus does) */
  byKey: boolean;
  live: HTMLElement | null;
}

const states = new WeakMap<SVGSVGElement, HoverState>();
const PAD = 5;
const LINE = 15;

function render(svg: SvgSelection, state: HoverState, announce: boolean): void {
  const { spec } = state;
  const layer = layerOf(svg, 'hover');
  const g = layer.node();
  if (!g) return;
  // drawn over everything, whatever layers the chart adds later
  if (g.nextSibling) g.parentNode?.appendChild(g);
  setAttr(g, 'pointer-events', 'none');
  const i = state.px === null ? -1 : nearestIndex(spec.xs, state.px);
  const shown = i >= 0;
  setAttr(g, 'display', shown ? 'inline' : 'none');
  // said when the keys move it, not at every redraw of live data
  if (state.live && (announce || !shown))
    state.live.textContent = shown && state.byKey ? spec.readout(i).join(', ') : '';
  if (!shown) return;
  const { area } = spec;
  const x = spec.xs[i] as number;
  const marks = spec.marks(i).filter((m) => Number.isFinite(m.y));
  layer
    .selectAll('line.hover-line')
    .data([x])
    .join('line')
    .attr('class', 'hover-line')
    .attr('x1', x)
    .attr('x2', x)
    .attr('y1', area.top)
    .attr('y2', area.top + area.height);
  layer
    .selectAll('circle.hover-dot')
    .data(marks)
    .join('circle')
    .attr('class', 'hover-dot')
    .attr('r', 4)
    .attr('cx', x)
    .attr('cy', (m) => m.y)
    .attr('stroke', (m) => m.color);
  const lines = spec.readout(i);
  const box = layer.selectAll('g.hover-readout').data([null]).join('g').attr('class', 'hover-readout');
  const rect = box.selectAll('rect').data([null]).join('rect').attr('rx', 3);
  const text = box
    .selectAll<SVGTextElement, null>('text')
    .data([null])
    .join('text')
    .attr('data-testid', 'hover-readout')
    .attr('y', PAD + 11);
  text
    .selectAll('tspan')
    .data(lines)
    .join('tspan')
    .attr('x', PAD)
    .attr('dy', (_, k) => (k === 0 ? 0 : LINE))
    .attr('font-weight', (_, k) => (k === 0 ? 600 : null))
    .text((t) => t);
  const width = (text.node()?.getBBox().width ?? 0) + 2 * PAD;
  const height = lines.length * LINE + PAD;
  rect.attr('width', width).attr('height', height);
  // beside the line, on the side with room, in the half of the plot the points are not in
  const right = x + 8 + width <= area.left + area.width;
  const high = (d3.mean(marks, (m) => m.y) ?? Infinity) < area.top + area.height / 2;
  const bx = right ? x + 8 : Math.max(area.left, x - 8 - width);
  const by = high ? area.top + area.height - height - 4 : area.top + 4;
  box.attr('transform', `translate(${bx},${by})`);
}

/** The visually hidden live region beside the chart that reads the readout to screen readers. */
function liveRegion(el: SVGSVGElement): HTMLElement | null {
  const parent = el.parentElement;
  if (!parent) return null;
  const live = document.createElement('span');
  live.className = 'visually-hidden';
  live.setAttribute('aria-live', 'polite');
  parent.appendChild(live);
  return live;
}

function listen(svg: SvgSelection, el: SVGSVGElement, state: HoverState): void {
  const at = (px: number | null, byKey: boolean) => {
    state.px = px;
    state.byKey = byKey;
    render(svg, state, true);
  };
  setAttr(el, 'tabindex', 0);
  svg
    .on('pointermove.hover', (e: PointerEvent) => {
      const [px, py] = d3.pointer(e, el);
      const { area } = state.spec;
      const inside =
        px >= area.left && px <= area.left + area.width && py >= area.top && py <= area.top + area.height;
      if (inside) at(px, false);
      else if (!state.byKey) at(null, false);
    })
    .on('pointerleave.hover', () => {
      if (!state.byKey) at(null, false);
    })
    .on('focus.hover', () => {
      // a click focuses the chart too: the pointer already shows the readout then
      if (!el.matches(':focus-visible')) return;
      const { xs } = state.spec;
      if (xs.length > 0) at(state.px ?? (xs[xs.length - 1] as number), true);
    })
    .on('blur.hover', () => at(null, false))
    .on('keydown.hover', (e: KeyboardEvent) => {
      const { xs } = state.spec;
      const i = state.px === null ? xs.length - 1 : nearestIndex(xs, state.px);
      const next = e.key === 'Escape' && state.px !== null ? -1 : stepIndex(i, xs.length, e.key);
      if (next === null) return;
      // the page's own keys (the walk-through's arrows) leave a key the chart used alone
      e.preventDefault();
      e.stopPropagation();
      at(next < 0 ? null : (xs[next] as number), next >= 0);
    });
}

/**
 * The chart's hover readout, called at the end of each draw with where its places are now: the
 * readout stays at the pointer (or the key's place) as the data under it changes.
 */
export function plotHover(svg: SvgSelection, spec: HoverSpec): void {
  const el = svg.node();
  if (!el) return;
  let state = states.get(el);
  if (!state) {
    state = { spec, px: null, byKey: false, live: liveRegion(el) };
    states.set(el, state);
    listen(svg, el, state);
  }
  state.spec = spec;
  render(svg, state, false);
}

/** React props: the element sets the page's hovered item to `value` while pointed at or focused. */
export function hoverProps<T>(set: (v: T | null) => void, value: T) {
  const on = () => set(value);
  const off = () => set(null);
  return { onMouseEnter: on, onMouseLeave: off, onFocus: on, onBlur: off };
}

/** The same for D3 marks: each sets the hovered item to `key(datum)` while the pointer is over it. */
export function linkHover<E extends Element, D>(
  marks: d3.Selection<E, D, d3.BaseType, unknown>,
  set: (v: number | null) => void,
  key: (d: D) => number,
): void {
  marks.on('mouseenter.link', (_, d) => set(key(d))).on('mouseleave.link', () => set(null));
}
