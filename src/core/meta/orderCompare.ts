import * as tf from '@tensorflow/tfjs';
import type { InnerRate } from './innerLoop';
import type { MetaModel } from './learners';

/**
 * First order vs second order, measured: at one θ and on one fixed batch of tasks, the exact
 * second-order MAML meta-gradient g2, the first-order one g1 (inner steps treated as constants)
 * and the Reptile direction r = θ − mean θ′, all from one batched pass over the tasks.
 *
 * One forward pass adapts every task (the model's own batched inner loop, differentiable), and one
 * backward pass gives g2 and g1 together: the adapted parameters θ′ᵢ are shifted by a zero vector
 * δ [P] (shared by the tasks) before the query loss, so ∂L/∂θ is the full chain through the inner steps (g2) and
 * ∂L/∂δ = Σᵢ ∂L/∂θ′ᵢ is the query gradient at the adapted parameters (g1, FOMAML's gradient by
 * definition). The Reptile direction comes from the same θ′. Nothing here loops over tasks, so
 * the number of kernels does not depend on the batch size.
 */

/**
 * A model may declare that its ops cannot be differentiated twice (`secondOrder: false`, or the
 * reason as a string); compareOrders then refuses it. Note that tfjs 4.22 does not always throw
 * where a second-order gradient is missing: ops that save their outputs (exp, tanh, sigmoid, …)
 * silently drop their second-order terms in a nested gradient, so such a model must say so.
 */
export interface SecondOrderCapability {
  readonly secondOrder?: boolean | string;
}

export type OrderCompareModel<B, A> = MetaModel<B, A> & SecondOrderCapability;

/** Mark a MetaModel as first-order only, with the reason a refusal should give. */
export function firstOrderOnly<B, A>(model: MetaModel<B, A>, reason: string): OrderCompareModel<B, A> {
  return { ...model, secondOrder: reason };
}

/** Thrown when the second-order meta-gradient cannot be computed for a model. */
export class SecondOrderUnsupportedError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`second-order MAML meta-gradient unavailable for this model: ${detail}`, options);
    this.name = 'SecondOrderUnsupportedError';
  }
}

/** The inner loop: α (a number, or Meta-SGD's per-parameter vector [P]) and its SGD steps. */
export interface InnerSettings {
  rate: InnerRate;
  steps: number;
}

/** The three directions as tensors [P] (the caller disposes them all). */
export interface OrderGradients {
  /** the meta-loss: mean query loss after the inner steps */
  loss: tf.Scalar;
  /** second-order MAML meta-gradient */
  second: tf.Tensor1D;
  /** first-order MAML meta-gradient: the query gradient at θ′, averaged over tasks */
  first: tf.Tensor1D;
  /** θ − mean θ′ (the direction Reptile feeds to its optimiser) */
  reptile: tf.Tensor1D;
  /** Meta-SGD: the meta-gradient with respect to the inner-rate vector (second order); else null */
  alphaGrad: tf.Tensor1D | null;
}

/** What compareOrders returns: plain numbers, cheap to post from a worker. */
export interface OrderComparison {
  metaLoss: number;
  /** |g2|, |g1|, |r| and |g2 − g1| (the second-order correction) */
  g2Norm: number;
  g1Norm: number;
  reptileNorm: number;
  correctionNorm: number;
  /** cosine similarities; NaN where a vector is zero (e.g. r with no inner steps) */
  cosG2G1: number;
  cosG2Reptile: number;
  cosG1Reptile: number;
  /** angle in degrees between g2 and g1 (computed from the three side lengths, exact near 0°) */
  angleG2G1Deg: number;
  /** angle in degrees between g2 and r, and between g1 and r */
  angleG2ReptileDeg: number;
  angleG1ReptileDeg: number;
  /** |g1| / |g2| */
  normRatio: number;
  /** Meta-SGD: |∂L/∂α|; null with a scalar α */
  alphaGradNorm: number | null;
  tasks: number;
  steps: number;
}

