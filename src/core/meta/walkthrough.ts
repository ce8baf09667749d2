/**
 * "Walk through one meta-step": the next meta-step of a run, phase by phase, for the slow-motion
 * view (poloclub/ganlab's idea, for MAML). 1 sample the meta-batch, 2 adapt θ → θ′ᵢ on every task
 * (support loss after each inner SGD step), 3 score θ′ᵢ on the query sets (their mean is the
 * meta-loss), 4 the meta-gradient the optimiser will receive, 5 the update.
 *
 * Phases 1-4 are a pure function of the run's state (θ, α, the next meta-batch): nothing here
 * touches the optimiser, the stream or the step counter. Phase 5 is the caller's ordinary
 * `run.step()`, which draws the same batch again, so the walk ends at exactly (bitwise) the θ a
 * plain step gives. The gradients are the same formulas as MetaLearner's: MAML and Meta-SGD from
 * the order comparison's one batched pass (second order, with the first-order part beside it),
 * FOMAML and Reptile as MetaLearner.metaGradient and its Reptile step compute them.
 */
import * as tf from '@tensorflow/tfjs';
import type { Algo, Experiment } from '../schema';
import type { InnerRate } from './innerLoop';
import { orderGradients, triangleAngle, type OrderCompareModel } from './orderCompare';
import type { MetaModel } from './learners';
import { mamlppWalkGradient, stepRates, type MamlppWalk, type StepwiseModel } from './mamlpp';

/** The walk model's MAML++ view (the regression model has one; the schema keeps MAML++ off others). */
function stepwiseOf<B, A>(model: WalkModel<B, A>): StepwiseModel<B, A> {
  const m = model as unknown as MetaModel<B, A>;
  if (!m.tensorSizes || !m.adaptEach) throw new Error('MAML++ is not available for this model');
  const adaptEach = m.adaptEach.bind(m);
  return { tensors: m.tensorSizes.length, adaptEach, queryLoss: (a, b) => model.queryLoss(a, b) };
}

/** The first `steps` rows of the LSLR rates as per-tensor scalars. */
function stepRatesOf<B, A>(m: MamlppWalk, steps: number, model: WalkModel<B, A>) {
  const tensors = stepwiseOf(model).tensors;
  return Array.from({ length: steps }, (_, s) => stepRates(m.rates, s, tensors));
}

export type WalkPhase = 'sample' | 'inner' | 'query' | 'gradient' | 'update';

/** The phases in the order the walkthrough shows them. */
export const WALK_PHASES: readonly WalkPhase[] = ['sample', 'inner', 'query', 'gradient', 'update'];

/** At most this many tasks of the meta-batch are shown (and traced parameter by parameter). */
export const WALK_MAX_SHOWN = 6;

/** What every shown task of the meta-batch has, whatever the family. */
export interface WalkTaskBase {
  /** its index in the meta-batch */
  index: number;
  /** family.describe(...), e.g. "A = 2.31, φ = 0.52", or a classifier task's class names */
  description: string;
  /** [inner + 1]: this task's support loss after s inner steps */
  supportLoss: number[];
  /** this task's query loss at θ′ (after all inner steps) */
  queryLoss: number;
}

/** One shown task of the meta-batch (regression: 1-D curves). */
export interface WalkTask extends WalkTaskBase {
  support: { x: number[]; y: number[] };
  query: { x: number[]; y: number[] };
  /** the true function on the walk's grid */
  truth: number[];
  /** [inner + 1][grid.length]: the prediction after s inner steps (s = 0 is θ itself) */
  predictions: number[][];
}

/** One shown task of the meta-batch (glyph classification: images and class probabilities). */
export interface GlyphWalkTask extends WalkTaskBase {
  /** support images [N·K, side²] row-major, by class, and their labels [N·K] */
  xs: Float32Array;
  ys: number[];
  /** query images [N·Q, side²] and their labels [N·Q] */
  xq: Float32Array;
  yq: number[];
  /** [inner + 1][N·Q · N]: each query image's class probabilities after s inner steps */
  probs: number[][];
  /** the glyph behind each label 0..N−1, e.g. "Cyrillic Ж" */
  names: string[];
}

/** The norms of the phase-4 vectors (null where the vector is). */
export interface WalkNorms {
  gradient: number;
  firstOrder: number | null;
  correction: number | null;
  alphaGradient: number | null;
}

