// Fused meta-step for the few-shot glyph classifiers: one exported call runs a whole meta-batch
// (inner SGD steps, query losses, the exact second-order backward pass, FOMAML, Meta-SGD's α
// gradient, Reptile, Adam) on buffers that live in this module's memory. The TypeScript wrapper
// (../fusedGlyph.ts) owns the layout conversion and reads the buffers.
import { adam, addTo, axpyNeg, mulTo, subScaledTo, subTo } from '../../fused/assembly/vector';
import { queryAccuracy } from './loss';
import { allocScratch, backward, evaluate } from './net';
import { PROB, allocPass, floats, head, patchFloats } from './pass';
import { hessianVector } from './rop';
import {
  addr as bufferAddr,
  allocAddrs,
  THETA,
  ALPHA,
  M_THETA,
  V_THETA,
  M_ALPHA,
  V_ALPHA,
  G_THETA,
  G_ALPHA,
  XS,
  YS,
  XQ,
  YQ,
  RESULT,
  COUNTERS,
  PRE,
  M_PRE,
  V_PRE,
  G_PRE,
  Y_PRE,
  TASK_THETA,
  TASK_ALPHA,
  SCORE,
  SPREAD,
  WEIGHTS,
  setAddr,
} from './buffers';
import {
  lossWeights,
  mamlppBar,
  mamlppBarRate,
  mamlppMetaStep,
  mamlppScore,
  ratesSize,
  rateTensors,
  setupMamlpp,
  spreadRows,
} from './mamlpp';
import { PIXELS, setShape, selectHead } from './shape';

/** the most inner steps score() follows */
const SCORE_STEPS = 100;

// algorithm codes (0 is second-order MAML)
const FOMAML = 1;
const METASGD = 2;
const REPTILE = 3;

let P: i32 = 0;
let PT: i32 = 0; // MAML++: θ with its queue of batch-norm sets
let maxSteps: i32 = 0;
let thetaSteps: usize = 0; // θ_1..θ_S of the current task
let gradSteps: usize = 0; // support gradients g_0..g_{S−1}
let passes: usize = 0; // one support pass per inner step
let qPass: usize = 0;
let rPass: usize = 0;
let bar: usize = 0; // TASK_THETA
let barAlpha: usize = 0; // TASK_ALPHA
let vbuf: usize = 0;
let hv: usize = 0;
let alphaFill: usize = 0;
let dp: usize = 0;
let metaWays: i32 = 0;
let preWays: i32 = 0; // 0: no pretrained baseline
let preP: i32 = 0;
let prePass: usize = 0;
let preImages: usize = 0; // support and query images of the whole batch, contiguous

export function addr(id: i32): usize {
  return bufferAddr(id);
}
function vec(): usize {
  return floats(P);
}

/**
 * Allocates everything once for the given network and limits (memory never grows afterwards, so
 * the wrapper's views stay valid). Widths are padded (multiples of 4). Returns the padded P.
 */
export function init(
  isConv: bool,
  bn: bool,
  nLayers: i32,
  w1: i32,
  w2: i32,
  w3: i32,
  w4: i32,
  nWays: i32,
  tMax: i32,
  sMax: i32,
  qMax: i32,
  steps: i32,
  cWays: i32,
): i32 {
  const widths = heap.alloc(16);
  store<i32>(widths, w1);
  store<i32>(widths, w2, 4);
  store<i32>(widths, w3, 8);
  store<i32>(widths, w4, 12);
  P = setShape(isConv, nLayers, widths, nWays, bn);
  maxSteps = steps;
  allocScratch();
  allocAddrs();
  for (let id = 0; id <= G_ALPHA; id++) setAddr(id, vec());
  setAddr(XS, floats(tMax * sMax * PIXELS));
  setAddr(YS, floats(tMax * sMax));
  setAddr(XQ, floats(tMax * qMax * PIXELS));
  setAddr(YQ, floats(tMax * qMax));
  setAddr(RESULT, heap.alloc(16));
  setAddr(SCORE, floats(2 * (SCORE_STEPS + 1)));
  setAddr(COUNTERS, heap.alloc(16));
  thetaSteps = floats(P * steps);
  gradSteps = floats(P * steps);
  passes = heap.alloc((<usize>steps) << 2);
  for (let s = 0; s < steps; s++) store<usize>(passes + ((<usize>s) << 2), allocPass(sMax));
  qPass = allocPass(qMax);
  rPass = allocPass(sMax);
  bar = vec();
  barAlpha = vec();
  setAddr(TASK_THETA, bar);
  setAddr(TASK_ALPHA, barAlpha);
  vbuf = vec();
  hv = vec();
  alphaFill = vec();
  let patch = max<i32>(patchFloats(sMax), patchFloats(qMax));
  metaWays = nWays;
  preWays = cWays;
  if (cWays > 0) {
    const n = tMax * (sMax + qMax);
    preP = selectHead(cWays);
    for (let id = PRE; id <= G_PRE; id++) setAddr(id, floats(preP));
    setAddr(Y_PRE, floats(n));
    prePass = allocPass(n);
    preImages = floats(n * PIXELS);
    patch = max<i32>(patch, patchFloats(n));
    selectHead(nWays);
  }
  dp = floats(patch);
  return P;
}

