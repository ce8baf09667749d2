/**
 * The paper's meta-optimiser for reinforcement learning: TRPO on the post-update policies. The
 * step direction solves H x = g by conjugate gradient, with g the meta-gradient and H the Hessian
 * of the mean KL divergence between the post-update policies before and after the step (both as
 * functions of θ through the inner step; its Hessian-vector products are nested tf.grads). The
 * step is scaled to KL = δ and backtracked until the importance-weighted surrogate improves and
 * the KL stays within δ; if no trial does, θ is kept. Settings as pytorch-maml-rl's defaults.
 * With the mean meta-objective (`allSteps`, schema.ts) the policies are those after each inner
 * step 1..K, each on the batch sampled at it, and the surrogate and the KL are their means.
 */
import * as tf from '@tensorflow/tfjs';
import { safeExp } from '../../ops/softmax';
import { metaGradient, pgInnerStep, type PgBatch } from './metaGradient';
import { logProb, perTask, policyMean, splitPolicy } from './policy';
import type { Reading } from './reads';

export const TRPO = { maxKl: 0.01, cgIters: 10, damping: 1e-5, backtrack: 0.8, lineSearchSteps: 15 };

/** What the step needs of one meta-iteration's data. */
export interface TrpoProblem {
  hidden: readonly number[];
  pre: readonly PgBatch[];
  post: PgBatch;
  alpha: number;
  firstOrder: boolean;
  /** the rate of inner steps after the first (α unless given) */
  later?: number;
  /** the objective is the mean of the surrogates after each inner step 1..K */
  allSteps?: boolean;
}

/** One adapted policy of every task, on the batch sampled at it. */
export type Adapted = {
  mean: tf.Tensor3D;
  logStd: tf.Tensor3D;
  logp: tf.Tensor2D;
};

/** The batches of the objective's steps: the post-update one, or with `allSteps` those of steps 1..K. */
function objectiveBatches(q: TrpoProblem): PgBatch[] {
  return q.allSteps ? [...q.pre.slice(1), q.post] : [q.post];
}

/** The adapted policies of every task at θ, one per objectiveBatches entry, each on its batch. */
export function adapted(theta: tf.Tensor, q: TrpoProblem): Adapted[] {
  let p = perTask(theta, q.post.obs.shape[0]);
  const later = q.later ?? q.alpha;
  const out: Adapted[] = [];
  const on = (b: PgBatch) => {
    const parts = splitPolicy(p, q.hidden);
    out.push({ mean: policyMean(parts, b.obs), logStd: parts.logStd, logp: logProb(parts, b.obs, b.act) });
  };
  q.pre.forEach((b, i) => {
    if (q.allSteps && i > 0) on(b);
    p = pgInnerStep(p, q.hidden, b, i === 0 ? q.alpha : later, q.firstOrder);
  });
  on(q.post);
  return out;
}

/** The mean of the per-batch terms (the one term itself without `allSteps`). */
function meanOver(terms: tf.Scalar[]): tf.Scalar {
  return (terms.length === 1 ? terms[0] : tf.div(tf.addN(terms), terms.length)) as tf.Scalar;
}

/** Mean over tasks (and steps) of the live-step mean KL(old ‖ new) of the diagonal Gaussians. */
export function meanKl(theta: tf.Tensor, old: readonly Adapted[], q: TrpoProblem): tf.Scalar {
  const now = adapted(theta, q);
  const terms = objectiveBatches(q).map((b, i) => {
    const [o, n] = [old[i] as Adapted, now[i] as Adapted];
    const oldVar = tf.exp(tf.mul(o.logStd, 2));
    const invVar = safeExp(tf.mul(n.logStd, -2));
    const spread = tf.mul(tf.add(oldVar, tf.square(tf.sub(o.mean, n.mean))), tf.mul(invVar, 0.5));
    const perDim = tf.sub(tf.add(tf.sub(n.logStd, o.logStd), spread), 0.5);
    const kl = tf.sum(tf.mul(tf.sum(perDim, 2), b.live));
    return tf.div(kl, b.obs.shape[0]) as tf.Scalar;
  });
  return meanOver(terms);
}

