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

/**
 * The batch an image-classifier meta-step engine takes: a meta-batch of N-way K-shot tasks of
 * 28×28 grayscale images, task major, with each task's local labels 0..N−1 and the global class
 * of each label (for a pretrained classifier over all classes). A family whose tasks are of this
 * shape hands its batches over as they are (its own batch may carry more).
 */
export interface ImageTaskBatch {
  tasks: number;
  ways: number;
  /** support and query images per class */
  shots: number;
  query: number;
  /** support images [T, ways·shots, 28, 28] and their local labels [T, ways·shots] */
  xs: Float32Array;
  ys: Int32Array;
  /** query images [T, ways·query, 28, 28] and their local labels */
  xq: Float32Array;
  yq: Int32Array;
  /** the global class of each task's label n: classes[t·ways + n] */
  classes: Int32Array;
}
