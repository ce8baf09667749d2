import type { Rng } from '../../../random';
import { normalizeStrokes, strokesFromPoints, type Point, type Stroke } from './strokes';

/**
 * Strokes → 28×28 grey images in [0, 1] (1 = ink), in pure TypeScript (no canvas: runs in a worker
 * and in Node). Each pixel's ink is the anti-aliased coverage of a round pen of a given width:
 * clamp(width/2 + 0.5 − distance to the nearest segment, 0, 1).
 *
 * A "hand" is one person's way of drawing a character: a random affine map (rotation, scale,
 * aspect, shear, translation), a smooth low-frequency displacement field (wobbly strokes, applied
 * after subdividing segments so straight lines can bend), small independent shifts of each stroke,
 * and a pen width. Drawing the same glyph with different hands gives the instances of a class.
 */
export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

export interface HandVariation {
  /** pixels spanned by the normalised glyph box (longer side) at scale 1 */
  box: number;
  /** uniform range of the overall scale factor */
  scale: readonly [number, number];
  /** standard deviation of the log aspect ratio */
  aspectSd: number;
  /** standard deviation of the rotation, radians */
  rotationSd: number;
  /** standard deviation of the shear factor */
  shearSd: number;
  /** standard deviation of the translation, pixels */
  translateSd: number;
  /** uniform range of the pen width, pixels */
  width: readonly [number, number];
  /** standard deviation of each displacement component's amplitude, in glyph-box units */
  wobble: number;
  /** standard deviation of each stroke's own shift, in glyph-box units */
  strokeShiftSd: number;
}

export const DEFAULT_VARIATION: HandVariation = {
  box: 20,
  scale: [0.8, 1.05],
  aspectSd: 0.1,
  rotationSd: 0.12,
  shearSd: 0.12,
  translateSd: 0.8,
  width: [1.4, 2.6],
  wobble: 0.025,
  strokeShiftSd: 0.015,
};

/** The average hand without randomness: used for drawings made by the user and for previews. */
export const NEUTRAL_VARIATION: HandVariation = {
  ...DEFAULT_VARIATION,
  scale: [0.925, 0.925],
  aspectSd: 0,
  rotationSd: 0,
  shearSd: 0,
  translateSd: 0,
  width: [2, 2],
  wobble: 0,
  strokeShiftSd: 0,
};

/** Sinusoidal components of the displacement field, per axis. */
const WOBBLE_COMPONENTS = 3;
/** frequency range of the displacement field, cycles per glyph box: low enough to look drawn */
const WOBBLE_FREQ: readonly [number, number] = [0.5, 2];
/** segments are split to at most this length (glyph-box units, ~2 px) before displacement */
const MAX_SEGMENT = 0.1;
/** limits on the random draws, in standard deviations */
const CLIP = 2.5;

export interface Hand {
  /** linear part of the affine map, glyph-box units → pixels */
  m00: number;
  m01: number;
  m10: number;
  m11: number;
  /** image position of the glyph box centre */
  tx: number;
  ty: number;
  width: number;
  /** WOBBLE_COMPONENTS × 2 axes × [amplitude, fx, fy, phase] */
  wobble: Float64Array;
  /** [dx, dy] per stroke, glyph-box units */
  strokeShift: Float64Array;
}

function clippedNormal(rng: Rng, sd: number): number {
  if (sd === 0) return 0;
  return Math.max(-CLIP, Math.min(CLIP, rng.normal())) * sd;
}

