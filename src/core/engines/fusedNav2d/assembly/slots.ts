// The fused 2-D navigation engine's memory: the buffers the wrapper reads and writes (by id, through
// addr()), the data slots (one rollout each: observations, actions, weights, layer outputs), the θ
// slots (every task's padded θ), and per-task scratch. Everything is allocated once by init(), so
// memory never grows afterwards and the wrapper's views stay valid.
import { OBS, ACT, P, actOff, actWidth, flatP4, nL, outW, pack, setLayout } from './layout';
import { allocScratch, bind, hessianVector } from './policy';

// buffer ids for addr(); keep in step with NAV2D_BUFFER in ../wasmModule.ts
export const THETA = 0; // the meta-learned θ (flat, the project's layout)
export const M_THETA = 1;
export const V_THETA = 2;
export const PRE = 3; // the pretrained baseline's θ (flat)
export const M_PRE = 4;
export const V_PRE = 5;
export const GRAD = 6; // the last gradient (flat)
export const NOISE = 7; // action noise [H, T, N, 2]
export const GOALS = 8; // [T, 2]
export const OBS_IO = 9; // [T, N·H, 2]
export const ACT_IO = 10;
export const REWARD_IO = 11; // [T, N·H]
export const ALIVE_IO = 12;
export const WEIGHT_IO = 13;
export const RESULT = 14; // f64 [meta surrogate, pretrained surrogate]
export const COUNTERS = 15; // i32 [Adam steps of θ, of the pretrained θ]
export const EVAL = 16; // any θ to evaluate (flat)
export const VEC = 17; // a direction in θ's space (flat), the input of a Hessian-vector product
const BUFFERS = 18;

export const HORIZON: i32 = 100;

let addrs: usize = 0;
export let tMax: i32 = 0;
export let mMax: i32 = 0; // samples per task: trajectories × H
let slots: i32 = 0;
let dataTab: usize = 0; // per slot: obs, act, weights, layer-output table
let thetaSlots: usize = 0; // per slot: tMax padded θs
export let pos: usize = 0;
export let alive: usize = 0;
export let gTask: usize = 0;
export let vTask: usize = 0;
export let hvTask: usize = 0;
export let wTask: usize = 0;
export let junk: usize = 0;
export let acc: usize = 0;
// per data slot, the policy that sampled it, kept for TRPO: means [T, M, 2], log-stds [T, 2]
let oldMu: usize = 0;
let oldLs: usize = 0;
// per data slot and sample: 1 / live steps of its task while its episode runs, else 0 [T, M]
let liveW: usize = 0;
// per data slot, a direction carried forward through the inner steps to that slot's θ (TRPO)
let fwd: usize = 0;

export function addr(id: i32): usize {
  return load<usize>(addrs + ((<usize>id) << 2));
}
function fl(n: i32): usize {
  return heap.alloc((<usize>(n > 0 ? n : 1)) << 2);
}
export function slotPtr(s: i32, k: i32): usize {
  return load<usize>(dataTab + ((<usize>(s * 4 + k)) << 2));
}
/** data slot s's kept means [T, M, 2] (TRPO) */
export function oldMuOf(s: i32): usize {
  return oldMu + ((<usize>s * <usize>(tMax * mMax * ACT)) << 2);
}
/** data slot s's kept log-stds [T, 2] (TRPO) */
export function oldLsOf(s: i32): usize {
  return oldLs + ((<usize>(s * tMax * ACT)) << 2);
}
/** data slot s's live weights [T, M] (TRPO) */
export function liveOf(s: i32): usize {
  return liveW + ((<usize>s * <usize>(tMax * mMax)) << 2);
}
/** a padded direction for data slot s (TRPO) */
export function fwdOf(s: i32): usize {
  return fwd + ((<usize>(s * P)) << 2);
}
/** padded θ of task t in θ slot s */
export function thetaOf(s: i32, t: i32): usize {
  return thetaSlots + ((<usize>(s * tMax + t) * <usize>P) << 2);
}

function allocSlots(samples: i32): void {
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
  store<usize>(addrs + (VEC << 2), fl(flatP4));
  allocSlots(samples);
  thetaSlots = fl(slots * tMax * P);
  pos = fl(tMax * trajs * OBS);
  alive = fl(tMax * trajs);
  gTask = fl(P);
  vTask = fl(P);
  hvTask = fl(P);
  wTask = fl(P);
  junk = fl(P);
  acc = fl(P);
  oldMu = fl(slots * samples * ACT);
  oldLs = fl(slots * tMax * ACT);
  liveW = fl(slots * samples);
  fwd = fl(slots * P);
  allocScratch(mMax);
  return P;
}

/** Binds task t of data slot s (M samples each) for the policy passes, with per-sample weights `w` (slot s's own when 0). */
export function bindTask(s: i32, t: i32, M: i32, w: usize = 0): void {
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
    (w == 0 ? slotPtr(s, 2) : w) + (q0 << 2),
    shifted,
  );
}

/** GRAD (flat) = acc (padded) / (tasks · steps). */
export function finishGrad(tasks: i32, steps: i32 = 1): void {
  const inv = <f32>1 / (<f32>tasks * <f32>steps);
  for (let i = 0; i < P; i++) store<f32>(acc + ((<usize>i) << 2), load<f32>(acc + ((<usize>i) << 2)) * inv);
  memory.fill(addr(GRAD), 0, (<usize>flatP4) << 2);
  pack(addr(GRAD), acc);
}

/**
 * x ← x − α_k H_k x for task t, through inner steps `from` down to `to` (step −1 or +1); α_0 = alpha,
 * α_k = later for k ≥ 1.
 */
export function throughSteps(
  x: usize,
  t: i32,
  from: i32,
  to: i32,
  step: i32,
  M: i32,
  alpha: f32,
  later: f32,
): void {
  for (let k = from; k != to; k += step) {
    const rate = k == 0 ? alpha : later;
    bindTask(k, t, M);
    memory.fill(hvTask, 0, (<usize>P) << 2);
    hessianVector(thetaOf(k, t), x, hvTask, gTask, M);
    for (let i = 0; i < P; i++) {
      const o = (<usize>i) << 2;
      store<f32>(x + o, load<f32>(x + o) - load<f32>(hvTask + o) * rate);
    }
  }
}

/** acc += x (padded). */
export function accumulate(x: usize): void {
  for (let i = 0; i < P; i++) {
    const o = (<usize>i) << 2;
    store<f32>(acc + o, load<f32>(acc + o) + load<f32>(x + o));
  }
}
