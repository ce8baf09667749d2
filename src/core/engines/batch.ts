/**
 * The batch an MLP meta-step engine takes: a meta-batch of tasks on 1-D inputs and targets, task
 * major, generated in TypeScript so every engine and backend sees the same data. A family whose
 * tasks are of this shape adapts its batches to it (its own batch may carry more).
 */
export interface PointBatch {
  /** number of tasks T */
  tasks: number;
  /** support points per task K */
  support: number;
  /** query points per task Q */
  query: number;
  /** support inputs and targets, task-major [T*K] */
  xs: Float32Array;
  ys: Float32Array;
  /** query inputs and targets, task-major [T*Q] */
  xq: Float32Array;
  yq: Float32Array;
}
