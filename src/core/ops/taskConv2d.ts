import * as tf from '@tensorflow/tfjs';
import { matMul2d } from './matMul2d';

/**
 * Convolution of task-batched images with shared or per-task filters (SAME padding as in
 * TensorFlow, square kernel, equal strides), written as patch extraction + one matrix product.
 *
 * Why not tf.conv2d: it takes a single filter, so per-task filters would need a loop over tasks,
 * or folding tasks into channels, which wastes T× the arithmetic (block-diagonal filter) or
 * memory (depthwise then sum). Extracting the k×k patches with pad / reshape / slice / concat and
 * multiplying by the filters as a batched matrix [T, B·H'·W', k·k·C] @ [T, k·k·C, O] costs the
 * same arithmetic as a real convolution, issues a number of kernels independent of T, uses only
 * ops every backend has (tfjs-wasm has no Conv2DBackpropFilter at all), and every op in it has
 * gradients that can be differentiated again.
 */

/** Output size of a SAME-padded strided convolution along one axis. */
export function sameOutSize(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/**
 * k×k patches of x [n, H, W, C] at stride s with SAME padding: [n, H', W', k·k·C], where
 * channel (i·k + j)·C + c holds x[row s·p + i − padTop, col s·q + j − padLeft, c] (zero outside).
 * This is the order of a filter [k, k, C, O] reshaped to [k·k·C, O].
 */
export function convPatches(x: tf.Tensor4D, k: number, s: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const ho = sameOutSize(h, s);
  const wo = sameOutSize(w, s);
  // a tap i reads padded row s·p + i = s·(p + ⌊i/s⌋) + (i mod s): after reshaping rows into
  // [rows/s, s] every tap is a plain (unstrided) slice
  const q = Math.floor((k - 1) / s);
  const hp = s * (ho + q);
  const wp = s * (wo + q);
  const top = Math.floor(Math.max((ho - 1) * s + k - h, 0) / 2);
  const left = Math.floor(Math.max((wo - 1) * s + k - w, 0) / 2);
  let xp: tf.Tensor4D = x;
  if (top > 0 || left > 0 || hp > h + top || wp > w + left) {
    xp = tf.pad(x, [
      [0, 0],
      [top, Math.max(hp - h - top, 0)],
      [left, Math.max(wp - w - left, 0)],
      [0, 0],
    ]);
  }
  if (xp.shape[1] !== hp || xp.shape[2] !== wp) xp = tf.slice(xp, [0, 0, 0, 0], [n, hp, wp, c]);
  const grid = tf.reshape(xp, [n, hp / s, s, wp / s, s, c]);
  const taps: tf.Tensor[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const begin = [0, Math.floor(i / s), i % s, Math.floor(j / s), j % s, 0];
      taps.push(tf.slice(grid, begin, [n, ho, 1, wo, 1, c]));
    }
  }
  const cat = taps.length === 1 ? (taps[0] as tf.Tensor) : tf.concat(taps, 5);
  return tf.reshape(cat, [n, ho, wo, k * k * c]);
}

/**
 * x [T, B, H, W, C] convolved with a shared filter [k, k, C, O] or per-task filters
 * [T, k, k, C, O] at stride s (SAME): [T, B, H', W', O]. No bias.
 */
export function taskConv2d(x: tf.Tensor5D, filter: tf.Tensor, s: number): tf.Tensor5D {
  const [t, b, h, w, c] = x.shape;
  const perTask = filter.rank === 5;
  const fs = filter.shape.slice(perTask ? 1 : 0) as [number, number, number, number];
  const [k, k2, fc, o] = fs;
  if (k !== k2 || fc !== c) throw new Error(`filter ${filter.shape} does not fit input ${x.shape}`);
  if (perTask && filter.shape[0] !== t) throw new Error(`filter has ${filter.shape[0]} tasks, input ${t}`);
  const ho = sameOutSize(h, s);
  const wo = sameOutSize(w, s);
  const patches = convPatches(tf.reshape(x, [t * b, h, w, c]), k, s);
  const kk = k * k * c;
  let out: tf.Tensor;
  if (perTask) {
    out = tf.matMul(tf.reshape(patches, [t, b * ho * wo, kk]), tf.reshape(filter, [t, kk, o]));
  } else {
    out = matMul2d(tf.reshape(patches, [t * b * ho * wo, kk]), tf.reshape(filter, [kk, o]));
  }
  return tf.reshape(out, [t, b, ho, wo, o]);
}