/** What every family's walk has: the run's settings and the numbers of phases 2-4. */
export interface MetaStepWalkBase {
  /** run.stepCount before the update (the walk computes step + 1) */
  step: number;
  algo: Algo;
  alpha: number;
  beta: number;
  inner: number;
  /** tasks in the meta-batch, T */
  batch: number;
  /** [inner + 1][T]: every task's support loss after s inner steps */
  supportLoss: number[][];
  /** [T]: each task's query loss at θ′ᵢ */
  queryLoss: number[];
  /** the meta-loss: mean query loss after adaptation, what step() reports (Reptile too) */
  metaLoss: number;
  /** θ before the update (a copy) */
  theta: Float32Array;
  /** [shown][inner + 1]: θ′ after s inner steps, flat like θ (s = 0 is θ) */
  adapted: Float32Array[][];
  /**
   * What the optimiser receives for θ: MAML the second-order meta-gradient, FOMAML the
   * first-order one, Meta-SGD its θ part, Reptile θ − mean θ′
   */
  gradient: Float32Array;
  /** MAML only: the first-order part (the inner gradients treated as constants) */
  firstOrder: Float32Array | null;
  /** MAML only: gradient − firstOrder, the Hessian term */
  correction: Float32Array | null;
  /** MAML only: the angle between gradient and firstOrder, in degrees */
  angleDeg: number | null;
  /** Meta-SGD only: the meta-gradient with respect to the per-parameter α */
  alphaGradient: Float32Array | null;
  /** the inner rate in use: α, or Meta-SGD's mean learned α */
  alphaMean: number;
  norms: WalkNorms;
}

/** A regression walk: the shown tasks as curves on one x grid. */
export interface CurveWalk extends MetaStepWalkBase {
  view: 'curves';
  /** x grid of the predictions (the task view's grid over the family's input range) */
  grid: number[];
  /** the first `shown` tasks of the meta-batch */
  tasks: WalkTask[];
}

/** A glyph walk: the shown tasks' images and their query images' class probabilities. */
export interface GlyphWalk extends MetaStepWalkBase {
  view: 'glyphs';
  /** N classes, K support and Q query images per class; images are side × side */
  ways: number;
  shots: number;
  query: number;
  side: number;
  /** the first `shown` tasks of the meta-batch */
  tasks: GlyphWalkTask[];
}

/** One meta-step, phase by phase; `view` says how the family shows its tasks. */
export type MetaStepWalk = CurveWalk | GlyphWalk;

/**
 * θ (and Meta-SGD's α) as copies, to walk on another backend than the one training: read-only work
 * beside WebGPU training runs on wasm from read-back values.
 */
export interface WalkAt {
  theta: Float32Array;
  alpha: Float32Array | null;
}

/** A MetaModel the walkthrough can trace: it also scores each task on its own. */
export interface WalkModel<B, A> extends OrderCompareModel<B, A> {
  /** each task's loss [T] with adapted (or shared, after 0 steps) parameters on one of its sets */
  taskLoss(adapted: A, batch: B, set: 'support' | 'query'): tf.Tensor1D;
}

/** How the run adapts and which meta-learner it is. */
export interface WalkSettings {
  algo: Algo;
  /** the run's inner rate: α, or Meta-SGD's learned vector [P] */
  rate: InnerRate;
  inner: number;
  /** tasks to trace parameter by parameter (the first `shown` of the batch) */
  shown: number;
  /** MAML++: its learned per-step rates and the phase of its schedules */
  mamlpp?: MamlppWalk;
}

/** Phases 2-4 as tensors (the caller owns and disposes them). */
export interface WalkTensors {
  /** a copy of θ, taken when the walk was computed */
  theta: tf.Tensor1D;
  /** [inner + 1, T] */
  supportLoss: tf.Tensor2D;
  /** [T] */
  queryLoss: tf.Tensor1D;
  /** [shown, inner + 1, P] */
  adapted: tf.Tensor3D;
  metaLoss: tf.Scalar;
  gradient: tf.Tensor1D;
  firstOrder: tf.Tensor1D | null;
  alphaGradient: tf.Tensor1D | null;
  alphaMean: tf.Scalar;
}

/** A run's task stream, as far as a walk needs it. */
export interface PeekableStream<B> {
  streamState(): number[];
  seekStream(state: readonly number[]): void;
  nextBatch(): B;
}

