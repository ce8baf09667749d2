/**
 * What the parameter-space view spends on the glyph conv net (tens of thousands of parameters, a
 * second per meta-step on wasm): few tasks, few steps, a coarse landscape, rare reports. Plain
 * numbers, no tfjs: the page reads them too.
 */
export const GLYPH_THETA = {
  /** fixed held-out tasks whose inner-loop paths are drawn */
  shownTasks: 3,
  /** query images per class of those tasks */
  shownQuery: 3,
  /** inner steps of each path (at least the trained number) */
  pathSteps: 5,
  /** θ reports at most this often while training (ms); slower when they cost more */
  reportMs: 2000,
  /**
   * and, while training, at most this share of the worker's time (a report adapts the conv net on
   * every shown task on tfjs kernels, which takes several of the fused engine's meta-steps)
   */
  reportShare: 0.04,
  /** landscape grid points per side (the regression pages use 25) */
  landscapeResolution: 9,
  /** meta-training tasks the landscape's losses average over */
  landscapeTasks: 4,
  /** their query images per class */
  landscapeQuery: 2,
  /** grid points per landscape chunk (each adapts the conv net to every task, batched) */
  landscapeChunk: 2,
} as const;
