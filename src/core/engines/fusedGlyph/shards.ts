/**
 * The shared memory between a fused glyph engine and its helper threads (./threads.ts,
 * ./shardServer.ts): a control block of Int32 words (Atomics) and, per engine configuration, a
 * data block holding θ, α, the meta-batch's images and labels, and every task's share of the
 * meta-gradient. Tasks are split into fixed contiguous shards by task index; the caller adds the
 * shares in task order, so the result does not depend on which thread computed which task.
 */

const PIXELS = 784;

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
  /** whether Meta-SGD's α and its gradient travel */
  alpha: boolean;
}

/** Typed views of one data block. */
export interface ShardViews {
  theta: Float32Array;
  alpha: Float32Array;
  xs: Float32Array;
  ys: Int32Array;
  xq: Float32Array;
  yq: Int32Array;
  /** task t's share of the meta-gradient at [t·P, (t+1)·P) */
  gTheta: Float32Array;
  gAlpha: Float32Array;
  /** task t's query loss (summed over its images) */
  loss: Float64Array;
}

function sizes(d: ShardDims): number[] {
  const P = d.paddedSize;
  const T = d.maxTasks;
  const a = d.alpha ? P : 0;
  return [T, P, a, T * d.support * PIXELS, T * d.support, T * d.query * PIXELS, T * d.query, T * P, T * a];
}

export function dataBuffer(d: ShardDims): SharedArrayBuffer {
  const [loss, ...floats] = sizes(d) as [number, ...number[]];
  return new SharedArrayBuffer(8 * loss + 4 * floats.reduce((s, n) => s + n, 0));
}

export function shardViews(buffer: SharedArrayBuffer, d: ShardDims): ShardViews {
  const [nLoss, P, A, nxs, nys, nxq, nyq, nG, nA] = sizes(d) as number[] as [
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
    xs: f32(nxs),
    ys: i32(nys),
    xq: f32(nxq),
    yq: i32(nyq),
    gTheta: f32(nG),
    gAlpha: f32(nA),
  };
}

export { PIXELS as SHARD_PIXELS };