function checkInputs(
  model: OrderCompareModel<unknown, unknown>,
  theta: tf.Tensor,
  inner: InnerSettings,
): void {
  if (model.secondOrder === false || typeof model.secondOrder === 'string') {
    const why = typeof model.secondOrder === 'string' ? model.secondOrder : 'the model says so';
    throw new SecondOrderUnsupportedError(why);
  }
  const p = model.numParams;
  if (theta.rank !== 1 || theta.shape[0] !== p) {
    throw new Error(`θ must be a vector of ${p} numbers, got shape [${theta.shape.join(', ')}]`);
  }
  if (!Number.isInteger(inner.steps) || inner.steps < 0) {
    throw new Error(`inner steps must be a non-negative integer, got ${inner.steps}`);
  }
  if (typeof inner.rate === 'number') {
    if (!Number.isFinite(inner.rate)) throw new Error(`α must be finite, got ${inner.rate}`);
  } else if (inner.rate.rank !== 1 || inner.rate.shape[0] !== p) {
    throw new Error(
      `Meta-SGD's α must be a vector of ${p} numbers, got shape [${inner.rate.shape.join(', ')}]`,
    );
  }
}

/** tfjs's messages for a gradient it cannot take (a kernel without one, a broken path). */
const MISSING_GRADIENT = /gradient function not found|Cannot compute gradient/i;

interface EngineTape {
  gradientDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
}

function engineTape(): EngineTape {
  return tf.engine().state as unknown as EngineTape;
}

/**
 * A gradient that throws half-way leaves its tape behind, with the tensors its kernels saved for
 * the backward pass (tfjs frees them only when the outermost gradient succeeds): free them as
 * that success path would.
 */
function disposeAbandonedTape(): void {
  const state = engineTape();
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}

/** mean θ′ [P] from [T, P] as a [1, T]·[T, P] product (tfjs-cpu's mean over axis 0 is slow). */
function meanOverTasks(flat: tf.Tensor): tf.Tensor {
  if (flat.rank === 1) return flat;
  const t = flat.shape[0] as number;
  return tf.reshape(tf.matMul(tf.fill([1, t], 1 / t), flat as tf.Tensor2D), [-1]);
}

/**
 * θ′ + δ for adapted parameters in the model's own form: a tensor or a (nested) array of tensors,
 * with the shift in the same form, shared or per task (it broadcasts over the task dimension).
 */
function addShift(adapted: unknown, shift: unknown): unknown {
  if (adapted instanceof tf.Tensor && shift instanceof tf.Tensor) return tf.add(adapted, shift);
  if (Array.isArray(adapted) && Array.isArray(shift) && adapted.length === shift.length) {
    return adapted.map((x, i) => addShift(x, shift[i]));
  }
  throw new Error(
    'compareOrders needs adapted parameters that are tensors or arrays of tensors, in the same form for 0 and for n inner steps',
  );
}

/**
 * g2, g1, r and the meta-loss at θ on `batch`, as tensors (synchronous, no read-back; the caller
 * owns and disposes the result). Usable inside tf.tidy.
 */