/** The next meta-batch, with the task stream left where it was (the update draws it again). */
export function peekBatch<B>(run: PeekableStream<B>): B {
  const saved = run.streamState();
  try {
    return run.nextBatch();
  } finally {
    run.seekStream(saved);
  }
}

/** The phase-4 vectors and the meta-loss, by the algorithm's own formula. */
function walkGradients<B, A>(model: WalkModel<B, A>, theta: tf.Tensor, batch: B, s: WalkSettings) {
  if (s.mamlpp) {
    const g = mamlppWalkGradient(stepwiseOf(model), theta, batch, s.mamlpp);
    return { ...g, firstOrder: null, alphaGradient: null };
  }
  if (s.algo === 'maml' || s.algo === 'metasgd') {
    const g = orderGradients(model, theta, batch, { rate: s.rate, steps: s.inner });
    return {
      metaLoss: g.loss,
      gradient: g.second,
      firstOrder: s.algo === 'maml' ? g.first : null,
      alphaGradient: s.algo === 'metasgd' ? g.alphaGrad : null,
    };
  }
  if (s.algo === 'fomaml') {
    // MetaLearner.metaGradient's FOMAML: the inner gradients are constants on the tape
    const f = (th: tf.Tensor) => model.queryLoss(model.adapt(th, batch, s.rate, s.inner, true), batch);
    const { value, grad } = tf.valueAndGrad(f)(theta);
    return { metaLoss: value, gradient: grad as tf.Tensor1D, firstOrder: null, alphaGradient: null };
  }
  // Reptile's step: θ − mean θ′ goes to Adam as the gradient; it reports the query loss at θ′
  const adapted = model.adapt(theta, batch, s.rate, s.inner, false);
  const metaLoss = model.queryLoss(adapted, batch);
  const gradient = tf.sub(theta, tf.mean(model.flatten(adapted), 0)) as tf.Tensor1D;
  return { metaLoss, gradient, firstOrder: null, alphaGradient: null };
}

/** The first `n` tasks' parameters [n, P] from a flattened adaptation ([P] when shared). */
function firstTasks(flat: tf.Tensor, n: number): tf.Tensor2D {
  if (flat.rank === 1) return tf.broadcastTo(tf.reshape(flat, [1, -1]), [n, flat.shape[0] as number]);
  return tf.slice(flat, [0, 0], [n, -1]) as tf.Tensor2D;
}

/**
 * Phases 2-4 at θ on one batch, as tensors: dispatched synchronously (usable inside tf.tidy), so
 * a step taken while the caller reads them back does not change what they show.
 */
export function walkTensors<B, A>(
  model: WalkModel<B, A>,
  theta: tf.Tensor,
  batch: B,
  s: WalkSettings,
): WalkTensors {
  return tf.tidy(() => {
    const support: tf.Tensor1D[] = [];
    const adapted: tf.Tensor2D[] = [];
    let last: A | null = null;
    // MAML++ adapts with each step's learned rates
    const each = s.mamlpp
      ? stepwiseOf(model).adaptEach(theta, batch, stepRatesOf(s.mamlpp, s.inner, model), false)
      : [];
    // adapting afresh for every s (a MetaModel adapts from a shared θ only): the inner loop is
    // short, and this phase is computed once per walk, not per training step
    for (let k = 0; k <= s.inner; k++) {
      last = k > 0 && s.mamlpp ? (each[k - 1] as A) : model.adapt(theta, batch, s.rate, k, false);
      support.push(model.taskLoss(last, batch, 'support'));
      adapted.push(firstTasks(model.flatten(last), s.shown));
    }
    const g = walkGradients(model, theta, batch, s);
    const out: WalkTensors = {
      theta: tf.clone(theta) as tf.Tensor1D,
      supportLoss: tf.stack(support) as tf.Tensor2D,
      queryLoss: model.taskLoss(last as A, batch, 'query'),
      adapted: tf.stack(adapted, 1) as tf.Tensor3D,
      metaLoss: g.metaLoss,
      gradient: g.gradient,
      firstOrder: g.firstOrder,
      alphaGradient: g.alphaGradient,
      alphaMean: typeof s.rate === 'number' ? tf.scalar(s.rate) : tf.mean(s.rate),
    };
    return out as unknown as tf.TensorContainerObject;
  }) as unknown as WalkTensors;
}

