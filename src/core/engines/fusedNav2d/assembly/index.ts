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
import {
  ACT,
  OBS,
  P,
  actOff,
  actWidth,
  flatP,
  flatP4,
  lsOff,
  nL,
  outW,
  pack,
  setLayout,
  unpack,
} from './layout';
import { allocScratch, bind, forward, forwardRows, gradient, hessianVector } from './policy';

// buffer ids for addr(); keep in step with NAV2D_BUFFER in ../wasmModule.ts
const THETA = 0; // the meta-learned θ (flat, the project's layout)
const M_THETA = 1;
const V_THETA = 2;
const PRE = 3; // the pretrained baseline's θ (flat)
const M_PRE = 4;
const V_PRE = 5;
const GRAD = 6; // the last gradient (flat)
const NOISE = 7; // action noise [H, T, N, 2]
const GOALS = 8; // [T, 2]
const OBS_IO = 9; // [T, N·H, 2]
const ACT_IO = 10;
const REWARD_IO = 11; // [T, N·H]
const ALIVE_IO = 12;
const WEIGHT_IO = 13;
const RESULT = 14; // f64 [meta surrogate, pretrained surrogate]
const COUNTERS = 15; // i32 [Adam steps of θ, of the pretrained θ]
const EVAL = 16; // any θ to evaluate (flat)
const BUFFERS = 17;

export const HORIZON: i32 = 100;
const STEP: f32 = 0.1;
const DONE: f32 = 0.01;

let addrs: usize = 0;
let tMax: i32 = 0;
let mMax: i32 = 0; // samples per task: trajectories × H
let slots: i32 = 0;
let dataTab: usize = 0; // per slot: obs, act, weights, layer-output table
let thetaSlots: usize = 0; // per slot: tMax padded θs
let pos: usize = 0;
let alive: usize = 0;
let gTask: usize = 0;
let vTask: usize = 0;
let hvTask: usize = 0;
let junk: usize = 0;
let acc: usize = 0;

export function addr(id: i32): usize {
  return load<usize>(addrs + ((<usize>id) << 2));
}
function fl(n: i32): usize {
  return heap.alloc((<usize>(n > 0 ? n : 1)) << 2);
}
function slotPtr(s: i32, k: i32): usize {
  return load<usize>(dataTab + ((<usize>(s * 4 + k)) << 2));
}
/** padded θ of task t in θ slot s */
function thetaOf(s: i32, t: i32): usize {
  return thetaSlots + ((<usize>(s * tMax + t) * <usize>P) << 2);
}

/** Allocates everything once (memory never grows afterwards, so the wrapper's views stay valid). */
export function init(
  h1: i32,
  h2: i32,
  h3: i32,
  h4: i32,
  count: i32,
  tasks: i32,
  trajs: i32,
  nSlots: i32,
): i32 {
  const hidden = heap.alloc(16);
  store<i32>(hidden, h1);
  store<i32>(hidden, h2, 4);
  store<i32>(hidden, h3, 8);
  store<i32>(hidden, h4, 12);
  setLayout(hidden, count);
  tMax = tasks;
  mMax = trajs * HORIZON;
  slots = nSlots;
  const samples = tMax * mMax;
  addrs = heap.alloc(BUFFERS << 2);
  for (let id = THETA; id <= GRAD; id++) store<usize>(addrs + ((<usize>id) << 2), fl(flatP4));
  store<usize>(addrs + (NOISE << 2), fl(samples * ACT));
  store<usize>(addrs + (GOALS << 2), fl(tMax * OBS));
  store<usize>(addrs + (OBS_IO << 2), fl(samples * OBS));
  store<usize>(addrs + (ACT_IO << 2), fl(samples * ACT));
  for (let id = REWARD_IO; id <= WEIGHT_IO; id++) store<usize>(addrs + ((<usize>id) << 2), fl(samples));
  store<usize>(addrs + (RESULT << 2), heap.alloc(16));
  store<usize>(addrs + (COUNTERS << 2), heap.alloc(16));
  store<usize>(addrs + (EVAL << 2), fl(flatP4));
  dataTab = heap.alloc((<usize>(slots * 4)) << 2);
  for (let s = 0; s < slots; s++) {
    const layers = heap.alloc((<usize>nL) << 2);
    const block = fl(samples * actWidth);
    for (let l = 0; l < nL; l++)
      store<usize>(layers + ((<usize>l) << 2), block + ((<usize>samples * <usize>actOff(l)) << 2));
    store<usize>(dataTab + ((<usize>(s * 4)) << 2), fl(samples * OBS));
    store<usize>(dataTab + ((<usize>(s * 4 + 1)) << 2), fl(samples * ACT));
    store<usize>(dataTab + ((<usize>(s * 4 + 2)) << 2), fl(samples));
    store<usize>(dataTab + ((<usize>(s * 4 + 3)) << 2), layers);
  }
  thetaSlots = fl(slots * tMax * P);
  pos = fl(tMax * trajs * OBS);
  alive = fl(tMax * trajs);
  gTask = fl(P);
  vTask = fl(P);
  hvTask = fl(P);
  junk = fl(P);
  acc = fl(P);
  allocScratch(mMax);
  return P;
}