export function orderGradients<B, A>(
  model: OrderCompareModel<B, A>,
  theta: tf.Tensor,
  batch: B,
  inner: InnerSettings,
): OrderGradients {
  checkInputs(model as OrderCompareModel<unknown, unknown>, theta, inner);
  const p = model.numParams;
  // Meta-SGD's α reaches the loss only through an inner step
  const alphaVec = typeof inner.rate !== 'number' && inner.steps > 0 ? inner.rate : null;
  // the Reptile direction, made inside the taped function (kept past its scope, freed below)
  const kept: { reptile: tf.Tensor | null } = { reptile: null };
  const outermost = engineTape().gradientDepth === 0;
  const delta = tf.zeros([p]);
  try {
    const f = (...xs: tf.Tensor[]): tf.Scalar => {
      const [th, shift, a] = xs as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      const adapted = model.adapt(th, batch, a ?? inner.rate, inner.steps, false);
      kept.reptile?.dispose();
      kept.reptile = tf.keep(tf.sub(th, meanOverTasks(model.flatten(adapted))));
      // δ in the model's own form (adapting with zero steps only splits it), added to θ′ᵢ of
      // every task: no round trip of the per-task parameters through one flat [T, P] tensor
      const shifted = addShift(adapted, model.adapt(shift, batch, 0, 0, false));
      return model.queryLoss(shifted as A, batch);
    };
    const xs = alphaVec ? [theta, delta, alphaVec] : [theta, delta];
    return tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads(f)(xs);
      const [second, first, alphaGrad] = grads as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D | undefined];
      let alpha: tf.Tensor1D | null = null;
      if (alphaGrad) alpha = alphaGrad;
      else if (typeof inner.rate !== 'number') alpha = tf.zeros([p]);
      return {
        loss: value as tf.Scalar,
        second,
        first,
        // an ordinary (not kept) tensor, so that a caller's tidy can dispose it
        reptile: tf.clone(kept.reptile as tf.Tensor1D),
        alphaGrad: alpha,
      } as unknown as tf.TensorContainerObject;
    }) as unknown as OrderGradients;
  } catch (e) {
    if (outermost) disposeAbandonedTape();
    if (e instanceof Error && MISSING_GRADIENT.test(e.message)) {
      throw new SecondOrderUnsupportedError(e.message, { cause: e });
    }
    throw e;
  } finally {
    kept.reptile?.dispose();
    delta.dispose();
  }
}

/** Kahan's stable angle (radians) opposite side c of a triangle with sides a, b, c. */
export function triangleAngle(a: number, b: number, c: number): number {
  const [x, y] = a >= b ? [a, b] : [b, a];
  if (!(x > 0) || !(y > 0) || !Number.isFinite(x + c)) return NaN;
  let mu: number;
  if (y >= c) mu = c - (x - y);
  else mu = y - (x - c);
  const num = (x - y + c) * mu;
  const den = (x + (y + c)) * (x - c + y);
  if (!(den > 0)) return Math.PI; // c ≥ a + b (up to rounding): opposite directions
  return 2 * Math.atan(Math.sqrt(Math.max(num, 0) / den));
}

function cosine(dot: number, na: number, nb: number): number {
  if (!(na > 0) || !(nb > 0)) return NaN;
  return Math.max(-1, Math.min(1, dot / (na * nb)));
}

const DEG = 180 / Math.PI;

/** The numbers of a comparison from the Gram matrix of [g2, g1, r, g2 − g1] (row-major 4×4). */
export function comparisonFromGram(
  gram: ArrayLike<number>,
  metaLoss: number,
  alphaGradSq: number | null,
  tasks: number,
  steps: number,
): OrderComparison {
  const at = (i: number, j: number) => gram[4 * i + j] as number;
  const n = [0, 1, 2, 3].map((i) => Math.sqrt(Math.max(at(i, i), 0)));
  const [g2, g1, r, d] = n as [number, number, number, number];
  const cosG2G1 = cosine(at(0, 1), g2, g1);
  const cosG2Reptile = cosine(at(0, 2), g2, r);
  const cosG1Reptile = cosine(at(1, 2), g1, r);
  return {
    metaLoss,
    g2Norm: g2,
    g1Norm: g1,
    reptileNorm: r,
    correctionNorm: d,
    cosG2G1,
    cosG2Reptile,
    cosG1Reptile,
    angleG2G1Deg: triangleAngle(g2, g1, d) * DEG,
    angleG2ReptileDeg: Math.acos(cosG2Reptile) * DEG,
    angleG1ReptileDeg: Math.acos(cosG1Reptile) * DEG,
    normRatio: g2 > 0 ? g1 / g2 : NaN,
    alphaGradNorm: alphaGradSq === null ? null : Math.sqrt(Math.max(alphaGradSq, 0)),
    tasks,
    steps,
  };
}

