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
  const across = new Float32Array(img.height * CLASS_IMAGE_SIZE);
  for (let y = 0; y < img.height; y++)
    for (const [src, dst, wt] of cols)
      across[y * CLASS_IMAGE_SIZE + dst] =
        (across[y * CLASS_IMAGE_SIZE + dst] as number) + wt * (ink[y * img.width + src] as number);
  const out = new Float32Array(CLASS_IMAGE_PIXELS);
  for (const [src, dst, wt] of rows)
    for (let x = 0; x < CLASS_IMAGE_SIZE; x++)
      out[dst * CLASS_IMAGE_SIZE + x] =
        (out[dst * CLASS_IMAGE_SIZE + x] as number) + wt * (across[src * CLASS_IMAGE_SIZE + x] as number);
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
  const flip = sum / count >= 0.5;
  return flip ? light.map((v) => 1 - v) : light.slice();
}

/**
 * Area-averaging weights along one axis, as [src, dst, weight]: source pixel i spans
 * [off + i·scale, off + (i+1)·scale) in output pixels, and its weight in output pixel j is the
 * length of that span inside [j, j + 1), so a fully covered output pixel's weights sum to 1.
 */
function areaWeights(n: number, off: number, scale: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = off + i * scale;
    const b = a + scale;
    for (let j = Math.max(0, Math.floor(a)); j < Math.min(CLASS_IMAGE_SIZE, Math.ceil(b)); j++) {
      const overlap = Math.min(b, j + 1) - Math.max(a, j);
      if (overlap > 0) out.push([i, j, overlap]);
    }
  }
  return out;
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