export function paddedSize(): i32 {
  return P;
}

/** θ slot s of every task = the flat θ (which: 0 the meta-learned, 1 the pretrained, 2 EVAL). */
export function broadcast(s: i32, which: i32, tasks: i32): void {
  const src = addr(which == 0 ? THETA : which == 1 ? PRE : EVAL);
  unpack(thetaOf(s, 0), src);
  for (let t = 1; t < tasks; t++) memory.copy(thetaOf(s, t), thetaOf(s, 0), (<usize>P) << 2);
}

/** Binds task t of data slot s (M samples each) for the policy passes. */
function bindTask(s: i32, t: i32, M: i32): void {
  const q0 = <usize>t * <usize>M;
  const layers = slotPtr(s, 3);
  const shifted = junk; // a table of nL shifted pointers (junk is P ≥ nL floats long)
  for (let l = 0; l < nL; l++) {
    const base = load<usize>(layers + ((<usize>l) << 2));
    store<usize>(shifted + ((<usize>l) << 2), base + ((q0 * <usize>outW(l)) << 2));
  }
  bind(
    slotPtr(s, 0) + ((q0 * OBS) << 2),
    slotPtr(s, 1) + ((q0 * ACT) << 2),
    slotPtr(s, 2) + (q0 << 2),
    shifted,
  );
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

/** GRAD (flat) = acc (padded) / tasks. */
function finishGrad(tasks: i32): void {
  const inv = <f32>1 / <f32>tasks;
  for (let i = 0; i < P; i++) store<f32>(acc + ((<usize>i) << 2), load<f32>(acc + ((<usize>i) << 2)) * inv);
  memory.fill(addr(GRAD), 0, (<usize>flatP4) << 2);
  pack(addr(GRAD), acc);
}

/**
 * The meta-gradient after K inner steps (data slots 0..K−1 sampled at θ slots 0..K−1, the post-update
 * data in slot K at θ slot K): per task v = ∇L_post(θ_K), then (unless first order) v ← v − α H_k v
 * for k = K−1…0, H_k the Hessian of task's L_k at θ_k; GRAD = mean over tasks. Adam on θ when
 * `apply`. RESULT[0] = the mean post-update surrogate.
 */
export function meta(K: i32, tasks: i32, N: i32, alpha: f32, firstOrder: bool, beta: f64, apply: bool): void {
  const M = N * HORIZON;
  memory.fill(acc, 0, (<usize>P) << 2);
  let value: f64 = 0;
  for (let t = 0; t < tasks; t++) {
    bindTask(K, t, M);
    memory.fill(vTask, 0, (<usize>P) << 2);
    value += gradient(thetaOf(K, t), vTask, M);
    if (!firstOrder) {
      for (let k = K - 1; k >= 0; k--) {
        bindTask(k, t, M);
        memory.fill(hvTask, 0, (<usize>P) << 2);
        hessianVector(thetaOf(k, t), vTask, hvTask, gTask, M);
        for (let i = 0; i < P; i++) {
          const o = (<usize>i) << 2;
          store<f32>(vTask + o, load<f32>(vTask + o) - load<f32>(hvTask + o) * alpha);
        }
      }
    }
    for (let i = 0; i < P; i++) {
      const o = (<usize>i) << 2;
      store<f32>(acc + o, load<f32>(acc + o) + load<f32>(vTask + o));
    }
  }
  store<f64>(addr(RESULT), value / <f64>tasks);
  finishGrad(tasks);
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
