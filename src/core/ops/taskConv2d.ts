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
 * The patches come from one tf.conv2d of every image channel with a fixed one-hot filter bank
 * (output channel i·k + j copies tap (i, j)): XNNPACK on wasm, and its gradient in the input is
 * Conv2DBackpropInput, whose own gradient is conv2d again; the filter bank is a constant, so no
 * filter gradient is ever asked for. It takes fewer kernels per meta-step than cutting the taps
 * out with strided slices and a concat (the kernel counts: test/glyphRun.test.ts, npm run bench).
 *
 * Activations are channels-first, [T, C, B, H, W]: then every image channel is one [H, W, 1]
 * input of that conv2d (a free reshape), and the product's output [T, O, B·H'·W'] is already the
 * next layer's input.
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
  const ho = sameOutSize(h, s);
  const wo = sameOutSize(w, s);
  const kk = k * k;
  const taps = tf.conv2d(tf.reshape(x, [t * c * b, h, w, 1]) as tf.Tensor4D, tapFilter(k), s, 'same');
  // [T, C·B·H'·W', k·k] → [T, k·k, C·B·H'·W'] → [T, k·k·C, B·H'·W']
  const rows = tf.transpose(tf.reshape(taps, [t, c * b * ho * wo, kk]), [0, 2, 1]);
  return tf.reshape(rows, [t, kk * c, b * ho * wo]);
}

const tapEyes = new Map<number, Float32Array>();

/** [k, k, 1, k·k]: output channel i·k + j copies tap (i, j) of the window. */
function tapFilter(k: number): tf.Tensor4D {
  let eye = tapEyes.get(k);
  if (!eye) {
    eye = new Float32Array(k ** 4);
    for (let i = 0; i < k * k; i++) eye[i * k * k + i] = 1;
    tapEyes.set(k, eye);
  }
  return tf.tensor4d(eye, [k, k, 1, k * k]);
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
  if (perTask && t === 1) {
    // one task (the page's task view and its evaluation pieces): the 2-D product's fast path
    const f = tf.transpose(tf.reshape(filter, [kk, o])) as tf.Tensor2D;
    out = matMul2d(f, tf.reshape(patches, [kk, m]) as tf.Tensor2D);
  } else if (perTask) {
    out = tf.matMul(tf.reshape(filter, [t, kk, o]), patches, true, false);
  } else {
    // one 2-D product [T·B·H'·W', k·k·C] · [k·k·C, O] for all tasks: tfjs-wasm runs it on
    // XNNPACK, faster than its batched product; the transposes only move memory.
    // (A batch-broadcast tf.matMul is no alternative: in tfjs 4.22 its gradient keeps the
    // broadcast axis and fails the shape check.)
    const rows = tf.reshape(tf.transpose(patches, [0, 2, 1]), [t * m, kk]) as tf.Tensor2D;
    const prod = matMul2d(rows, tf.reshape(filter, [kk, o]) as tf.Tensor2D);
    out = tf.transpose(tf.reshape(prod, [t, m, o]), [0, 2, 1]);
  }
  return tf.reshape(out, [t, o, b, ho, wo]);
}
