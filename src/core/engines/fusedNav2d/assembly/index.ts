// Fused policy-gradient MAML for 2-D navigation: the point environment's rollouts of every task ×
// trajectory, the REINFORCE inner steps, the exact second-order meta-gradient (Hessian-vector
// products through each inner step), FOMAML, the pretrained baseline's step and Adam, on buffers
// in this module's memory. The wrapper (../fusedNav2d.ts) draws the noise, fits the advantages
// (the family's advantages.ts) between calls and reads the results: a constant number of calls
// per meta-iteration.
//
// Sample order: the wrapper's buffers (OBS, ACT, REWARD, ALIVE, WEIGHT) use the reference layout
// [task, trajectory·H + step]; inside, a task's samples are [step·N + trajectory], so each time
// step's rows are contiguous for the batched forward pass.
import { adam } from '../../fused/assembly/vector';
import { ACT, OBS, P, flatP, flatP4, lsOff, nL, outW, pack, unpack } from './layout';
import { forward, forwardRows, gradient } from './policy';
import {
  ACT_IO,
  ALIVE_IO,
  COUNTERS,
  EVAL,
  GOALS,
  GRAD,
  HORIZON,
  M_PRE,
  M_THETA,
  NOISE,
  OBS_IO,
  PRE,
  RESULT,
  REWARD_IO,
  THETA,
  V_PRE,
  V_THETA,
  WEIGHT_IO,
  acc,
  accumulate,
  addr,
  alive,
  bindTask,
  finishGrad,
  gTask,
  pos,
  slotPtr,
  thetaOf,
  throughSteps,
  vTask,
} from './slots';

export { addr, init } from './slots';
export { trpoHv, trpoKeep, trpoCheck } from './trpo';

const STEP: f32 = 0.1;
const DONE: f32 = 0.01;

export function paddedSize(): i32 {
  return P;
}

/** θ slot s of every task = the flat θ (which: 0 the meta-learned, 1 the pretrained, 2 EVAL). */
export function broadcast(s: i32, which: i32, tasks: i32): void {
  const src = addr(which == 0 ? THETA : which == 1 ? PRE : EVAL);
  unpack(thetaOf(s, 0), src);
  for (let t = 1; t < tasks; t++) memory.copy(thetaOf(s, t), thetaOf(s, 0), (<usize>P) << 2);
}

/** One environment step of task t's N agents at time h (their means are in the layer outputs). */
function envStep(s: i32, th: i32, t: i32, h: i32, tasks: i32, N: i32): void {
  const M = N * HORIZON;
  const q0 = t * M + h * N;
  const layers = slotPtr(s, 3);
  const mu = load<usize>(layers + ((<usize>(nL - 1)) << 2));
  const b = outW(nL - 1);
  const theta = thetaOf(th, t);
  const sx = Mathf.exp(load<f32>(theta + ((<usize>lsOff) << 2)));
  const sy = Mathf.exp(load<f32>(theta + ((<usize>(lsOff + 1)) << 2)));
  const gx = load<f32>(addr(GOALS) + ((<usize>(2 * t)) << 2));
  const gy = load<f32>(addr(GOALS) + ((<usize>(2 * t + 1)) << 2));
  const noise = addr(NOISE) + ((<usize>((h * tasks + t) * N * ACT)) << 2);
  const actI = slotPtr(s, 1);
  for (let n = 0; n < N; n++) {
    const q = q0 + n;
    const io = (t * N + n) * HORIZON + h; // the reference layout
    const ax = load<f32>(mu + ((<usize>(q * b)) << 2)) + load<f32>(noise + ((<usize>(2 * n)) << 2)) * sx;
    const ay =
      load<f32>(mu + ((<usize>(q * b + 1)) << 2)) + load<f32>(noise + ((<usize>(2 * n + 1)) << 2)) * sy;
    const p = pos + ((<usize>((t * N + n) * OBS)) << 2);
    const px = load<f32>(p);
    const py = load<f32>(p, 4);
    const nx = px + min(max(ax * STEP, -STEP), STEP);
    const ny = py + min(max(ay * STEP, -STEP), STEP);
    const dx = nx - gx;
    const dy = ny - gy;
    const live = load<f32>(alive + ((<usize>(t * N + n)) << 2));
    store<f32>(actI + ((<usize>(q * ACT)) << 2), ax);
    store<f32>(actI + ((<usize>(q * ACT + 1)) << 2), ay);
    store<f32>(addr(OBS_IO) + ((<usize>(io * OBS)) << 2), px);
    store<f32>(addr(OBS_IO) + ((<usize>(io * OBS + 1)) << 2), py);
    store<f32>(addr(ACT_IO) + ((<usize>(io * ACT)) << 2), ax);
    store<f32>(addr(ACT_IO) + ((<usize>(io * ACT + 1)) << 2), ay);
    store<f32>(addr(REWARD_IO) + ((<usize>io) << 2), -Mathf.sqrt(dx * dx + dy * dy) * live);
    store<f32>(addr(ALIVE_IO) + ((<usize>io) << 2), live);
    const near = max(Mathf.abs(dx), Mathf.abs(dy)) < DONE;
    store<f32>(alive + ((<usize>(t * N + n)) << 2), near ? <f32>0 : live);
    store<f32>(p, nx);
    store<f32>(p, ny, 4);
  }
}

/**
 * Samples N trajectories of H steps for every task into data slot s, task t acting with θ slot
 * th's θ_t toward GOALS[t] with the noise in NOISE; fills the reference-layout buffers.
 */