/** The numbers of phases 2-4: the family-independent part of a MetaStepWalk. */
export type WalkNumbers = Pick<
  MetaStepWalkBase,
  | 'supportLoss'
  | 'queryLoss'
  | 'metaLoss'
  | 'theta'
  | 'adapted'
  | 'gradient'
  | 'firstOrder'
  | 'correction'
  | 'angleDeg'
  | 'alphaGradient'
  | 'alphaMean'
  | 'norms'
>;

const copy = async (t: tf.Tensor) => Float32Array.from((await t.data()) as Float32Array);

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** Reads walkTensors() back asynchronously (it does not dispose them). */
export async function readWalk(t: WalkTensors): Promise<WalkNumbers> {
  const [shown, steps, p] = t.adapted.shape;
  const flat = await t.adapted.data();
  const adapted = Array.from({ length: shown }, (_, i) =>
    Array.from({ length: steps }, (_, s) =>
      Float32Array.from(flat.subarray((i * steps + s) * p, (i * steps + s + 1) * p)),
    ),
  );
  const gradient = await copy(t.gradient);
  const firstOrder = t.firstOrder ? await copy(t.firstOrder) : null;
  // float32 differences, as tf.sub would give them (a double difference of two floats rounds once)
  const correction = firstOrder ? Float32Array.from(gradient, (g, i) => g - (firstOrder[i] as number)) : null;
  const alphaGradient = t.alphaGradient ? await copy(t.alphaGradient) : null;
  const g = norm(gradient);
  const g1 = firstOrder ? norm(firstOrder) : null;
  const d = correction ? norm(correction) : null;
  return {
    supportLoss: (await t.supportLoss.array()) as number[][],
    queryLoss: (await t.queryLoss.array()) as number[],
    metaLoss: (await t.metaLoss.data())[0] as number,
    theta: await copy(t.theta),
    adapted,
    gradient,
    firstOrder,
    correction,
    // Kahan's triangle formula: exact for the small angles a small Hessian term makes
    angleDeg: g1 !== null && d !== null ? (triangleAngle(g, g1, d) * 180) / Math.PI : null,
    alphaGradient,
    alphaMean: (await t.alphaMean.data())[0] as number,
    norms: {
      gradient: g,
      firstOrder: g1,
      correction: d,
      alphaGradient: alphaGradient ? norm(alphaGradient) : null,
    },
  };
}

/**
 * What every family's walk does around the core: how many tasks are shown, where θ and the inner
 * rate come from, the walk's settings, and each shown task's numbers.
 */
export function shownCount(shown: number, tasks: number): number {
  return Math.max(1, Math.min(Math.floor(shown) || 0, WALK_MAX_SHOWN, tasks));
}

/**
 * θ and the inner rate a walk starts from: the learner's own tensors, or tensors made from copies
 * (`at`, read back from another backend). Call inside tf.tidy.
 */
export function walkStart(
  learner: { readonly theta: tf.Tensor; innerRate(): InnerRate },
  c: Pick<Experiment, 'algo' | 'alpha'>,
  at?: WalkAt,
): { theta: tf.Tensor; rate: InnerRate } {
  if (!at) return { theta: learner.theta, rate: learner.innerRate() };
  const rate = at.alpha && c.algo === 'metasgd' ? tf.tensor1d(at.alpha) : c.alpha;
  return { theta: tf.tensor1d(at.theta), rate };
}

/** The walk's settings: the step it computes the phases of, the algorithm, α, β, inner steps, T. */
export function walkSettings(step: number, c: Experiment, tasks: number) {
  return { step, algo: c.algo, alpha: c.alpha, beta: c.beta, inner: c.inner, batch: tasks };
}

/** Task i's rows of a flat [tasks, steps, width] array: its values after each inner step. */
export function stepRows(flat: Float32Array, i: number, steps: number, width: number): number[][] {
  return Array.from({ length: steps }, (_, s) =>
    Array.from(flat.subarray((i * steps + s) * width, (i * steps + s + 1) * width)),
  );
}

/** Task i's support loss after each inner step and its query loss at θ′ᵢ. */
export function taskLosses(numbers: WalkNumbers, i: number): { supportLoss: number[]; queryLoss: number } {
  return {
    supportLoss: numbers.supportLoss.map((row) => row[i] as number),
    queryLoss: numbers.queryLoss[i] as number,
  };
}