/** Padded parameter count of the pretrained baseline's network (0 without one). */
export function pretrainedSize(): i32 {
  return preWays > 0 ? preP : 0;
}

function pass(s: i32): usize {
  return load<usize>(passes + ((<usize>s) << 2));
}
function stepVec(base: usize, s: i32): usize {
  return base + ((<usize>s * <usize>P) << 2);
}

/** Adapts θ to task t with S inner steps; returns θ_S (θ itself when S is 0). */
function adaptTask(t: i32, Ns: i32, S: i32, rate: usize): usize {
  const xs = addr(XS) + ((<usize>t * <usize>Ns * <usize>PIXELS) << 2);
  const ys = addr(YS) + ((<usize>t * <usize>Ns) << 2);
  const innerScale: f32 = <f32>1 / <f32>Ns;
  let current = addr(THETA);
  for (let s = 0; s < S; s++) {
    evaluate(current, pass(s), xs, ys, Ns, innerScale);
    const g = stepVec(gradSteps, s);
    memory.fill(g, 0, (<usize>P) << 2);
    backward(current, pass(s), Ns, g, dp);
    const next = stepVec(thetaSteps, s);
    subScaledTo(next, current, rate, g, P);
    current = next;
  }
  return current;
}

/**
 * Starts a meta-step: the inner rate α in every slot (MAML, FOMAML, Reptile) and G_THETA / G_ALPHA
 * cleared for addTask().
 */
export function begin(alpha: f32): void {
  for (let i = 0; i < P; i++) store<f32>(alphaFill + ((<usize>i) << 2), alpha);
  memory.fill(addr(G_THETA), 0, (<usize>P) << 2);
  memory.fill(addr(G_ALPHA), 0, (<usize>P) << 2);
}

/**
 * Task t of a meta-batch of T (its images at index t of XS / YS / XQ / YQ): its share of the
 * meta-gradient into TASK_THETA (Reptile: its θ′) and of Meta-SGD's α gradient into TASK_ALPHA.
 * Reads only θ, α, the rate begin() set and task t's images, so any instance holding the same θ
 * gives the same bits. Returns the task's query loss summed over its Nq images.
 */
export function task(t: i32, T: i32, Ns: i32, Nq: i32, S: i32, algo: i32): f64 {
  const theta = addr(THETA);
  const rate = algo == METASGD ? addr(ALPHA) : alphaFill;
  const innerScale: f32 = <f32>1 / <f32>Ns;
  const queryScale: f32 = <f32>(1.0 / (<f64>T * <f64>Nq));
  const current = adaptTask(t, Ns, S, rate);
  const xq = addr(XQ) + ((<usize>t * <usize>Nq * <usize>PIXELS) << 2);
  const yq = addr(YQ) + ((<usize>t * <usize>Nq) << 2);
  const loss = evaluate(current, qPass, xq, yq, Nq, queryScale);
  if (algo == REPTILE) {
    memory.copy(bar, current, (<usize>P) << 2);
    return loss;
  }
  memory.fill(bar, 0, (<usize>P) << 2);
  if (algo == METASGD) memory.fill(barAlpha, 0, (<usize>P) << 2);
  backward(current, qPass, Nq, bar, dp);
  // walk back through the inner updates: θ̄_s = θ̄_{s+1} − H(θ_s)·(α ⊙ θ̄_{s+1})
  for (let s = S - 1; s >= 0; s--) {
    if (algo == METASGD) axpyNeg(barAlpha, stepVec(gradSteps, s), bar, P);
    if (algo == FOMAML) continue;
    const at = s == 0 ? theta : stepVec(thetaSteps, s - 1);
    mulTo(vbuf, rate, bar, P);
    memory.fill(hv, 0, (<usize>P) << 2);
    hessianVector(at, vbuf, pass(s), rPass, Ns, innerScale, hv, dp);
    subTo(bar, hv, P);
  }
  return loss;
}

/** G_THETA += TASK_THETA (and G_ALPHA += TASK_ALPHA for Meta-SGD): called in task order. */
export function addTask(algo: i32): void {
  addTo(addr(G_THETA), bar, P);
  if (algo == METASGD) addTo(addr(G_ALPHA), barAlpha, P);
}