/** Mean over tasks (and steps) of −Σ w · π_new / π_old on each batch (the meta-loss at the old θ). */
export function surrogate(theta: tf.Tensor, old: readonly Adapted[], q: TrpoProblem): tf.Scalar {
  const now = adapted(theta, q);
  const terms = objectiveBatches(q).map((b, i) => {
    const ratio = tf.exp(tf.sub((now[i] as Adapted).logp, (old[i] as Adapted).logp));
    return tf.div(tf.neg(tf.sum(tf.mul(ratio, b.weights))), b.obs.shape[0]) as tf.Scalar;
  });
  return meanOver(terms);
}

/** H v + damping · v, H the Hessian of the mean KL at θ (where its gradient is zero). */
export function klHessianVector(
  theta: tf.Tensor1D,
  old: readonly Adapted[],
  q: TrpoProblem,
  v: tf.Tensor1D,
): tf.Tensor1D {
  return tf.tidy(() => {
    const gradDotV = (th: tf.Tensor) => tf.sum(tf.mul(tf.grad((t: tf.Tensor) => meanKl(t, old, q))(th), v));
    return tf.add(tf.grad(gradDotV)(theta), tf.mul(v, TRPO.damping)) as tf.Tensor1D;
  });
}

/** Conjugate gradient for H x = b, `iters` iterations, all on the device. */
function conjugateGradient(hv: (v: tf.Tensor1D) => tf.Tensor1D, b: tf.Tensor1D, iters: number): tf.Tensor1D {
  let x: tf.Tensor = tf.zerosLike(b);
  let r: tf.Tensor = tf.clone(b);
  let p: tf.Tensor = tf.clone(b);
  let rr: tf.Tensor = tf.sum(tf.square(r));
  for (let i = 0; i < iters; i++) {
    const next = tf.tidy(() => {
      const hp = hv(p as tf.Tensor1D);
      const step = tf.div(rr, tf.add(tf.sum(tf.mul(p, hp)), 1e-12));
      const x2 = tf.add(x, tf.mul(step, p));
      const r2 = tf.sub(r, tf.mul(step, hp));
      const rr2 = tf.sum(tf.square(r2));
      return { x2, r2, rr2, p2: tf.add(r2, tf.mul(tf.div(rr2, tf.add(rr, 1e-12)), p)) };
    });
    tf.dispose([x, r, p, rr]);
    [x, r, p, rr] = [next.x2, next.r2, next.p2, next.rr2];
  }
  tf.dispose([r, p, rr]);
  return x as tf.Tensor1D;
}

/**
 * One TRPO meta-step on θ (assigned in place when a trial is accepted). Yields to read the line
 * search's losses and KLs; returns the accepted step fraction, or null when θ was kept.
 */
export function* trpoStep(theta: tf.Variable, q: TrpoProblem): Reading<number | null> {
  const th = theta as unknown as tf.Tensor1D;
  const old = tf.tidy(() => adapted(th, q));
  const { hidden, pre, post, alpha, firstOrder, later, allSteps } = q;
  const { value, grad } = metaGradient(th, hidden, pre, post, alpha, firstOrder, later, allSteps);
  value.dispose();
  const before = tf.tidy(() => surrogate(th, old, q));
  const x = tf.tidy(() => conjugateGradient((v) => klHessianVector(th, old, q, v), grad, TRPO.cgIters));
  const full = tf.tidy(() => {
    const xhx = tf.sum(tf.mul(x, klHessianVector(th, old, q, x)));
    return tf.mul(x, tf.sqrt(tf.div(2 * TRPO.maxKl, tf.add(xhx, 1e-12))));
  });
  tf.dispose([grad, x]);
  let accepted: number | null = null;
  for (let k = 0, frac = 1; k < TRPO.lineSearchSteps && accepted === null; k++, frac *= TRPO.backtrack) {
    const trial = tf.tidy(() => tf.sub(th, tf.mul(full, frac)));
    const checks = tf.tidy(() => [surrogate(trial, old, q), meanKl(trial, old, q)]);
    const read = yield [before, ...checks];
    tf.dispose(checks);
    const [start, loss, kl] = read.map((values) => values[0] as number) as [number, number, number];
    if (loss < start && kl <= TRPO.maxKl) {
      theta.assign(trial);
      accepted = frac;
    }
    trial.dispose();
  }
  tf.dispose([before, full, ...old.flatMap((a) => [a.mean, a.logStd, a.logp])]);
  return accepted;
}
