/**
 * What every D3 chart here does to its SVG before drawing data: size it, find or create its named
 * groups, and keep the plot area's clip rectangle. Attributes are written only when their value
 * changes: re-writing an SVG attribute, even with the same value, makes the element lay out and
 * paint again, and re-writing a clip path's rectangle does that to every element it clips, on
 * charts redrawn several times a second while training.
 */
import * as d3 from 'd3';

export type SvgSelection = d3.Selection<SVGSVGElement, unknown, null, undefined>;
export type Layer = d3.Selection<SVGGElement, null, SVGSVGElement, unknown>;

/** Write an attribute only if its value differs from the one there. */
export function setAttr(el: Element, name: string, value: string | number): void {
  const v = String(value);
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

/**
 * Whether a chart's axes must be rebuilt: `key` names what they depend on (size, domains); it is
 * kept on the element, and axes are rebuilt only when it changes.
 */
export function axesStale(el: Element, key: string): boolean {
  if (el.getAttribute('data-axes') === key) return false;
  el.setAttribute('data-axes', key);
  return true;
}

/** Select a chart's SVG element and size it. */
export function chartSvg(el: SVGSVGElement, width: number, height: number): SvgSelection {
  setAttr(el, 'width', width);
  setAttr(el, 'height', height);
  return d3.select(el);
}

/**
 * The chart's `g.<name>` group, created on first use (groups created later draw on top), clipped
 * to the clip path `clip` when one is given.
 */
export function layerOf(svg: SvgSelection, name: string, clip?: string): Layer {
  const g = svg.selectAll<SVGGElement, null>(`g.${name}`).data([null]);
  const layer = g.enter().append('g').attr('class', name).merge(g);
  const node = layer.node();
  if (clip !== undefined && node) setAttr(node, 'clip-path', `url(#${clip})`);
  return layer;
}

/** The plot area's clip rectangle, under the id `id` (created once, rewritten only when the area moves). */
export function plotClip(
  svg: SvgSelection,
  id: string,
  rect: { x: number; y: number; width: number; height: number },
): string {
  const clip = svg
    .selectAll('defs')
    .data([null])
    .join('defs')
    .selectAll<SVGClipPathElement, null>('clipPath')
    .data([null])
    .join('clipPath')
    .node();
  if (!clip) return id;
  setAttr(clip, 'id', id);
  const r = d3.select(clip).selectAll<SVGRectElement, null>('rect').data([null]).join('rect').node();
  if (r) for (const [k, v] of Object.entries(rect)) setAttr(r, k, v);
  return id;
}

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** The plot area inside a chart's margins, in SVG pixels. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function plotArea(width: number, height: number, margin: Margin): PlotArea {
  return {
    left: margin.left,
    top: margin.top,
    width: Math.max(1, width - margin.left - margin.right),
    height: Math.max(1, height - margin.top - margin.bottom),
  };
}

/**
 * Every chart's axis titles, placed the same way: x under the plot area, y left of it (rotated),
 * and y2 right of it for a second axis. `box` is the whole SVG. Returns the titles' selection
 * (e.g. for test ids).
 */
export function axisTitles(
  layer: Layer,
  area: PlotArea,
  box: { width: number; height: number },
  titles: { x: string; y: string; y2?: string },
) {
  const midX = area.left + area.width / 2;
  const midY = area.top + area.height / 2;
  const rows = [
    { t: titles.x, x: midX, y: box.height - 5, r: 0 },
    { t: titles.y, x: -midY, y: 12, r: -90 },
    ...(titles.y2 !== undefined ? [{ t: titles.y2, x: midY, y: -(box.width - 10), r: 90 }] : []),
  ];
  return layer
    .selectAll<SVGTextElement, (typeof rows)[number]>('text')
    .data(rows)
    .join('text')
    .attr('class', 'axis-label')
    .attr('text-anchor', 'middle')
    .attr('transform', (d) => (d.r ? `rotate(${d.r})` : null))
    .attr('x', (d) => d.x)
    .attr('y', (d) => d.y)
    .text((d) => d.t);
}
