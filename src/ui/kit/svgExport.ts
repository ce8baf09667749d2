/**
 * A chart as a file: a standalone SVG (the page's stylesheet is not in the file, so the computed
 * styles that draw it are written onto each element), and a PNG rendered from that SVG on a
 * canvas. A chart made of several SVGs, canvases (images) and HTML labels (panel titles) is
 * composed into one SVG at the places the page lays them out, under the chart's title, on white.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** The presentation properties that make a chart look as on the page. */
const STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
  'paint-order',
] as const;

/** margin around the composed figure, and the band its title takes (CSS pixels) */
export const FIGURE_MARGIN = 12;
export const TITLE_BAND = 30;

/**
 * A copy of `svg` whose elements carry their computed styles inline (fill, stroke, fonts…), so the
 * copy draws the same outside the page. The original must be in the document.
 */
export function svgToStandalone(svg: SVGSVGElement): SVGSVGElement {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const to = [copy, ...Array.from(copy.querySelectorAll('*'))];
  from.forEach((el, i) => {
    const target = to[i];
    if (!target || el.closest('defs')) return;
    const cs = getComputedStyle(el);
    const style = STYLE_PROPS.map((p) => [p, cs.getPropertyValue(p)] as const)
      .filter(([, v]) => v !== '')
      .map(([p, v]) => `${p}:${v}`)
      .join(';');
    target.setAttribute('style', style);
  });
  const { width, height } = svg.getBoundingClientRect();
  copy.setAttribute('xmlns', SVG_NS);
  copy.setAttribute('width', String(Math.round(width)));
  copy.setAttribute('height', String(Math.round(height)));
  return copy;
}

/** What a chart's figure is made of, as selectors inside its root element. */
export interface FigureParts {
  /** SVG charts and canvases, drawn as they are */
  graphics: string;
  /** HTML text drawn as SVG text at its place (panel titles, labels) */
  labels?: string;
  /** HTML boxes drawn as rectangles in their background colour (e.g. probability bars) */
  boxes?: string;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>) {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function visible(e: Element): boolean {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}

/** Every matching element that is drawn and not inside another match (an SVG in an SVG). */
function matches(root: Element, selector: string | undefined): Element[] {
  if (!selector) return [];
  const all = Array.from(root.querySelectorAll(selector)).filter(visible);
  return all.filter((e) => !all.some((o) => o !== e && o.contains(e)));
}

/** One line of HTML text as laid out on the page: where it starts, its middle, its words. */
interface TextLine {
  x: number;
  y: number;
  text: string;
  style: CSSStyleDeclaration;
}

/**
 * The lines of text inside an HTML element as the page wraps them (SVG text does not wrap): each
 * text node's words, grouped by the line box they sit on. Text inside an SVG (a legend's ticks) is
 * left to that SVG.
 */
function textLines(label: Element): TextLine[] {
  const lines: TextLine[] = [];
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('svg')) continue;
    const style = getComputedStyle(parent);
    const text = node.textContent ?? '';
    let line: (TextLine & { top: number }) | null = null;
    for (const word of text.matchAll(/\S+/g)) {
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const r = range.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (line && Math.abs(r.top - line.top) < r.height / 2) {
        line.text += ` ${word[0]}`;
        continue;
      }
      line = { x: r.left, y: r.top + r.height / 2, top: r.top, text: word[0], style };
      lines.push(line);
    }
  }
  return lines;
}

/**
 * One standalone SVG of a chart: its graphics, labels and boxes at their places on the page, the
 * title above, a white background. Width: the parts' extent plus FIGURE_MARGIN on each side.
 */
export function composeFigure(root: Element, title: string, parts: FigureParts): SVGSVGElement {
  const graphics = matches(root, parts.graphics);
  const labels = matches(root, parts.labels);
  const boxes = matches(root, parts.boxes);
  const all = [...graphics, ...labels, ...boxes];
  const rects = all.map((e) => e.getBoundingClientRect());
  const left = Math.min(...rects.map((r) => r.left));
  const top = Math.min(...rects.map((r) => r.top));
  const right = Math.max(...rects.map((r) => r.right));
  const bottom = Math.max(...rects.map((r) => r.bottom));
  if (!Number.isFinite(left)) throw new Error('the chart has nothing drawn to export');
  const width = Math.round(right - left) + 2 * FIGURE_MARGIN;
  const height = Math.round(bottom - top) + 2 * FIGURE_MARGIN + TITLE_BAND;
  const ox = FIGURE_MARGIN - left;
  const oy = FIGURE_MARGIN + TITLE_BAND - top;

  const out = el('svg', { xmlns: SVG_NS, width, height, viewBox: `0 0 ${width} ${height}` });
  out.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:xlink', XLINK_NS);
  const font = getComputedStyle(root).fontFamily;
  out.append(el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }));
  const heading = el('text', {
    x: FIGURE_MARGIN,
    y: FIGURE_MARGIN + 16,
    style: `font-family:${font};font-size:16px;font-weight:600;fill:#1f2933`,
  });
  heading.textContent = title;
  out.append(heading);

  for (const b of boxes) {
    const r = b.getBoundingClientRect();
    const bg = getComputedStyle(b).backgroundColor;
    out.append(el('rect', { x: r.left + ox, y: r.top + oy, width: r.width, height: r.height, fill: bg }));
  }
  for (const g of graphics) {
    const r = g.getBoundingClientRect();
    if (g instanceof SVGSVGElement) {
      const s = svgToStandalone(g);
      s.removeAttribute('xmlns');
      s.setAttribute('x', String(r.left + ox));
      s.setAttribute('y', String(r.top + oy));
      out.append(s);
    } else if (g instanceof HTMLCanvasElement) {
      // marks drawn on a canvas go in as a picture of it, at its size on the page
      const image = el('image', {
        x: r.left + ox,
        y: r.top + oy,
        width: r.width,
        height: r.height,
        preserveAspectRatio: 'none',
        style: `image-rendering:${getComputedStyle(g).imageRendering || 'auto'}`,
      });
      const url = g.toDataURL('image/png');
      image.setAttribute('href', url);
      image.setAttributeNS(XLINK_NS, 'xlink:href', url);
      out.append(image);
    }
  }
  for (const line of labels.flatMap(textLines)) {
    const cs = line.style;
    const t = el('text', {
      x: line.x + ox,
      y: line.y + oy,
      style: `font-family:${cs.fontFamily};font-size:${cs.fontSize};font-weight:${cs.fontWeight};font-style:${cs.fontStyle};fill:${cs.color};dominant-baseline:central`,
    });
    t.textContent = line.text;
    out.append(t);
  }
  return out;
}

/** The SVG as the text of an .svg file. */
export function serializeSvg(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
}

/**
 * The SVG rendered to PNG at `scale` device pixels per CSS pixel (its width and height attributes
 * give the CSS size): the serialized SVG is drawn on a canvas as an image.
 */
export async function svgToPng(svg: SVGSVGElement, scale: number): Promise<Blob> {
  const width = Number(svg.getAttribute('width'));
  const height = Number(svg.getAttribute('height'));
  const url = URL.createObjectURL(new Blob([serializeSvg(svg)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Save a blob as a file through a temporary link (a blob: URL of the page's own origin). */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `maml-learning-curve-step-1200.csv` */
export function chartFileName(slug: string, step: number, ext: string): string {
  return `maml-${slug}-step-${Math.max(0, Math.round(step))}.${ext}`;
}
