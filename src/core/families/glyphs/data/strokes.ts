/**
 * Strokes: a drawing as polylines, each a flat Float32Array [x0, y0, x1, y1, ...], y growing
 * downwards (SVG and canvas convention). Both the Hershey glyphs and drawings from a drawing pad
 * go through `normalizeStrokes`, so they reach the rasterizer in the same frame.
 */
export type Stroke = Float32Array;

export interface Point {
  x: number;
  y: number;
}

/**
 * Parse an SVG path made of straight segments into strokes. The Hershey data only uses absolute
 * M and L (with implicit repeats); relative m/l and Z close are accepted too, curves are refused.
 */
export function parseSvgPath(d: string): Stroke[] {
  const tokens = d.match(/[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g) ?? [];
  const strokes: Stroke[] = [];
  let current: number[] = [];
  let cmd = '';
  let x = 0;
  let y = 0;
  let startX = 0;
  let startY = 0;
  const flush = () => {
    if (current.length >= 2) strokes.push(Float32Array.from(current));
    current = [];
  };
  for (let i = 0; i < tokens.length;) {
    const tok = tokens[i] as string;
    if (/[A-Za-z]/.test(tok)) {
      cmd = tok;
      i++;
      if (cmd === 'Z' || cmd === 'z') {
        if (current.length >= 2) current.push(startX, startY);
        x = startX;
        y = startY;
        flush();
      } else if (!'MmLl'.includes(cmd)) {
        throw new Error(`unsupported path command ${cmd}`);
      }
      continue;
    }
    const nx = Number(tok);
    const ny = Number(tokens[i + 1]);
    if (!Number.isFinite(nx) || !Number.isFinite(ny)) throw new Error(`bad coordinates near "${tok}"`);
    i += 2;
    const rel = cmd === 'm' || cmd === 'l';
    x = rel ? x + nx : nx;
    y = rel ? y + ny : ny;
    if (cmd === 'M' || cmd === 'm') {
      flush();
      startX = x;
      startY = y;
      current.push(x, y);
      cmd = cmd === 'M' ? 'L' : 'l'; // further pairs after a moveto are line-tos
    } else if (cmd === 'L' || cmd === 'l') {
      if (current.length === 0) current.push(startX, startY);
      current.push(x, y);
    } else {
      throw new Error('path data must start with a moveto');
    }
  }
  flush();
  return strokes;
}

/**
 * Centre the drawing's bounding box on the origin and scale its longer side to 1 (aspect ratio
 * kept), so every drawing fills the same box whatever its size and position. A drawing with no
 * extent (a single dot) is only centred.
 */
export function normalizeStrokes(strokes: readonly Stroke[]): Stroke[] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const s of strokes) {
    for (let i = 0; i < s.length; i += 2) {
      const px = s[i] as number;
      const py = s[i + 1] as number;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
  }
  if (minX === Infinity) return [];
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const extent = Math.max(maxX - minX, maxY - minY);
  const scale = extent > 0 ? 1 / extent : 1;
  return strokes
    .filter((s) => s.length >= 2)
    .map((s) => {
      const out = new Float32Array(s.length);
      for (let i = 0; i < s.length; i += 2) {
        out[i] = ((s[i] as number) - cx) * scale;
        out[i + 1] = ((s[i + 1] as number) - cy) * scale;
      }
      return out;
    });
}

/** Polylines of {x, y} points (as a drawing pad records them) → strokes. Empty lines are dropped. */
export function strokesFromPoints(lines: readonly (readonly Point[])[]): Stroke[] {
  return lines
    .filter((l) => l.length > 0)
    .map((l) => {
      const s = new Float32Array(2 * l.length);
      l.forEach((p, i) => {
        s[2 * i] = p.x;
        s[2 * i + 1] = p.y;
      });
      return s;
    });
}

/** A canonical text key of normalised strokes, for finding glyphs with identical shapes. */
export function shapeKey(strokes: readonly Stroke[]): string {
  let key = '';
  for (const s of strokes) {
    for (let i = 0; i < s.length; i++) key += `${Math.round((s[i] as number) * 1e4)},`;
    key += ';';
  }
  return key;
}