/**
 * Ends a meta-step whose tasks were all added: Reptile's θ − mean θ′, the meta-loss (`loss`: the
 * task losses summed in task order) into RESULT, Adam when flags bit 3 is set, and the pretrained
 * baseline's step when bit 2 is. Returns the meta-loss.
 */
export function finish(T: i32, Ns: i32, Nq: i32, loss: f64, beta: f64, flags: i32): f64 {
  const algo = flags & 3;
  const update = (flags & 8) != 0;
  const theta = addr(THETA);
  const gTheta = addr(G_THETA);
  if (algo == REPTILE) {
    // Adam is fed θ − mean θ′
    const inv: f32 = <f32>1 / <f32>T;
    for (let i = 0; i < P; i++) {
      const o = (<usize>i) << 2;
      store<f32>(gTheta + o, load<f32>(theta + o) - load<f32>(gTheta + o) * inv);
    }
  }
  const metaLoss = loss / (<f64>T * <f64>Nq);
  store<f64>(addr(RESULT), metaLoss);
  const counters = addr(COUNTERS);
  if (update) {
    adam(theta, gTheta, addr(M_THETA), addr(V_THETA), counters, beta, P);
    if (algo == METASGD)
      adam(addr(ALPHA), addr(G_ALPHA), addr(M_ALPHA), addr(V_ALPHA), counters + 4, beta, P);
  }
  store<f64>(addr(RESULT), (flags & 4) != 0 && preWays > 0 ? pretrainStep(T, Ns, Nq, beta, update) : NaN, 8);
  return metaLoss;
}

/**
 * One meta-batch of T tasks (Ns support and Nq query images each, S inner steps with rate alpha)
 * in one call: begin, task and addTask for t = 0..T−1, finish. flags: bits 0-1 the algorithm,
 * bit 2 also the pretrained baseline's step, bit 3 apply the Adam updates (clear: only leave the
 * gradients in G_THETA / G_ALPHA / G_PRE). Returns the meta-loss before the update; RESULT holds
 * it and the pretrained loss.
 */
export function step(T: i32, Ns: i32, Nq: i32, S: i32, alpha: f32, beta: f64, flags: i32): f64 {
  const algo = flags & 3;
  begin(alpha);
  let loss: f64 = 0;
  for (let t = 0; t < T; t++) {
    loss += task(t, T, Ns, Nq, S, algo);
    addTask(algo);
  }
  return finish(T, Ns, Nq, loss, beta, flags);
}

/**
 * The pretrained baseline: one supervised step of the C-way classifier on every image of the
 * batch at once (batch norm over all of them), labels from Y_PRE, then Adam. Returns its loss.
 */
function pretrainStep(T: i32, Ns: i32, Nq: i32, beta: f64, update: bool): f64 {
  const ns = <usize>T * <usize>Ns * <usize>PIXELS;
  memory.copy(preImages, addr(XS), ns << 2);
  memory.copy(preImages + (ns << 2), addr(XQ), (<usize>T * <usize>Nq * <usize>PIXELS) << 2);
  const n = T * (Ns + Nq);
  selectHead(preWays);
  const pre = addr(PRE);
  const g = addr(G_PRE);
  memory.fill(g, 0, (<usize>preP) << 2);
  const loss = evaluate(pre, prePass, preImages, addr(Y_PRE), n, <f32>1 / <f32>n);
  backward(pre, prePass, n, g, dp);
  if (update) adam(pre, g, addr(M_PRE), addr(V_PRE), addr(COUNTERS) + 8, beta, preP);
  selectHead(metaWays);
  return loss / <f64>n;
}

/**
 * The evaluation of θ on task t: fine-tunes a copy of θ on its Ns support images for S inner
 * steps (rate: α per parameter from ALPHA when `vectorRate`, else the scalar begin() set) and
 * writes the query accuracy and mean query loss after 0..S steps into SCORE. θ is not changed.
 */
