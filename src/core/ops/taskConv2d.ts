import * as tf from '@tensorflow/tfjs';
import { matMul2d } from './matMul2d';

/**
 * Convolution of task-batched images with shared or per-task filters (SAME padding as in
 * TensorFlow, square kernel, equal strides), written as patch extraction + one matrix product.
 *
 * Why not tf.conv2d: it takes a single filter, so per-task filters would need a loop over tasks,
 * or folding tasks into channels, which wastes T× the arithmetic (block-diagonal filter) or memory
 * (depthwise then sum). Extracting the k×k patches and multiplying them by the filters as one
 * batched matrix product [T, O, k·k·C] · [T, k·k·C, B·H'·W'] costs the same arithmetic as a real
 * convolution, issues a number of kernels independent of T, uses only ops every backend has
 * (tfjs-wasm has no Conv2DBackpropFilter at all), and every op in it has gradients that can be
 * differentiated again.
 *
 * Activations are channels-first, [T, C, B, H, W]: then every slice below copies runs of whole
 * image rows, the patch rows of one tap are one contiguous block (so concat and its gradient are
 * block copies), and the product's output [T, O, B·H'·W'] is already the next layer's input.
 * Channels-last patches needed 6-D or element-strided slices, which tfjs-wasm and tfjs-cpu run
 * element by element (measured 10-15× slower for a whole layer's forward and backward pass).
 */

/** Output size of a SAME-padded strided convolution along one axis. */
export function sameOutSize(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/**
 * k×k patches of x [T, C, B, H, W] at stride s with SAME padding: [T, k·k·C, B·H'·W'], where row
 * (i·k + j)·C + c holds x[c, row s·p + i − padTop, col s·q + j − padLeft] (zero outside). This
 * is the order of a filter [k, k, C, O] reshaped to [k·k·C, O].
 */
export function convPatches(x: tf.Tensor5D, k: number, s: number): tf.Tensor3D {
  const [t, c, b, h, w] = x.shape;
  const n = t * c * b;
  const ho = sameOutSize(h, s);
  const wo = sameOutSize(w, s);
  // tap i reads padded row s·p + i = s·(p + ⌊i/s⌋) + (i mod s): with rows split into
  // [rows/s, s] (and columns likewise) every tap is an unstrided slice
  const q = Math.floor((k - 1) / s);
  const hp = s * (ho + q);
  const wp = s * (wo + q);
  const top = Math.floor(Math.max((ho - 1) * s + k - h, 0) / 2);
  const left = Math.floor(Math.max((wo - 1) * s + k - w, 0) / 2);
  let xp: tf.Tensor3D = tf.reshape(x, [n, h, w]);
  if (top > 0 || left > 0 || hp > h + top || wp > w + left) {
    xp = tf.pad(xp, [
      [0, 0],
      [top, Math.max(hp - h - top, 0)],
      [left, Math.max(wp - w - left, 0)],
    ]);
  }
  if (xp.shape[1] !== hp || xp.shape[2] !== wp) xp = tf.slice(xp, [0, 0, 0], [n, hp, wp]);
  // [n, rows/s, row phase · s + column phase, cols/s]: one small transpose moves the column
  // phase out of the innermost axis so that the taps below copy whole row segments
  let grid: tf.Tensor4D;
  if (s === 1) {
    grid = tf.reshape(xp, [n, hp, 1, wp]);
  } else {
    const phases = tf.transpose(tf.reshape(xp, [n * hp, wp / s, s]), [0, 2, 1]);
    grid = tf.reshape(phases, [n, hp / s, s * s, wp / s]);
  }
  const taps: tf.Tensor[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const begin = [0, Math.floor(i / s), (i % s) * s + (j % s), Math.floor(j / s)];
      taps.push(tf.reshape(tf.slice(grid, begin, [n, ho, 1, wo]), [t, c, b * ho * wo]));
    }
  }
  return (taps.length === 1 ? taps[0] : tf.concat(taps, 1)) as tf.Tensor3D;
}

/**
 * x [T, C, B, H, W] convolved with a shared filter [k, k, C, O] or per-task filters
 * [T, k, k, C, O] at stride s (SAME): [T, O, B, H', W']. No bias.
 */
export function taskConv2d(x: tf.Tensor5D, filter: tf.Tensor, s: number): tf.Tensor5D {
  const [t, c, b, h, w] = x.shape;
  const perTask = filter.rank === 5;
  const [k, k2, fc, o] = filter.shape.slice(perTask ? 1 : 0) as [number, number, number, number];
  if (k !== k2 || fc !== c) throw new Error(`filter ${filter.shape} does not fit input ${x.shape}`);
  if (perTask && filter.shape[0] !== t) throw new Error(`filter has ${filter.shape[0]} tasks, input ${t}`);
  const ho = sameOutSize(h, s);
  const wo = sameOutSize(w, s);
  const m = b * ho * wo;
  const kk = k * k * c;
  const patches = convPatches(x, k, s);
  let out: tf.Tensor;
  if (perTask) {
    out = tf.matMul(tf.reshape(filter, [t, kk, o]), patches, true, false);
  } else {
    // one 2-D product [T·B·H'·W', k·k·C] · [k·k·C, O] for all tasks: tfjs-wasm runs it on
    // XNNPACK, ~6× faster than its batched product (measured); the transposes only move memory.
    // (A batch-broadcast tf.matMul is no alternative: in tfjs 4.22 its gradient keeps the
    // broadcast axis and fails the shape check.)
    const rows = tf.reshape(tf.transpose(patches, [0, 2, 1]), [t * m, kk]) as tf.Tensor2D;
    const prod = matMul2d(rows, tf.reshape(filter, [kk, o]) as tf.Tensor2D);
    out = tf.transpose(tf.reshape(prod, [t, m, o]), [0, 2, 1]);
  }
  return tf.reshape(out, [t, o, b, ho, wo]);
}