/** Draw one hand for a drawing with `strokeCount` strokes. */
export function sampleHand(rng: Rng, strokeCount: number, v: HandVariation = DEFAULT_VARIATION): Hand {
  const s = v.box * rng.uniform(v.scale[0], v.scale[1]);
  const aspect = Math.exp(clippedNormal(rng, v.aspectSd) / 2);
  const sx = s * aspect;
  const sy = s / aspect;
  const shear = clippedNormal(rng, v.shearSd);
  const rot = clippedNormal(rng, v.rotationSd);
  const c = Math.cos(rot);
  const sn = Math.sin(rot);
  // rotation · shear(x += shear·y) · diag(sx, sy)
  const centre = IMAGE_SIZE / 2;
  const hand: Hand = {
    m00: c * sx,
    m01: (c * shear - sn) * sy,
    m10: sn * sx,
    m11: (sn * shear + c) * sy,
    tx: centre + clippedNormal(rng, v.translateSd),
    ty: centre + clippedNormal(rng, v.translateSd),
    width: rng.uniform(v.width[0], v.width[1]),
    wobble: new Float64Array(WOBBLE_COMPONENTS * 8),
    strokeShift: new Float64Array(2 * strokeCount),
  };
  if (v.wobble > 0) {
    for (let k = 0; k < 2 * WOBBLE_COMPONENTS; k++) {
      const f = rng.uniform(WOBBLE_FREQ[0], WOBBLE_FREQ[1]) * 2 * Math.PI;
      const dir = rng.uniform(0, 2 * Math.PI);
      hand.wobble[4 * k] = clippedNormal(rng, v.wobble);
      hand.wobble[4 * k + 1] = f * Math.cos(dir);
      hand.wobble[4 * k + 2] = f * Math.sin(dir);
      hand.wobble[4 * k + 3] = rng.uniform(0, 2 * Math.PI);
    }
  }
  for (let i = 0; i < hand.strokeShift.length; i++) hand.strokeShift[i] = clippedNormal(rng, v.strokeShiftSd);
  return hand;
}

/** reused scratch buffer for one stroke's transformed points */
let scratch = new Float64Array(512);

/**
 * Render normalised strokes (see normalizeStrokes) with a hand into out[offset, offset + 784),
 * row-major, overwriting what was there. Returns out.
 */
export function renderStrokes(
  strokes: readonly Stroke[],
  hand: Hand,
  out: Float32Array = new Float32Array(IMAGE_PIXELS),
  offset = 0,
): Float32Array {
  out.fill(0, offset, offset + IMAGE_PIXELS);
  const wobbly = hand.wobble.some((a, i) => i % 4 === 0 && a !== 0);
  for (let si = 0; si < strokes.length; si++) {
    const n = placeStroke(strokes[si] as Stroke, hand, si, wobbly);
    const pts = scratch;
    if (n === 2)
      drawSegment(
        out,
        offset,
        pts[0] as number,
        pts[1] as number,
        pts[0] as number,
        pts[1] as number,
        hand.width,
      );
    for (let i = 2; i < n; i += 2) {
      drawSegment(
        out,
        offset,
        pts[i - 2] as number,
        pts[i - 1] as number,
        pts[i] as number,
        pts[i + 1] as number,
        hand.width,
      );
    }
  }
  return out;
}

/**
 * Write stroke si's points in pixel coordinates into scratch (subdivided first when the hand
 * wobbles, so straight lines can bend); returns the number of coordinates written.
 */
function placeStroke(s: Stroke, hand: Hand, si: number, wobbly: boolean): number {
  const shiftX = hand.strokeShift[2 * si] ?? 0;
  const shiftY = hand.strokeShift[2 * si + 1] ?? 0;
  const w = hand.wobble;
  let pieces = 1;
  let total = 1;
  if (wobbly) {
    for (let i = 2; i < s.length; i += 2) {
      const len = Math.hypot(
        (s[i] as number) - (s[i - 2] as number),
        (s[i + 1] as number) - (s[i - 1] as number),
      );
      total += Math.max(1, Math.ceil(len / MAX_SEGMENT));
    }
  } else {
    total = s.length / 2;
  }
  if (2 * total > scratch.length) scratch = new Float64Array(4 * total);
  let n = 0;
  for (let i = 0; i < s.length; i += 2) {
    const x1 = s[i] as number;
    const y1 = s[i + 1] as number;
    const x0 = i > 0 ? (s[i - 2] as number) : x1;
    const y0 = i > 0 ? (s[i - 1] as number) : y1;
    if (wobbly && i > 0) pieces = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / MAX_SEGMENT));
    for (let p = i > 0 ? 1 : pieces; p <= pieces; p++) {
      let px = x0 + ((x1 - x0) * p) / pieces + shiftX;
      let py = y0 + ((y1 - y0) * p) / pieces + shiftY;
      if (wobbly) {
        let dx = 0;
        let dy = 0;
        for (let a = 0; a < 4 * WOBBLE_COMPONENTS; a += 4) {
          const b = a + 4 * WOBBLE_COMPONENTS;
          dx +=
            (w[a] as number) *
            Math.sin((w[a + 1] as number) * px + (w[a + 2] as number) * py + (w[a + 3] as number));
          dy +=
            (w[b] as number) *
            Math.sin((w[b + 1] as number) * px + (w[b + 2] as number) * py + (w[b + 3] as number));
        }
        px += dx;
        py += dy;
      }
      scratch[n++] = hand.tx + hand.m00 * px + hand.m01 * py;
      scratch[n++] = hand.ty + hand.m10 * px + hand.m11 * py;
    }
  }
  return n;
}

