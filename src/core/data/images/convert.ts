import type { GrayImage } from './png';

/** The side of the converted images: the glyph network's input (28×28, as in the paper). */
export const CLASS_IMAGE_SIZE = 28;
export const CLASS_IMAGE_PIXELS = CLASS_IMAGE_SIZE * CLASS_IMAGE_SIZE;

/**
 * The conversion every imported image goes through, the same in Node and the browser:
 * 1. lightness (PNG decoding: luminance 0.299 R + 0.587 G + 0.114 B, transparency over white);
 * 2. ink polarity: ink is 1 and background 0, whichever way the image draws it. The mean
 *    lightness of the one-pixel border decides: a light border (≥ 0.5) means dark ink on light
 *    paper (Omniglot's black strokes on white), so ink = 1 − lightness; a dark border, ink = lightness;
 * 3. the longer side is scaled to 28 pixels by area averaging (each output pixel is the mean of the
 *    source area it covers, partial pixels weighted by overlap) and the shorter one centred with
 *    background around it.
 */
export function toClassImage(img: GrayImage): Float32Array {
  const ink = inkOf(img);
  const side = Math.max(img.width, img.height);
  const scale = CLASS_IMAGE_SIZE / side;
  const w = img.width * scale;
  const h = img.height * scale;
  const x0 = (CLASS_IMAGE_SIZE - w) / 2;
  const y0 = (CLASS_IMAGE_SIZE - h) / 2;
  const cols = areaWeights(img.width, x0, scale);
  const rows = areaWeights(img.height, y0, scale);
  const n = CLASS_IMAGE_SIZE;
  const across = scratch(1, img.height * n).fill(0);
  for (let y = 0; y < img.height; y++)
    for (let e = 0; e < cols.wt.length; e++)
      across[y * n + (cols.dst[e] as number)] =
        (across[y * n + (cols.dst[e] as number)] as number) +
        (cols.wt[e] as number) * (ink[y * img.width + (cols.src[e] as number)] as number);
  const out = new Float32Array(CLASS_IMAGE_PIXELS);
  for (let e = 0; e < rows.wt.length; e++) {
    const [to, from, wt] = [(rows.dst[e] as number) * n, (rows.src[e] as number) * n, rows.wt[e] as number];
    for (let x = 0; x < n; x++) out[to + x] = (out[to + x] as number) + wt * (across[from + x] as number);
  }
  return out;
}

/** Ink (1) on background (0): lightness flipped when the border is light (see toClassImage). */
function inkOf(img: GrayImage): Float32Array {
  const { width, height, light } = img;
  let sum = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    sum += (light[x] as number) + (light[(height - 1) * width + x] as number);
    count += 2;
  }
  for (let y = 0; y < height; y++) {
    sum += (light[y * width] as number) + (light[y * width + width - 1] as number);
    count += 2;
  }
  const ink = scratch(0, light.length);
  if (sum / count >= 0.5) for (let i = 0; i < ink.length; i++) ink[i] = 1 - (light[i] as number);
  else ink.set(light);
  return ink;
}

/**
 * Working arrays reused from one image to the next (an import converts tens of thousands of
 * images; fresh arrays for each would leave the garbage collector gigabytes to free): slot
 * `slot`'s array viewed at length `length`, its contents left from the last use.
 */
const scratches: Float32Array[] = [];
function scratch(slot: number, length: number): Float32Array {
  const have = scratches[slot];
  if (have && have.length >= length) return have.subarray(0, length);
  const made = new Float32Array(length);
  scratches[slot] = made;
  return made;
}

interface AreaWeights {
  src: Int32Array;
  dst: Int32Array;
  wt: Float32Array;
}

/** the weights last made, by their arguments: images of one size share them (read only) */
const madeWeights = new Map<string, AreaWeights>();

/**
 * Area-averaging weights along one axis, as parallel src, dst, wt arrays: source pixel i spans
 * [off + i·scale, off + (i+1)·scale) in output pixels, and its weight in output pixel j is the
 * length of that span inside [j, j + 1), so a fully covered output pixel's weights sum to 1.
 */
function areaWeights(n: number, off: number, scale: number): AreaWeights {
  const key = `${n} ${off} ${scale}`;
  const have = madeWeights.get(key);
  if (have) return have;
  if (madeWeights.size >= 8) madeWeights.clear();
  const made = makeAreaWeights(n, off, scale);
  madeWeights.set(key, made);
  return made;
}

function makeAreaWeights(n: number, off: number, scale: number): AreaWeights {
  const src: number[] = [];
  const dst: number[] = [];
  const wt: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = off + i * scale;
    const b = a + scale;
    for (let j = Math.max(0, Math.floor(a)); j < Math.min(CLASS_IMAGE_SIZE, Math.ceil(b)); j++) {
      const overlap = Math.min(b, j + 1) - Math.max(a, j);
      if (overlap <= 0) continue;
      src.push(i);
      dst.push(j);
      wt.push(overlap);
    }
  }
  return { src: Int32Array.from(src), dst: Int32Array.from(dst), wt: Float32Array.from(wt) };
}

/** A 28×28 image turned k quarter turns counter-clockwise (as tf.image.rot90), written at out[at..]. */
export function rotateQuarter(
  img: Float32Array<ArrayBufferLike>,
  k: number,
  out: Float32Array<ArrayBufferLike> = new Float32Array(CLASS_IMAGE_PIXELS),
  at = 0,
): Float32Array<ArrayBufferLike> {
  const n = CLASS_IMAGE_SIZE;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let sx = x;
      let sy = y;
      for (let r = 0; r < (k & 3); r++) [sx, sy] = [n - 1 - sy, sx];
      out[at + y * n + x] = img[sy * n + sx] as number;
    }
  }
  return out;
}