export function rollout(s: i32, th: i32, tasks: i32, N: i32): void {
  const M = N * HORIZON;
  memory.fill(pos, 0, (<usize>(tasks * N * OBS)) << 2);
  const ones = alive;
  for (let i = 0; i < tasks * N; i++) store<f32>(ones + ((<usize>i) << 2), 1);
  const obsI = slotPtr(s, 0);
  const layers = slotPtr(s, 3);
  // tasks are independent: each task's whole episode runs at once, its weights staying in cache
  for (let t = 0; t < tasks; t++) {
    for (let h = 0; h < HORIZON; h++) {
      const q0 = t * M + h * N;
      memory.copy(
        obsI + ((<usize>(q0 * OBS)) << 2),
        pos + ((<usize>(t * N * OBS)) << 2),
        (<usize>(N * OBS)) << 2,
      );
      forwardRows(thetaOf(th, t), obsI + ((<usize>(q0 * OBS)) << 2), layers, <usize>q0, N);
      envStep(s, th, t, h, tasks, N);
    }
  }
}

/** Data slot s's per-sample weights from WEIGHT_IO (reference layout). */
export function weights(s: i32, tasks: i32, N: i32): void {
  const w = slotPtr(s, 2);
  const src = addr(WEIGHT_IO);
  for (let t = 0; t < tasks; t++)
    for (let n = 0; n < N; n++)
      for (let h = 0; h < HORIZON; h++) {
        const q = t * N * HORIZON + h * N + n;
        const io = (t * N + n) * HORIZON + h;
        store<f32>(w + ((<usize>q) << 2), load<f32>(src + ((<usize>io) << 2)));
      }
}

/** Recomputes data slot s's layer outputs at θ slot th (the surrogate at parameters it was not sampled at). */
export function refresh(s: i32, th: i32, tasks: i32, N: i32): void {
  const M = N * HORIZON;
  for (let t = 0; t < tasks; t++) {
    bindTask(s, t, M);
    forward(thetaOf(th, t), M);
  }
}

/** θ slot `to` = θ slot `from` − α ∇L (data slot s, sampled or refreshed at `from`), every task. */
export function inner(s: i32, from: i32, to: i32, tasks: i32, N: i32, alpha: f32): void {
  const M = N * HORIZON;
  for (let t = 0; t < tasks; t++) {
    bindTask(s, t, M);
    memory.fill(gTask, 0, (<usize>P) << 2);
    gradient(thetaOf(from, t), gTask, M);
    const src = thetaOf(from, t);
    const dst = thetaOf(to, t);
    for (let i = 0; i < P; i++) {
      const o = (<usize>i) << 2;
      store<f32>(dst + o, load<f32>(src + o) - load<f32>(gTask + o) * alpha);
    }
  }
}

/**
 * The meta-gradient after K inner steps (data slots 0..K−1 sampled at θ slots 0..K−1, the post-update
 * data in slot K at θ slot K): per task v = ∇L_post(θ_K), then (unless first order) v ← v − α_k H_k v
 * for k = K−1…0, H_k the Hessian of task's L_k at θ_k, α_0 = alpha and α_k = later after it;
 * GRAD = mean over tasks. Adam on θ when `apply`. RESULT[0] = the mean post-update surrogate.
 * With `allSteps` the objective is the mean over k = 1..K of the surrogate after k steps (L_k on
 * data slot k at θ_k for k < K): v += ∇L_k(θ_k) once v has come back to θ_k, and RESULT[0], GRAD
 * are divided by K.
 */
export function meta(
  K: i32,
  tasks: i32,
  N: i32,
  alpha: f32,
  later: f32,
  firstOrder: bool,
  beta: f64,
  apply: bool,
  allSteps: bool,
): void {
  const M = N * HORIZON;
  memory.fill(acc, 0, (<usize>P) << 2);
  let value: f64 = 0;
  const first = allSteps ? 1 : K; // the earliest step whose surrogate is in the objective
  for (let t = 0; t < tasks; t++) {
    bindTask(K, t, M);
    memory.fill(vTask, 0, (<usize>P) << 2);
    value += gradient(thetaOf(K, t), vTask, M);
    for (let k = K - 1; k >= 0; k--) {
      if (!firstOrder) throughSteps(vTask, t, k, k - 1, -1, M, alpha, later);
      if (k < first) continue;
      bindTask(k, t, M);
      value += gradient(thetaOf(k, t), vTask, M);
    }
    accumulate(vTask);
  }
  const steps = K - first + 1;
  store<f64>(addr(RESULT), value / <f64>tasks / <f64>steps);
  finishGrad(tasks, steps);
  if (apply) adam(addr(THETA), addr(GRAD), addr(M_THETA), addr(V_THETA), addr(COUNTERS), beta, flatP4);
}

/** The pretrained baseline's REINFORCE step: GRAD = mean over tasks of ∇L (data slot s at θ slot th). */
export function joint(s: i32, th: i32, tasks: i32, N: i32, beta: f64, apply: bool): void {
  const M = N * HORIZON;
  memory.fill(acc, 0, (<usize>P) << 2);
  let value: f64 = 0;
  for (let t = 0; t < tasks; t++) {
    bindTask(s, t, M);
    value += gradient(thetaOf(th, t), acc, M);
  }
  store<f64>(addr(RESULT) + 8, value / <f64>tasks);
  finishGrad(tasks);
  if (apply) adam(addr(PRE), addr(GRAD), addr(M_PRE), addr(V_PRE), addr(COUNTERS) + 4, beta, flatP4);
}

/** The flat θ of task t in θ slot s into GRAD (for checks of the adapted parameters). */
export function readTheta(s: i32, t: i32): void {
  memory.fill(addr(GRAD), 0, (<usize>flatP4) << 2);
  pack(addr(GRAD), thetaOf(s, t));
}

/** the project's θ length for this layout */
export function flatSize(): i32 {
  return flatP;
}
