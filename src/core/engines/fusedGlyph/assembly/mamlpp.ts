// MAML++ on the classifier networks (src/core/meta/mamlpp.ts with StepNormClassifier on tfjs): learned
// rates per parameter tensor and inner step (LSLR), the weighted query loss after every inner step,
// first or second order, and with batch norm the per-step γ/β sets (BNWB).
//
// θ here is the padded base network [P] followed, with batch norm, by a queue of QUEUE_SETS sets of
// every γ and β (per layer γ [F_l], β [F_l], padded). Every inner step ends with advance(): the
// queue's first set moves into the base network's batch-norm places and the used set to the back,
// so parameters adapted s steps run with set s (StepNormClassifier.advance). The rates are
// [LSLR_ROWS × tensors]: the base network's tensors in the project's order (per layer W, γ, β or
// b; head W, head b), then the queue as one tensor (batch norm only); its rate is never used, as
// the support loss does not read the queue.
import { addTo, mulTo, subScaledTo, subTo } from '../../fused/assembly/vector';
import { backward, evaluate } from './net';
import { PROB, floats, head } from './pass';
import { queryAccuracy } from './loss';
import { hessianVector } from './rop';
import { ALPHA, G_ALPHA, G_THETA, SCORE, THETA, XQ, XS, YQ, YS, addr, taskAt } from './buffers';
import { PIXELS, batchNorm, layers, offB, offG, offHeadB, offHeadW, offW, width } from './shape';

export const LSLR_ROWS: i32 = 10;
const QUEUE_SETS: i32 = 10;

let P: i32 = 0;
let PT: i32 = 0; // P and the queue
let setP: i32 = 0; // one padded set of γ and β
let baseTensors: i32 = 0;
let tensors: i32 = 0;
let ratesN: i32 = 0; // LSLR_ROWS × tensors, rounded up to a multiple of 4
let bounds: usize = 0; // i32 [baseTensors + 1]: start of each base tensor in a padded θ, then P
let thetaSteps: usize = 0; // θ_1..θ_S of the current task (post-advance, PT each)
let spread: usize = 0; // LSLR_ROWS rows of per-parameter rates over the base network [P]
let weights: usize = 0; // f32 [LSLR_ROWS]: the multi-step loss weights of this meta-step
let bar: usize = 0; // one task's share of the θ gradient [PT]
let barRate: usize = 0; // one task's share of the rates' gradient [ratesN]
let setTmp: usize = 0;
// shared with index.ts
let passes: usize = 0;
let gradSteps: usize = 0;
let qPass: usize = 0;
let rPass: usize = 0;
let dp: usize = 0;
let vbuf: usize = 0;
let hv: usize = 0;

/** Sizes MAML++'s buffers for a base network of P padded parameters (setShape done). Returns PT. */
export function setupMamlpp(
  p: i32,
  steps: i32,
  passTable: usize,
  grads: usize,
  q: usize,
  r: usize,
  patch: usize,
  v: usize,
  h: usize,
): i32 {
  P = p;
  setP = 0;
  if (batchNorm) for (let l = 0; l < layers; l++) setP += 2 * width(l);
  PT = P + QUEUE_SETS * setP;
  baseTensors = layers * (batchNorm ? 3 : 2) + 2;
  tensors = baseTensors + (batchNorm ? 1 : 0);
  ratesN = (LSLR_ROWS * tensors + 3) & ~3;
  bounds = floats(baseTensors + 1);
  let i = 0;
  for (let l = 0; l < layers; l++) {
    setBound(i++, offW(l));
    if (batchNorm) setBound(i++, offG(l));
    setBound(i++, offB(l));
  }
  setBound(i++, offHeadW());
  setBound(i++, offHeadB());
  setBound(i, (<usize>P) << 2);
  thetaSteps = floats(PT * max<i32>(steps, 2));
  spread = floats(LSLR_ROWS * P);
  weights = floats(LSLR_ROWS);
  bar = floats(PT);
  barRate = floats(ratesN);
  setTmp = floats(setP);
  passes = passTable;
  gradSteps = grads;
  qPass = q;
  rPass = r;
  dp = patch;
  vbuf = v;
  hv = h;
  return PT;
}

function setBound(i: i32, byteOffset: usize): void {
  store<i32>(bounds + ((<usize>i) << 2), <i32>(byteOffset >> 2));
}
function bound(i: i32): i32 {
  return load<i32>(bounds + ((<usize>i) << 2));
}
export function ratesSize(): i32 {
  return ratesN;
}
export function rateTensors(): i32 {
  return tensors;
}
export function mamlppBar(): usize {
  return bar;
}
export function mamlppBarRate(): usize {
  return barRate;
}
export function spreadRows(): usize {
  return spread;
}
export function lossWeights(): usize {
  return weights;
}

