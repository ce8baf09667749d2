// TRPO's passes on the fused 2-D navigation engine (the wrapper runs conjugate gradient and the
// line search): the old post-update policy kept, the Hessian-vector product of the mean KL between
// the post-update policies before and after the step as a function of θ through the inner steps,
// and the line search's check (importance-weighted surrogate and KL) at a trial θ.
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
  liveW,
  oldLs,
  oldMu,
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
 * Keeps the policy that sampled data slot K (its stored means and θ slot K's log-stds) and the
 * slot's live weights from WEIGHT_IO (reference layout [task, trajectory·H + step]).
 */
export function trpoKeep(K: i32, tasks: i32, N: i32): void {
  const M = N * HORIZON;
  const src = addr(WEIGHT_IO);
  for (let t = 0; t < tasks; t++) {
    for (let n = 0; n < N; n++)
      for (let h = 0; h < HORIZON; h++) {
        const q = t * M + h * N + n;
        store<f32>(liveW + ((<usize>q) << 2), load<f32>(src + ((<usize>((t * N + n) * HORIZON + h)) << 2)));
      }
    for (let q = t * M; q < (t + 1) * M; q++)
      for (let k = 0; k < ACT; k++) store<f32>(oldMu + ((<usize>(q * ACT + k)) << 2), meanAt(K, q, k));
    for (let k = 0; k < ACT; k++)
      store<f32>(
        oldLs + ((<usize>(t * ACT + k)) << 2),
        load<f32>(thetaOf(K, t) + ((<usize>(lsOff + k)) << 2)),
      );
  }
}

/**
 * GRAD = H v for v in VEC, H the Hessian at θ of the mean over tasks of the live-step mean KL
 * between the kept post-update policy and the post-update policy of θ′ (θ through the K inner
 * steps, whose Jacobian is I unless second order): per task Jᵀ F J v, J = Π (I − α_k H_k)
 * (α_0 = alpha, α_k = later after it).
 * Data slots 0..K hold the samples at θ slots 0..K (trpoKeep called on slot K).
 */
export function trpoHv(K: i32, tasks: i32, N: i32, alpha: f32, later: f32, firstOrder: bool): void {
  const M = N * HORIZON;
  memory.fill(acc, 0, (<usize>P) << 2);
  for (let t = 0; t < tasks; t++) {
    unpack(vTask, addr(VEC));
    if (!firstOrder) throughSteps(vTask, t, 0, K, 1, M, alpha, later);
    bindTask(K, t, M, liveW);
    memory.fill(wTask, 0, (<usize>P) << 2);
    fisherVector(thetaOf(K, t), vTask, wTask, M);
    if (!firstOrder) throughSteps(wTask, t, K - 1, -1, -1, M, alpha, later);
    accumulate(wTask);
  }
  finishGrad(tasks);
}

/**
 * The line search's check, data slot K refreshed at θ slot K of the trial θ: RESULT[0] = mean over
 * tasks of −Σ w · π_new/π_old (w the slot's weights), RESULT[1] = mean over tasks of the live-step
 * mean KL(old ‖ new) of the diagonal Gaussians.
 */
export function trpoCheck(K: i32, tasks: i32, N: i32): void {
  const M = N * HORIZON;
  let surrogate: f64 = 0;
  let kl: f64 = 0;
  const wts = slotPtr(K, 2);
  const act = slotPtr(K, 1);
  for (let t = 0; t < tasks; t++) {
    const th = thetaOf(K, t);
    for (let q = t * M; q < (t + 1) * M; q++) {
      let logRatio: f32 = 0;
      let klq: f32 = 0;
      for (let k = 0; k < ACT; k++) {
        const ln = load<f32>(th + ((<usize>(lsOff + k)) << 2));
        const lo = load<f32>(oldLs + ((<usize>(t * ACT + k)) << 2));
        const ivn = Mathf.exp(ln * <f32>-2);
        const ivo = Mathf.exp(lo * <f32>-2);
        const a = load<f32>(act + ((<usize>(q * ACT + k)) << 2));
        const mo = load<f32>(oldMu + ((<usize>(q * ACT + k)) << 2));
        const mn = meanAt(K, q, k);
        const dn = a - mn;
        const dO = a - mo;
        logRatio += <f32>0.5 * dO * dO * ivo + lo - (<f32>0.5 * dn * dn * ivn + ln);
        const gap = mo - mn;
        klq += ln - lo + (Mathf.exp(lo * <f32>2) + gap * gap) * <f32>0.5 * ivn - <f32>0.5;
      }
      surrogate += <f64>load<f32>(wts + ((<usize>q) << 2)) * Math.exp(<f64>logRatio);
      kl += <f64>load<f32>(liveW + ((<usize>q) << 2)) * <f64>klq;
    }
  }
  store<f64>(addr(RESULT), -surrogate / <f64>tasks);
  store<f64>(addr(RESULT) + 8, kl / <f64>tasks);
}