export function score(t: i32, Ns: i32, Nq: i32, S: i32, vectorRate: bool): void {
  const rate = vectorRate ? addr(ALPHA) : alphaFill;
  const xs = addr(XS) + ((<usize>t * <usize>Ns * <usize>PIXELS) << 2);
  const ys = addr(YS) + ((<usize>t * <usize>Ns) << 2);
  const xq = addr(XQ) + ((<usize>t * <usize>Nq * <usize>PIXELS) << 2);
  const yq = addr(YQ) + ((<usize>t * <usize>Nq) << 2);
  const out = addr(SCORE);
  const g = stepVec(gradSteps, 0);
  const steps = min<i32>(S, SCORE_STEPS);
  let current = addr(THETA);
  for (let s = 0; ; s++) {
    const loss = evaluate(current, qPass, xq, yq, Nq, <f32>1 / <f32>Nq);
    store<f32>(out + ((<usize>(2 * s)) << 2), queryAccuracy(head(qPass, PROB), yq, Nq));
    store<f32>(out + ((<usize>(2 * s + 1)) << 2), <f32>(loss / <f64>Nq));
    if (s == steps) break;
    evaluate(current, pass(0), xs, ys, Ns, <f32>1 / <f32>Ns);
    memory.fill(g, 0, (<usize>P) << 2);
    backward(current, pass(0), Ns, g, dp);
    // θ′ alternates between the first two inner-step slots (the engine holds at least two)
    const next = stepVec(thetaSteps, s & 1);
    subScaledTo(next, current, rate, g, P);
    current = next;
  }
}

/** The most inner steps score() follows. */
export function scoreStepsLimit(): i32 {
  return SCORE_STEPS;
}

export function innerStepsLimit(): i32 {
  return maxSteps;
}

/**
 * MAML++ (mamlpp.ts), called right after init: θ, its Adam moments and gradient hold the queue of
 * batch-norm sets, ALPHA and its buffers the rates [LSLR_ROWS × tensors]. Returns θ's padded length.
 */
export function initMamlpp(): i32 {
  PT = setupMamlpp(P, maxSteps, passes, gradSteps, qPass, rPass, dp, vbuf, hv);
  for (let id = 0; id <= G_ALPHA; id++) {
    const isRates = id == ALPHA || id == M_ALPHA || id == V_ALPHA || id == G_ALPHA;
    // the rates' buffers hold P at least, so begin() (the classic score) may clear G_ALPHA
    setAddr(id, floats(isRates ? max<i32>(ratesSize(), P) : PT));
  }
  setAddr(TASK_THETA, mamlppBar());
  setAddr(TASK_ALPHA, mamlppBarRate());
  setAddr(SPREAD, spreadRows());
  setAddr(WEIGHTS, lossWeights());
  return PT;
}

/** MAML++'s rate tensors (the base network's, and the queue of sets with batch norm). */
export function mamlppTensors(): i32 {
  return rateTensors();
}

/**
 * One MAML++ meta-step of T tasks with S inner steps, the weights in WEIGHTS: flags bit 0 first
 * order, bit 2 also the pretrained baseline's step (Adam at preBeta), bit 3 apply Adam to θ and the
 * rates at rate beta (clear: leave the gradients in G_THETA / G_ALPHA). Returns the last step's
 * query loss. The same as mamlppBegin, then mamlppTask and mamlppAddTask for t = 0..T−1, then
 * mamlppFinish.
 */
export function mamlppStep(T: i32, Ns: i32, Nq: i32, S: i32, beta: f64, preBeta: f64, flags: i32): f64 {
  const metaLoss = mamlppMetaStep(T, Ns, Nq, S, (flags & 1) != 0);
  return mamlppEnd(T, Ns, Nq, metaLoss, beta, preBeta, flags);
}

// MAML++'s step() pieces, for a meta-batch split over threads (../threads.ts)
export { mamlppBegin, mamlppTask, mamlppAddTask } from './mamlpp';

/** Ends a MAML++ meta-step whose tasks were all added (`loss`: their losses summed in task order). */
export function mamlppFinish(T: i32, Ns: i32, Nq: i32, loss: f64, beta: f64, preBeta: f64, flags: i32): f64 {
  return mamlppEnd(T, Ns, Nq, loss / (<f64>T * <f64>Nq), beta, preBeta, flags);
}

function mamlppEnd(T: i32, Ns: i32, Nq: i32, metaLoss: f64, beta: f64, preBeta: f64, flags: i32): f64 {
  store<f64>(addr(RESULT), metaLoss);
  const counters = addr(COUNTERS);
  const update = (flags & 8) != 0;
  if (update) {
    adam(addr(THETA), addr(G_THETA), addr(M_THETA), addr(V_THETA), counters, beta, PT);
    adam(addr(ALPHA), addr(G_ALPHA), addr(M_ALPHA), addr(V_ALPHA), counters + 4, beta, ratesSize());
  }
  const pre = (flags & 4) != 0 && preWays > 0 ? pretrainStep(T, Ns, Nq, preBeta, update) : NaN;
  store<f64>(addr(RESULT), pre, 8);
  return metaLoss;
}

/** score() for a θ with its sets: step s adapts with SPREAD row min(s, rows − 1), then advances. */
export function scoreMamlpp(t: i32, Ns: i32, Nq: i32, S: i32, rows: i32): void {
  mamlppScore(t, Ns, Nq, min<i32>(S, SCORE_STEPS), rows);
}
