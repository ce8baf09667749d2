/**
 * The paper's TRPO meta-step (trpo.ts: the same maths and constants) on the fused engine. The
 * engine gives the meta-gradient g, the Hessian-vector products of the mean KL between the
 * adapted policies (as functions of θ through the inner steps; exact, forward over reverse,
 * like trpo.ts's nested gradients) and the line search's surrogate and KL at a trial θ (the inner
 * steps recomputed on the same batches). Conjugate gradient and the line search run here on the
 * flat vectors: a constant number of engine calls per conjugate-gradient iteration and per trial.
 * The adapted policies are the post-update one, or with `allSteps` (the mean meta-objective) those
 * after each inner step 1..K, the surrogate and the KL then their means (trpo.ts likewise).
 */
import type { FusedNav2dEngine } from '../../engines/fusedNav2d/fusedNav2d';
import { TRPO } from './trpo';

/** What the step needs of one sampled meta-iteration (data slots 0..inner on the engine). */
export interface FusedTrpoProblem {
  inner: number;
  tasks: number;
  trajs: number;
  alpha: number;
  /** the rate of inner steps after the first */
  later: number;
  firstOrder: boolean;
  /** the objective is the mean of the surrogates after each inner step 1..K (schema.ts allSteps) */
  allSteps: boolean;
  /** each data slot's advantage weights and live weights (reference layout), slots 0..inner */
  batches: readonly { weights: Float32Array; live: Float32Array }[];
}

/** The data slots whose surrogates are in the objective: the last, or 1..inner with `allSteps`. */
export function objectiveSlots(q: { inner: number; allSteps: boolean }): number[] {
  const first = q.allSteps ? 1 : q.inner;
  return Array.from({ length: q.inner - first + 1 }, (_, i) => first + i);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Conjugate gradient for H x = b, `iters` iterations (trpo.ts's recurrences, with its 1e-12 guards). */
export function conjugateGradient(
  hv: (v: Float32Array) => Float32Array,
  b: Float32Array,
  iters: number,
): Float32Array {
  const x = new Float64Array(b.length);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  for (let i = 0; i < iters; i++) {
    const hp = hv(Float32Array.from(p));
    const step = rr / (dot(p, hp) + 1e-12);
    for (let j = 0; j < x.length; j++) {
      x[j] = (x[j] as number) + step * (p[j] as number);
      r[j] = (r[j] as number) - step * (hp[j] as number);
    }
    const rr2 = dot(r, r);
    const ratio = rr2 / (rr + 1e-12);
    for (let j = 0; j < p.length; j++) p[j] = (r[j] as number) + ratio * (p[j] as number);
    rr = rr2;
  }
  return Float32Array.from(x);
}

/**
 * The engine's data slots 0..inner (kept) re-read at another θ: θ slot 0 = θ, each inner step
 * recomputed on its batch, every slot's layer outputs at its θ slot.
 */
export function adaptAt(
  engine: FusedNav2dEngine,
  q: { inner: number; tasks: number; trajs: number; alpha: number; later: number },
  theta: Float32Array,
): void {
  engine.setTheta('eval', theta);
  engine.broadcast(0, 'eval', q.tasks);
  for (let k = 0; k < q.inner; k++) {
    engine.refresh(k, k, q.tasks, q.trajs);
    engine.inner(k, k, k + 1, q.tasks, q.trajs, k === 0 ? q.alpha : q.later);
  }
  engine.refresh(q.inner, q.inner, q.tasks, q.trajs);
}

/** The surrogate and KL at a trial θ (trpoKeep called first). */
export function trpoTrial(engine: FusedNav2dEngine, q: FusedTrpoProblem, trial: Float32Array) {
  adaptAt(engine, q, trial);
  return engine.trpoCheck(q.inner, q.tasks, q.trajs, q.allSteps);
}

/** The surrogate at the sampling θ, −Σ w over tasks (and its mean over the objective's slots). */
function surrogateBefore(q: FusedTrpoProblem): number {
  const slots = objectiveSlots(q);
  let sum = 0;
  for (const s of slots)
    sum += -(q.batches[s] as { weights: Float32Array }).weights.reduce((a, w) => a + w, 0) / q.tasks;
  return slots.length === 1 ? sum : sum / slots.length;
}

/**
 * One TRPO meta-step on the engine's θ (set when a trial is accepted); the accepted step fraction,
 * or null when θ was kept. Leaves the data slots' layer outputs at the last trial.
 */
export function fusedTrpoStep(engine: FusedNav2dEngine, q: FusedTrpoProblem): number | null {
  const { grad } = engine.meta(
    q.inner,
    q.tasks,
    q.trajs,
    q.alpha,
    q.firstOrder,
    0,
    false,
    q.later,
    q.allSteps,
  );
  for (const s of objectiveSlots(q))
    engine.trpoKeep(s, q.tasks, q.trajs, (q.batches[s] as { live: Float32Array }).live);
  const hv = (v: Float32Array): Float32Array => {
    const out = engine.klHessianVector(
      v,
      q.inner,
      q.tasks,
      q.trajs,
      q.alpha,
      q.firstOrder,
      q.later,
      q.allSteps,
    );
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (v[i] as number) * TRPO.damping;
    return out;
  };
  const x = conjugateGradient(hv, grad, TRPO.cgIters);
  const scale = Math.sqrt((2 * TRPO.maxKl) / (dot(x, hv(x)) + 1e-12));
  const full = x.map((v) => v * scale);
  const before = surrogateBefore(q);
  const theta = engine.theta();
  let frac = 1;
  for (let k = 0; k < TRPO.lineSearchSteps; k++, frac *= TRPO.backtrack) {
    const f = Math.fround(frac);
    const trial = theta.map((t, i) => t - Math.fround((full[i] as number) * f));
    const got = trpoTrial(engine, q, trial);
    if (got.surrogate < before && got.kl <= TRPO.maxKl) {
      engine.setTheta('meta', trial);
      return frac;
    }
  }
  return null;
}