/**
 * Max-blend the coverage of a round-capped segment of the given width (pixel units). Each row only
 * visits the columns the capsule can reach there: those near the part of the segment within
 * `reach` of the row.
 */
function drawSegment(
  out: Float32Array,
  offset: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  width: number,
): void {
  const reach = width / 2 + 0.5;
  const reach2 = reach * reach;
  const ex = bx - ax;
  const ey = by - ay;
  const len2 = ex * ex + ey * ey;
  const inv = len2 > 0 ? 1 / len2 : 0;
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
  const y1 = Math.min(IMAGE_SIZE - 1, Math.floor(Math.max(ay, by) + reach));
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    // segment parameters whose point lies within reach of this row, vertically
    let t0 = 0;
    let t1 = 1;
    if (ey !== 0) {
      const ta = (cy - reach - ay) / ey;
      const tb = (cy + reach - ay) / ey;
      t0 = Math.max(0, Math.min(ta, tb));
      t1 = Math.min(1, Math.max(ta, tb));
      if (t0 > t1) continue;
    }
    const xa = ax + t0 * ex;
    const xb = ax + t1 * ex;
    const x0 = Math.max(0, Math.floor(Math.min(xa, xb) - reach));
    const x1 = Math.min(IMAGE_SIZE - 1, Math.floor(Math.max(xa, xb) + reach));
    const py = cy - ay;
    const row = offset + y * IMAGE_SIZE;
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - ax;
      let t = (px * ex + py * ey) * inv;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const dx = px - t * ex;
      const dy = py - t * ey;
      const d2 = dx * dx + dy * dy;
      if (d2 >= reach2) continue;
      const ink = Math.min(1, reach - Math.sqrt(d2));
      if (ink > (out[row + x] as number)) out[row + x] = ink;
    }
  }
}

/** One hand-drawn instance of normalised strokes, all randomness from rng. */
export function drawInstance(
  strokes: readonly Stroke[],
  rng: Rng,
  out?: Float32Array,
  offset = 0,
  variation: HandVariation = DEFAULT_VARIATION,
): Float32Array {
  return renderStrokes(strokes, sampleHand(rng, strokes.length, variation), out, offset);
}

/** The neutral hand (no randomness). */
export function neutralHand(strokeCount: number): Hand {
  const v = NEUTRAL_VARIATION;
  const s = v.box * v.scale[0];
  return {
    m00: s,
    m01: 0,
    m10: 0,
    m11: s,
    tx: IMAGE_SIZE / 2,
    ty: IMAGE_SIZE / 2,
    width: v.width[0],
    wobble: new Float64Array(WOBBLE_COMPONENTS * 8),
    strokeShift: new Float64Array(2 * strokeCount),
  };
}

/**
 * A drawing from a drawing pad (polylines of {x, y}, any coordinate range, y down) → a 28×28
 * image through the same normalisation as the data set (bounding box centred, longer side scaled
 * to the glyph box) and the neutral hand, so it looks like an average instance of the data.
 */
export function rasterizeDrawing(lines: readonly (readonly Point[])[], width?: number): Float32Array {
  const strokes = normalizeStrokes(strokesFromPoints(lines));
  const hand = neutralHand(strokes.length);
  if (width !== undefined) hand.width = width;
  return renderStrokes(strokes, hand);
}