/**
 * Second-order vs first-order MAML vs Reptile at θ on a fixed batch: one batched forward and
 * backward pass, one asynchronous read-back of 17 or 18 numbers, no tensor left behind.
 * `tasks` is the batch's number of tasks (for the record; read from the batch's first tensor when
 * it has one).
 */
export async function compareOrders<B, A>(
  model: OrderCompareModel<B, A>,
  theta: tf.Tensor | Float32Array,
  batch: B,
  inner: InnerSettings,
): Promise<OrderComparison> {
  const own = theta instanceof tf.Tensor ? null : tf.tensor1d(theta);
  let packed: tf.Tensor | null = null;
  try {
    const th = own ?? (theta as tf.Tensor);
    packed = tf.tidy(() => {
      const g = orderGradients(model, th, batch, inner);
      const m = tf.stack([g.second, g.first, g.reptile, tf.sub(g.second, g.first)]);
      const parts = [tf.reshape(tf.matMul(m, m, false, true), [16]), tf.reshape(g.loss, [1])];
      if (g.alphaGrad) parts.push(tf.reshape(tf.sum(tf.square(g.alphaGrad)), [1]));
      return tf.concat(parts);
    });
    const v = await packed.data();
    const alphaSq = v.length > 17 ? (v[17] as number) : null;
    return comparisonFromGram(v, v[16] as number, alphaSq, tasksOf(batch), inner.steps);
  } finally {
    packed?.dispose();
    own?.dispose();
  }
}

/** The leading dimension of the batch's first tensor (every batch here is task-major). */
function tasksOf(batch: unknown): number {
  if (batch instanceof tf.Tensor) return batch.shape[0] ?? 0;
  if (batch && typeof batch === 'object') {
    for (const v of Object.values(batch)) if (v instanceof tf.Tensor) return v.shape[0] ?? 0;
  }
  return 0;
}

function formatAngle(deg: number): string {
  if (deg >= 9.5) return `${Math.round(deg)}°`;
  if (deg >= 0.05) return `${deg.toFixed(1)}°`;
  return 'less than 0.1°';
}

/**
 * One line for a student: what the Hessian term (second order minus first order) does to the
 * meta-gradient, e.g. "the Hessian term turns the meta-gradient by 23° and scales it by 0.91"
 * (the scale is |g2| / |g1|: taking the first-order gradient to the second-order one).
 */
export function orderReading(c: OrderComparison): string {
  const values = [c.g2Norm, c.g1Norm, c.correctionNorm];
  if (!values.every(Number.isFinite)) return 'the meta-gradient is not finite at this θ';
  if (c.g2Norm === 0 && c.g1Norm === 0) return 'the meta-gradient is zero at this θ: nothing to compare';
  if (c.correctionNorm === 0) {
    const why = c.steps === 0 ? ' (no inner steps)' : '';
    return `the Hessian term is zero${why}: second and first order give the same meta-gradient`;
  }
  if (c.g1Norm === 0)
    return 'the first-order meta-gradient is zero: the Hessian term is the whole meta-gradient';
  const scale = c.g2Norm / c.g1Norm;
  return `the Hessian term turns the meta-gradient by ${formatAngle(c.angleG2G1Deg)} and scales it by ${scale.toFixed(2)}`;
}

/** One line on the Reptile direction against the two meta-gradients. */
export function reptileReading(c: OrderComparison): string {
  if (!(c.reptileNorm > 0)) {
    return c.steps === 0
      ? 'Reptile does not move θ with no inner steps'
      : 'the Reptile direction is zero here';
  }
  if (!Number.isFinite(c.angleG2ReptileDeg) || !Number.isFinite(c.angleG1ReptileDeg)) {
    return 'the meta-gradient is zero or not finite: no angle to the Reptile direction';
  }
  return (
    `the Reptile direction is ${formatAngle(c.angleG2ReptileDeg)} from the second-order meta-gradient ` +
    `and ${formatAngle(c.angleG1ReptileDeg)} from the first-order one`
  );
}