function pass(s: i32): usize {
  return load<usize>(passes + ((<usize>s) << 2));
}
function row(base: usize, s: i32, n: i32): usize {
  return base + ((<usize>s * <usize>n) << 2);
}
function weight(s: i32): f32 {
  return load<f32>(weights + ((<usize>s) << 2));
}

/** Spreads every row of the rates [LSLR_ROWS × tensors] over the base network's parameters. */
export function spreadRates(rates: usize): void {
  for (let s = 0; s < LSLR_ROWS; s++) {
    const out = row(spread, s, P);
    for (let i = 0; i < baseTensors; i++) {
      const r = load<f32>(rates + ((<usize>(s * tensors + i)) << 2));
      for (let j = bound(i); j < bound(i + 1); j++) store<f32>(out + ((<usize>j) << 2), r);
    }
  }
}

/** The next step's set into the base network's places, the used one to the back of the queue. */
function advance(v: usize): void {
  if (!batchNorm) return;
  const bytes = (<usize>setP) << 2;
  const queue = v + ((<usize>P) << 2);
  let at = setTmp;
  let from = queue;
  for (let l = 0; l < layers; l++) {
    const n = (<usize>(2 * width(l))) << 2;
    memory.copy(at, v + offG(l), n);
    memory.copy(v + offG(l), from, n);
    at += n;
    from += n;
  }
  memory.copy(queue, queue + bytes, bytes * <usize>(QUEUE_SETS - 1));
  memory.copy(queue + bytes * <usize>(QUEUE_SETS - 1), setTmp, bytes);
}

/** The transpose of advance() (a permutation): a gradient w.r.t. an advanced θ back to before. */
function retreat(v: usize): void {
  if (!batchNorm) return;
  const bytes = (<usize>setP) << 2;
  const queue = v + ((<usize>P) << 2);
  memory.copy(setTmp, queue + bytes * <usize>(QUEUE_SETS - 1), bytes);
  memory.copy(queue + bytes, queue, bytes * <usize>(QUEUE_SETS - 1));
  let at = setTmp;
  let to = queue;
  for (let l = 0; l < layers; l++) {
    const n = (<usize>(2 * width(l))) << 2;
    memory.copy(to, v + offG(l), n);
    memory.copy(v + offG(l), at, n);
    at += n;
    to += n;
  }
}

/** next = advance(current − rate ⊙ g), g = the support gradient at current (its pass kept in ps). */
function innerStep(
  current: usize,
  next: usize,
  rate: usize,
  g: usize,
  ps: usize,
  xs: usize,
  ys: usize,
  Ns: i32,
): void {
  evaluate(current, ps, xs, ys, Ns, <f32>1 / <f32>Ns);
  memory.fill(g, 0, (<usize>P) << 2);
  backward(current, ps, Ns, g, dp);
  subScaledTo(next, current, rate, g, P);
  const q = (<usize>P) << 2;
  memory.copy(next + q, current + q, (<usize>(PT - P)) << 2);
  advance(next);
}

/** rates' gradient of step s: −Σ g ⊙ θ̄ over each base tensor, into barRate's row s. */
function rateGradient(s: i32, g: usize, thetaBar: usize): void {
  for (let i = 0; i < baseTensors; i++) {
    let sum: f64 = 0;
    for (let j = bound(i); j < bound(i + 1); j++) {
      const o = (<usize>j) << 2;
      sum += <f64>(load<f32>(g + o) * load<f32>(thetaBar + o));
    }
    const at = barRate + ((<usize>(s * tensors + i)) << 2);
    store<f32>(at, load<f32>(at) - <f32>sum);
  }
}

/**
 * One task's share of the MAML++ meta-gradient (θ into `bar`, the rates into `barRate`) for S inner
 * steps from θ with the spread rates, the query losses weighted by `weights` and scaled by `qs`
 * (1 / (T·Nq)). Returns the last step's query loss summed over the Nq images.
 */
