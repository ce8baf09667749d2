/**
 * Advantage estimates for the policy-gradient steps, in plain TypeScript on read-back rollouts:
 * discounted returns, the linear feature baseline fitted per task by ridge regression (rllab's
 * LinearFeatureBaseline, which the paper uses: features position, position², t/100, (t/100)²,
 * (t/100)³ and 1), advantages normalised per task over its live steps. The result is a per-step
 * weight: advantage / live steps of the task, 0 after an episode ended, so that
 * −Σ weight · log π is the task's mean REINFORCE surrogate.
 */
import { HORIZON } from './env';

export const DISCOUNT = 0.99;
const FEATURES = 8;
const RIDGE = 1e-5;

export interface Advantages {
  /** per step weights [T·N·H] */
  weights: Float32Array;
  /** per step: 1 / live steps of its task while the episode runs, else 0 [T·N·H] */
  live: Float32Array;
  /** per task: mean undiscounted return of its trajectories [T] */
  returns: Float32Array;
}

function features(obs: Float32Array, step: number, t: number, out: Float64Array): void {
  const x = Math.max(-10, Math.min(10, obs[2 * step] as number));
  const y = Math.max(-10, Math.min(10, obs[2 * step + 1] as number));
  const al = t / 100;
  out[0] = x;
  out[1] = y;
  out[2] = x * x;
  out[3] = y * y;
  out[4] = al;
  out[5] = al * al;
  out[6] = al * al * al;
  out[7] = 1;
}

/** Solve the symmetric positive definite system A w = b (A [n·n], overwritten) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (a[j * n + k] as number) ** 2;
    if (!(d > 0)) return null;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (a[i * n + k] as number) * (a[j * n + k] as number);
      a[i * n + j] = s / l;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (a[i * n + k] as number) * (y[k] as number);
    y[i] = s / (a[i * n + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= (a[k * n + i] as number) * (y[k] as number);
    y[i] = s / (a[i * n + i] as number);
  }
  return y;
}

/** Ridge fit of the baseline to one task's returns; the ridge grows tenfold until it solves. */
function fitBaseline(xtx: Float64Array, xty: Float64Array): Float64Array {
  let reg = RIDGE;
  for (let attempt = 0; attempt < 6; attempt++, reg *= 10) {
    const a = Float64Array.from(xtx);
    for (let i = 0; i < FEATURES; i++) a[i * FEATURES + i] = (a[i * FEATURES + i] as number) + reg;
    const w = solveSpd(a, xty, FEATURES);
    if (w && w.every(Number.isFinite)) return w;
  }
  return new Float64Array(FEATURES);
}

/** One task's steps [from, from + N·H): returns, baseline fit, normalised weights. */
function taskAdvantages(
  obs: Float32Array,
  rewards: Float32Array,
  alive: Float32Array,
  from: number,
  trajs: number,
  out: Float32Array,
  live: Float32Array,
): number {
  const n = trajs * HORIZON;
  const ret = new Float64Array(n);
  let total = 0;
  for (let j = 0; j < trajs; j++) {
    let g = 0;
    for (let t = HORIZON - 1; t >= 0; t--) {
      const i = j * HORIZON + t;
      g = (rewards[from + i] as number) + DISCOUNT * g * (alive[from + i] as number);
      ret[i] = g;
      total += rewards[from + i] as number;
    }
  }
  const xtx = new Float64Array(FEATURES * FEATURES);
  const xty = new Float64Array(FEATURES);
  const f = new Float64Array(FEATURES);
  for (let i = 0; i < n; i++) {
    if (alive[from + i] === 0) continue;
    features(obs, from + i, i % HORIZON, f);
    for (let r = 0; r < FEATURES; r++) {
      xty[r] = (xty[r] as number) + (f[r] as number) * (ret[i] as number);
      for (let c = 0; c < FEATURES; c++)
        xtx[r * FEATURES + c] = (xtx[r * FEATURES + c] as number) + (f[r] as number) * (f[c] as number);
    }
  }
  const w = fitBaseline(xtx, xty);
  normalise(obs, alive, from, n, ret, w, f, out, live);
  return total / trajs;
}

/** weights = (A − mean A) / (std A + 1e-8) / live steps on live steps, A = return − baseline. */
function normalise(
  obs: Float32Array,
  alive: Float32Array,
  from: number,
  n: number,
  ret: Float64Array,
  w: Float64Array,
  f: Float64Array,
  out: Float32Array,
  live: Float32Array,
): void {
  const adv = new Float64Array(n);
  let count = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (alive[from + i] === 0) continue;
    features(obs, from + i, i % HORIZON, f);
    let b = 0;
    for (let r = 0; r < FEATURES; r++) b += (f[r] as number) * (w[r] as number);
    adv[i] = (ret[i] as number) - b;
    sum += adv[i] as number;
    count++;
  }
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < n; i++) if (alive[from + i] !== 0) ss += ((adv[i] as number) - mean) ** 2;
  const std = Math.sqrt(ss / count);
  for (let i = 0; i < n; i++) {
    out[from + i] = alive[from + i] === 0 ? 0 : ((adv[i] as number) - mean) / (std + 1e-8) / count;
    live[from + i] = (alive[from + i] as number) / count;
  }
}

/** Advantage weights and average returns of every task of a rollout ([T, N·H] layout). */
export function advantages(
  obs: Float32Array,
  rewards: Float32Array,
  alive: Float32Array,
  tasks: number,
  trajs: number,
): Advantages {
  const weights = new Float32Array(rewards.length);
  const live = new Float32Array(rewards.length);
  const returns = new Float32Array(tasks);
  for (let t = 0; t < tasks; t++) {
    returns[t] = taskAdvantages(obs, rewards, alive, t * trajs * HORIZON, trajs, weights, live);
  }
  return { weights, live, returns };
}
