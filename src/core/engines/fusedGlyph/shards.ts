/**
 * The shared memory between a fused glyph engine and its helper threads (./threads.ts,
 * ./shardServer.ts): a control block of Int32 words (Atomics) and, per engine configuration, a
 * data block holding θ, α, the meta-batch's images and labels, and every task's share of the
 * meta-gradient. Tasks are split into fixed contiguous shards by task index; the caller adds the
 * shares in task order, so the result does not depend on which thread computed which task.
 */

import type { FusedGlyphExports } from './wasmModule';

const PIXELS = 784;

/** The algo word for MAML++ (second order; + 1 first order); 0-3 are the classic algorithms' codes. */
export const MAMLPP_CODE = 4;

/** Words of the control block. */
export const CONTROL = {
  /** bumped by the caller for every meta-step */
  generation: 0,
  tasks: 1,
  support: 2,
  query: 3,
  inner: 4,
  algo: 5,
  /** the inner rate α as f32 bits */
  alpha: 6,
  /** helper h (1-based) owns words HELPER_BASE + 3(h−1) + {ready, done, failed} */
  helperBase: 8,
} as const;

export const HELPER_WORDS = { ready: 0, done: 1, failed: 2 } as const;

export function helperWord(helper: number, word: number): number {
  return CONTROL.helperBase + 3 * (helper - 1) + word;
}

export function controlBuffer(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (CONTROL.helperBase + 3 * threads));
}

/** Tasks [lo, hi) of thread `index` (0: the caller) when T tasks are split over n threads. */
export function taskShard(index: number, tasks: number, threads: number): [number, number] {
  return [Math.floor((index * tasks) / threads), Math.floor(((index + 1) * tasks) / threads)];
}

/** The sizes a data block is made for: padded θ, the largest meta-batch and task. */
export interface ShardDims {
  paddedSize: number;
  maxTasks: number;
  /** images per task: support (ways·shots) and query (ways·query) */
  support: number;
  query: number;
  /** floats of the learned rates that travel with their per-task gradient: Meta-SGD's α (the
   * padded θ's length), MAML++'s rates (a multiple of 4), 0 for the others */
  alpha: number;
  /** floats of MAML++'s multi-step loss weights (0 for the others) */
  weights: number;
}

/** Typed views of one data block. */
export interface ShardViews {
  theta: Float32Array;
  alpha: Float32Array;
  xs: Float32Array;
  ys: Int32Array;
  xq: Float32Array;
  yq: Int32Array;
  weights: Float32Array;
  /** task t's share of the meta-gradient at [t·P, (t+1)·P), of the rates' at [t·A, (t+1)·A) */
  gTheta: Float32Array;
  gAlpha: Float32Array;
  /** task t's query loss (summed over its images) */
  loss: Float64Array;
}

function sizes(d: ShardDims): number[] {
  const P = d.paddedSize;
  const T = d.maxTasks;
  const a = d.alpha;
  const w = d.weights;
  return [T, P, a, w, T * d.support * PIXELS, T * d.support, T * d.query * PIXELS, T * d.query, T * P, T * a];
}

export function dataBuffer(d: ShardDims): SharedArrayBuffer {
  const [loss, ...floats] = sizes(d) as [number, ...number[]];
  return new SharedArrayBuffer(8 * loss + 4 * floats.reduce((s, n) => s + n, 0));
}

export function shardViews(buffer: SharedArrayBuffer, d: ShardDims): ShardViews {
  const [nLoss, P, A, W, nxs, nys, nxq, nyq, nG, nA] = sizes(d) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  let at = 8 * nLoss;
  const f32 = (n: number) => new Float32Array(buffer, (at += 4 * n) - 4 * n, n);
  const i32 = (n: number) => new Int32Array(buffer, (at += 4 * n) - 4 * n, n);
  return {
    loss: new Float64Array(buffer, 0, nLoss),
    theta: f32(P),
    alpha: f32(A),
    weights: f32(W),
    xs: f32(nxs),
    ys: i32(nys),
    xq: f32(nxq),
    yq: i32(nyq),
    gTheta: f32(nG),
    gAlpha: f32(nA),
  };
}

/** A meta-step's calls before the sum: the same on the caller and on the helpers. */
export interface TaskPieces {
  /** clears the sums (and sets the rate or spreads the learned rates) */
  begin(): void;
  /** task t (an index into this instance's images) of T: its share into TASK_THETA / TASK_ALPHA */
  task(t: number, tasks: number, support: number, query: number): number;
  /** adds the task's share into the sums */
  add(): void;
}

/** The calls of algo word `code` with `inner` steps at scalar rate `alpha` (the classic ones). */
export function taskPieces(wasm: FusedGlyphExports, code: number, inner: number, alpha: number): TaskPieces {
  if (code >= MAMLPP_CODE) {
    const firstOrder = code - MAMLPP_CODE;
    return {
      begin: () => wasm.mamlppBegin(),
      task: (t, T, ns, nq) => wasm.mamlppTask(t, T, ns, nq, inner, firstOrder),
      add: () => wasm.mamlppAddTask(),
    };
  }
  return {
    begin: () => wasm.begin(alpha),
    task: (t, T, ns, nq) => wasm.task(t, T, ns, nq, inner, code),
    add: () => wasm.addTask(code),
  };
}

export { PIXELS as SHARD_PIXELS };
