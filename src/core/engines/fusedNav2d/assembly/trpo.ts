// TRPO's passes on the fused 2-D navigation engine (the wrapper runs conjugate gradient and the
// line search): the old adapted policies kept, the Hessian-vector product of the mean KL between
// the adapted policies before and after the step as a function of θ through the inner steps, and
// the line search's check (importance-weighted surrogate and KL) at a trial θ. The objective's
// policies are the post-update one (after K steps), or with `allSteps` those after each of the
// steps 1..K (each on the data slot sampled at it), the KL and the surrogate then their means.
import { ACT, P, lsOff, nL, outW, unpack } from './layout';
import { fisherVector } from './policy';
import {
  HORIZON,
  RESULT,
  VEC,
  WEIGHT_IO,
  acc,
  accumulate,
  addr,
  bindTask,
  finishGrad,
  fwdOf,
  liveOf,
  oldLsOf,
  oldMuOf,
  slotPtr,
  thetaOf,
  throughSteps,
  vTask,
  wTask,
} from './slots';

/** the means (last layer outputs) of data slot s, row q of the whole slot */
function meanAt(s: i32, q: i32, k: i32): f32 {
  const mu = load<usize>(slotPtr(s, 3) + ((<usize>(nL - 1)) << 2));
  return load<f32>(mu + ((<usize>(q * outW(nL - 1) + k)) << 2));
}

/**
 * Keeps the policy that sampled data slot s (its stored means and θ slot s's log-stds) and the
 * slot's live weights from WEIGHT_IO (reference layout [task, trajectory·H + step]).
 */
export function trpoKeep(s: i32, tasks: i32, N: i32): void {
  const M = N * HORIZON;
  const src = addr(WEIGHT_IO);
  const live = liveOf(s);
  const mu = oldMuOf(s);
  const ls = oldLsOf(s);
  for (let t = 0; t < tasks; t++) {
    for (let n = 0; n < N; n++)
      for (let h = 0; h < HORIZON; h++) {
        const q = t * M + h * N + n;
        store<f32>(live + ((<usize>q) << 2), load<f32>(src + ((<usize>((t * N + n) * HORIZON + h)) << 2)));
      }
    for (let q = t * M; q < (t + 1) * M; q++)
      for (let k = 0; k < ACT; k++) store<f32>(mu + ((<usize>(q * ACT + k)) << 2), meanAt(s, q, k));
    for (let k = 0; k < ACT; k++)
      store<f32>(ls + ((<usize>(t * ACT + k)) << 2), load<f32>(thetaOf(s, t) + ((<usize>(lsOff + k)) << 2)));
  }
}

/**
 * GRAD = H v for v in VEC, H the Hessian at θ of the mean over tasks (and, with `allSteps`, over
 * the steps k = 1..K) of the live-step mean KL between the kept policy after k steps and θ's after
 * k steps (θ through the inner steps, whose Jacobian is I unless second order): per task
 * Σ_k J_kᵀ F_k J_k v, J_k = Π_{j<k} (I − α_j H_j) (α_0 = alpha, α_j = later after it). One pass
 * forward carries v to each θ_k (kept in fwdOf(k)), one pass back gathers F_k J_k v on the way.
 * Data slots 0..K hold the samples at θ slots 0..K (trpoKeep called on each slot in the objective).
 */
export function trpoHv(
  K: i32,
  tasks: i32,
  N: i32,
  alpha: f32,
  later: f32,
  firstOrder: bool,
  allSteps: bool,
): void {
  const M = N * HORIZON;
  const first = allSteps ? 1 : K;
  memory.fill(acc, 0, (<usize>P) << 2);
  for (let t = 0; t < tasks; t++) {
    unpack(vTask, addr(VEC));
    for (let k = 0; k < K; k++) {
      if (k >= first) memory.copy(fwdOf(k), vTask, (<usize>P) << 2);
      if (!firstOrder) throughSteps(vTask, t, k, k + 1, 1, M, alpha, later);
    }
    memory.fill(wTask, 0, (<usize>P) << 2);
    bindTask(K, t, M, liveOf(K));
    fisherVector(thetaOf(K, t), vTask, wTask, M);
    for (let k = K - 1; k >= 0; k--) {
      if (!firstOrder) throughSteps(wTask, t, k, k - 1, -1, M, alpha, later);
      if (k < first) continue;
      bindTask(k, t, M, liveOf(k));
      fisherVector(thetaOf(k, t), fwdOf(k), wTask, M);
    }
    accumulate(wTask);
  }
  finishGrad(tasks, K - first + 1);
}

/**
 * The line search's check, data slots refreshed at the trial θ's θ slots: RESULT[0] = mean over
 * tasks (and the objective's steps) of −Σ w · π_new/π_old (w each slot's weights), RESULT[1] = mean
 * over tasks (and steps) of the live-step mean KL(old ‖ new) of the diagonal Gaussians.
 */
export function trpoCheck(K: i32, tasks: i32, N: i32, allSteps: bool): void {
  const first = allSteps ? 1 : K;
  let surrogate: f64 = 0;
  let kl: f64 = 0;
  for (let s = first; s <= K; s++) {
    surrogate += slotSurrogate(s, tasks, N);
    kl += slotKl;
  }
  const n = <f64>tasks * <f64>(K - first + 1);
  store<f64>(addr(RESULT), -surrogate / n);
  store<f64>(addr(RESULT) + 8, kl / n);
}

// the KL sum of the last slotSurrogate call
let slotKl: f64 = 0;

/** Data slot s's Σ w · π_new/π_old over every task (and its live-weighted KL sum into slotKl). */
function slotSurrogate(s: i32, tasks: i32, N: i32): f64 {
  const M = N * HORIZON;
  let surrogate: f64 = 0;
  let kl: f64 = 0;
  const wts = slotPtr(s, 2);
  const act = slotPtr(s, 1);
  const mu = oldMuOf(s);
  const ls = oldLsOf(s);
  const live = liveOf(s);
  for (let t = 0; t < tasks; t++) {
    const th = thetaOf(s, t);
    for (let q = t * M; q < (t + 1) * M; q++) {
      let logRatio: f32 = 0;
      let klq: f32 = 0;
      for (let k = 0; k < ACT; k++) {
        const ln = load<f32>(th + ((<usize>(lsOff + k)) << 2));
        const lo = load<f32>(ls + ((<usize>(t * ACT + k)) << 2));
        const ivn = Mathf.exp(ln * <f32>-2);
        const ivo = Mathf.exp(lo * <f32>-2);
        const a = load<f32>(act + ((<usize>(q * ACT + k)) << 2));
        const mo = load<f32>(mu + ((<usize>(q * ACT + k)) << 2));
        const mn = meanAt(s, q, k);
        const dn = a - mn;
        const dO = a - mo;
        logRatio += <f32>0.5 * dO * dO * ivo + lo - (<f32>0.5 * dn * dn * ivn + ln);
        const gap = mo - mn;
        klq += ln - lo + (Mathf.exp(lo * <f32>2) + gap * gap) * <f32>0.5 * ivn - <f32>0.5;
      }
      surrogate += <f64>load<f32>(wts + ((<usize>q) << 2)) * Math.exp(<f64>logRatio);
      kl += <f64>load<f32>(live + ((<usize>q) << 2)) * <f64>klq;
    }
  }
  slotKl = kl;
  return surrogate;
}