function taskGradient(
  theta: usize,
  xs: usize,
  ys: usize,
  xq: usize,
  yq: usize,
  Ns: i32,
  Nq: i32,
  S: i32,
  qs: f32,
  firstOrder: bool,
): f64 {
  let current = theta;
  for (let s = 0; s < S; s++) {
    const next = row(thetaSteps, s, PT);
    innerStep(current, next, row(spread, s, P), row(gradSteps, s, P), pass(s), xs, ys, Ns);
    current = next;
  }
  memory.fill(bar, 0, (<usize>PT) << 2);
  memory.fill(barRate, 0, (<usize>ratesN) << 2);
  const loss = evaluate(current, qPass, xq, yq, Nq, qs * weight(S - 1));
  backward(current, qPass, Nq, bar, dp);
  for (let s = S - 1; s >= 0; s--) {
    retreat(bar);
    const g = row(gradSteps, s, P);
    rateGradient(s, g, bar);
    const at = s == 0 ? theta : row(thetaSteps, s - 1, PT);
    if (!firstOrder) {
      mulTo(vbuf, row(spread, s, P), bar, P);
      memory.fill(hv, 0, (<usize>P) << 2);
      hessianVector(at, vbuf, pass(s), rPass, Ns, <f32>1 / <f32>Ns, hv, dp);
      subTo(bar, hv, P);
    }
    if (s > 0 && weight(s - 1) != 0) {
      evaluate(at, qPass, xq, yq, Nq, qs * weight(s - 1));
      backward(at, qPass, Nq, bar, dp);
    }
  }
  return loss;
}

/** Starts a MAML++ meta-gradient: the rates spread over the network, G_THETA and G_ALPHA cleared. */
export function mamlppBegin(): void {
  spreadRates(addr(ALPHA));
  memory.fill(addr(G_THETA), 0, (<usize>PT) << 2);
  memory.fill(addr(G_ALPHA), 0, (<usize>ratesN) << 2);
}

/**
 * Task t's share (its images at index t of XS / YS / XQ / YQ) of a meta-batch of T: θ into `bar`
 * (TASK_THETA), the rates into `barRate` (TASK_ALPHA). Reads only θ, the spread rates, the weights
 * and task t's images, so any instance holding the same θ, rates and weights gives the same bits.
 * Returns the last step's query loss summed over the Nq images.
 */
export function mamlppTask(t: i32, T: i32, Ns: i32, Nq: i32, S: i32, firstOrder: bool): f64 {
  const qs: f32 = <f32>(1.0 / (<f64>T * <f64>Nq));
  const xs = taskAt(XS, t, Ns, PIXELS);
  const xq = taskAt(XQ, t, Nq, PIXELS);
  const ys = taskAt(YS, t, Ns, 1);
  return taskGradient(addr(THETA), xs, ys, xq, taskAt(YQ, t, Nq, 1), Ns, Nq, S, qs, firstOrder);
}

/** G_THETA += TASK_THETA and G_ALPHA += TASK_ALPHA: called in task order. */
export function mamlppAddTask(): void {
  addTo(addr(G_THETA), bar, PT);
  addTo(addr(G_ALPHA), barRate, ratesN);
}

/**
 * The MAML++ meta-gradient of T tasks: begin, then each task's share added in task order into
 * gTheta [PT] and gRates. Returns the meta-loss: the last step's query loss, the mean over every
 * query image.
 */
export function mamlppMetaStep(T: i32, Ns: i32, Nq: i32, S: i32, firstOrder: bool): f64 {
  mamlppBegin();
  let loss: f64 = 0;
  for (let t = 0; t < T; t++) {
    loss += mamlppTask(t, T, Ns, Nq, S, firstOrder);
    mamlppAddTask();
  }
  return loss / (<f64>T * <f64>Nq);
}

/**
 * The query accuracy and mean loss of θ [PT] on task t after 0..S inner steps into SCORE, step s
 * adapting with spread row min(s, rows − 1) (filled by the caller) and then advancing the sets.
 */
export function mamlppScore(t: i32, Ns: i32, Nq: i32, S: i32, rows: i32): void {
  const xs = taskAt(XS, t, Ns, PIXELS);
  const ys = taskAt(YS, t, Ns, 1);
  const xq = taskAt(XQ, t, Nq, PIXELS);
  const yq = taskAt(YQ, t, Nq, 1);
  const out = addr(SCORE);
  let current = addr(THETA);
  for (let s = 0; ; s++) {
    const loss = evaluate(current, qPass, xq, yq, Nq, <f32>1 / <f32>Nq);
    store<f32>(out + ((<usize>(2 * s)) << 2), queryAccuracy(head(qPass, PROB), yq, Nq));
    store<f32>(out + ((<usize>(2 * s + 1)) << 2), <f32>(loss / <f64>Nq));
    if (s == S) break;
    const next = row(thetaSteps, s & 1, PT);
    const r = row(spread, min<i32>(s, rows - 1), P);
    innerStep(current, next, r, gradSteps, pass(0), xs, ys, Ns);
    current = next;
  }
}
