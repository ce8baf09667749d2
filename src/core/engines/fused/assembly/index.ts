// Fused meta-step for MLP regression: one exported call runs a whole meta-batch (inner loops,
// query losses, exact second-order backprop, Adam) on buffers that live in this module's memory.
// The TypeScript wrapper (../fusedMlp.ts) owns the layout conversion and reads the buffers.
import { adam, addTo, axpyNeg, mulTo, residual, squaredError, subScaledTo, subTo } from './vector';
import {
  backward,
  forward,
  hessianVector,
  layerIn,
  layerOut,
  numLayers,
  setLayout,
  spreadTensorRates,
  tensorDotsNeg,
} from './network';

export { layerIn, layerOut, numLayers };

// buffer ids for addr(); keep in step with BUFFER in ../wasmModule.ts
const THETA = 0;
const ALPHA = 1;
const M_THETA = 2;
const V_THETA = 3;
const M_ALPHA = 4;
const V_ALPHA = 5;
const PRE = 6;
const M_PRE = 7;
const V_PRE = 8;
const G_THETA = 9;
const G_ALPHA = 10;
const G_PRE = 11;
const XS = 12;
const YS = 13;
const XQ = 14;
const YQ = 15;
const RESULT = 16; // f64 [meta loss, pretrained loss]
const COUNTERS = 17; // i32 [Adam steps of θ, of α (or MAML++'s rates), of the pretrained θ]
const RATES = 18; // MAML++: per-step, per-tensor inner rates [steps × 2·layers]
const M_RATES = 19;
const V_RATES = 20;
const G_RATES = 21;
const WEIGHTS = 22; // MAML++: the multi-step loss weight of each inner step
const BUFFERS = 23;

// algorithm codes (0 is second-order MAML)
const FOMAML = 1;
const METASGD = 2;
const REPTILE = 3;
// flag bits besides the algorithm's
const WITH_PRETRAINED = 4;
const APPLY_UPDATE = 8;
const MAMLPP = 16; // per-step learned rates and the multi-step loss (the algorithm bits say 0)
const FIRST_ORDER = 32; // MAML++'s first-order phase

let addrs: usize = 0;
let P: i32 = 0; // padded parameter count, rounded up to a multiple of 4
let L: i32 = 0;
let thetaSteps: usize = 0; // θ_1..θ_S of the current task, P floats each
let gradSteps: usize = 0; // support gradients g_0..g_{S−1}
let bar: usize = 0; // ∂(meta-loss)/∂θ_s, walked back from s = S to 0
let vbuf: usize = 0;
let hv: usize = 0;
let alphaFill: usize = 0; // the scalar α as a vector
let out: usize = 0;
let actTabs: usize = 0; // per inner step: table of L layer-input pointers
let gradTabs: usize = 0; // per inner step: table of L layer-gradient pointers
let qAct: usize = 0; // query / pretraining pass
let qGrad: usize = 0;
let rAct: usize = 0; // R-values for the Hessian-vector product
let rGrad: usize = 0;
let rateSteps: usize = 0; // MAML++: step s's rates spread over θ's layout, P floats each
let queryGrads: usize = 0; // MAML++: w_s·∇L_query(θ_{s+1}) for s < S − 1, P floats each
let rateCount: i32 = 0; // MAML++: rates per inner step (2 per layer) × the most inner steps

export function addr(id: i32): usize {
  return load<usize>(addrs + ((<usize>id) << 2));
}
function vec(): usize {
  return heap.alloc((<usize>P) << 2);
}
function floats(n: i32): usize {
  return heap.alloc((<usize>(n > 0 ? n : 1)) << 2);
}

/** A table of L pointers, entry l ≥ 1 pointing at rows × width(l) floats (entry 0 is set per call). */
function table(rows: i32, inputs: bool): usize {
  const t = heap.alloc((<usize>L) << 2);
  for (let l = 0; l < L; l++) {
    const width = inputs ? layerIn(l) : layerOut(l);
    store<usize>(t + ((<usize>l) << 2), inputs && l == 0 ? 0 : floats(rows * width));
  }
  return t;
}

/** Allocates everything once (memory never grows afterwards, so the wrapper's views stay valid). */
export function init(
  h1: i32,
  h2: i32,
  h3: i32,
  h4: i32,
  nHidden: i32,
  tMax: i32,
  kMax: i32,
  qMax: i32,
  steps: i32,
): i32 {
  const hidden = heap.alloc(16);
  store<i32>(hidden, h1);
  store<i32>(hidden, h2, 4);
  store<i32>(hidden, h3, 8);
  store<i32>(hidden, h4, 12);
  const padded = setLayout(hidden, nHidden);
  P = (padded + 3) & ~3;
  L = numLayers();
  addrs = heap.alloc(BUFFERS << 2);
  for (let id = 0; id <= G_PRE; id++) store<usize>(addrs + ((<usize>id) << 2), vec());
  store<usize>(addrs + (XS << 2), floats(tMax * kMax));
  store<usize>(addrs + (YS << 2), floats(tMax * kMax));
  store<usize>(addrs + (XQ << 2), floats(tMax * qMax));
  store<usize>(addrs + (YQ << 2), floats(tMax * qMax));
  store<usize>(addrs + (RESULT << 2), heap.alloc(16));
  store<usize>(addrs + (COUNTERS << 2), heap.alloc(16));
  rateCount = 2 * L * steps;
  for (let id = RATES; id <= G_RATES; id++) store<usize>(addrs + ((<usize>id) << 2), floats(rateCount));
  store<usize>(addrs + (WEIGHTS << 2), floats(steps));
  rateSteps = heap.alloc((<usize>P * <usize>steps) << 2);
  queryGrads = heap.alloc((<usize>P * <usize>steps) << 2);
  thetaSteps = heap.alloc((<usize>P * <usize>steps) << 2);
  gradSteps = heap.alloc((<usize>P * <usize>steps) << 2);
  bar = vec();
  vbuf = vec();
  hv = vec();
  alphaFill = vec();
  const rows = kMax > qMax ? kMax : qMax;
  out = floats(rows);
  actTabs = heap.alloc((<usize>steps) << 2);
  gradTabs = heap.alloc((<usize>steps) << 2);
  for (let s = 0; s < steps; s++) {
    store<usize>(actTabs + ((<usize>s) << 2), table(kMax, true));
    store<usize>(gradTabs + ((<usize>s) << 2), table(kMax, false));
  }
  qAct = table(rows, true);
  qGrad = table(rows, false);
  rAct = table(kMax, true);
  rGrad = table(kMax, false);
  return padded;
}

function tab(tabs: usize, s: i32): usize {
  return load<usize>(tabs + ((<usize>s) << 2));
}
function stepVec(base: usize, s: i32): usize {
  return base + ((<usize>s * <usize>P) << 2);
}
function lastGrad(grads: usize): usize {
  return load<usize>(grads + ((<usize>(L - 1)) << 2));
}

// the current call's settings, shared by the per-task passes below
let callAlgo: i32 = 0;
let stepwise = false; // MAML++
let firstOrder = false;
let callK: i32 = 0;
let callQ: i32 = 0;
let callS: i32 = 0;
let innerScale: f32 = 0;
let queryScale: f32 = 0;

function weight(s: i32): f32 {
  return stepwise ? load<f32>(addr(WEIGHTS) + ((<usize>s) << 2)) : 1;
}
function rateAt(s: i32): usize {
  return stepwise ? stepVec(rateSteps, s) : callAlgo == METASGD ? addr(ALPHA) : alphaFill;
}

/**
 * One meta-batch of T tasks (K support, Q query points each, S inner steps with rate alpha).
 * flags: bits 0-1 the algorithm, bit 2 also train the pretrained baseline, bit 3 apply the Adam
 * updates (clear: only leave the gradients in G_THETA / G_ALPHA / G_RATES), bit 4 MAML++ (learned
 * per-step rates RATES, query losses weighted by WEIGHTS), bit 5 MAML++'s first-order phase.
 * beta is θ's Adam rate (MAML++: the phase's cosine β), jointBeta the pretrained baseline's.
 * Returns the meta-loss before the update (MAML++: the last step's query loss); RESULT holds it
 * and the pretrained loss.
 */
export function step(T: i32, K: i32, Q: i32, S: i32, alpha: f32, beta: f64, flags: i32, jointBeta: f64): f64 {
  callAlgo = flags & 3;
  stepwise = (flags & MAMLPP) != 0;
  firstOrder = callAlgo == FOMAML || (flags & FIRST_ORDER) != 0;
  callK = K;
  callQ = Q;
  callS = S;
  innerScale = <f32>2 / <f32>K;
  queryScale = <f32>(2.0 / (<f64>T * <f64>Q));
  const update = (flags & APPLY_UPDATE) != 0;
  const theta = addr(THETA);
  const gTheta = addr(G_THETA);
  for (let i = 0; i < P; i++) store<f32>(alphaFill + ((<usize>i) << 2), alpha);
  if (stepwise)
    for (let s = 0; s < S; s++)
      spreadTensorRates(stepVec(rateSteps, s), addr(RATES) + ((<usize>(s * 2 * L)) << 2), P);
  memory.fill(gTheta, 0, (<usize>P) << 2);
  memory.fill(addr(G_ALPHA), 0, (<usize>P) << 2);
  memory.fill(addr(G_RATES), 0, (<usize>rateCount) << 2);
  let loss: f64 = 0;
  for (let t = 0; t < T; t++) loss += taskPass(t);
  if (callAlgo == REPTILE) {
    // Adam is fed θ − mean θ′
    const inv: f32 = <f32>1 / <f32>T;
    for (let i = 0; i < P; i++) {
      const o = (<usize>i) << 2;
      store<f32>(gTheta + o, load<f32>(theta + o) - load<f32>(gTheta + o) * inv);
    }
  }
  const metaLoss = loss / (<f64>T * <f64>Q);
  const result = addr(RESULT);
  store<f64>(result, metaLoss);
  const counters = addr(COUNTERS);
  if (update) {
    adam(theta, gTheta, addr(M_THETA), addr(V_THETA), counters, beta, P);
    if (callAlgo == METASGD)
      adam(addr(ALPHA), addr(G_ALPHA), addr(M_ALPHA), addr(V_ALPHA), counters + 4, beta, P);
    if (stepwise)
      adam(addr(RATES), addr(G_RATES), addr(M_RATES), addr(V_RATES), counters + 4, beta, rateCount);
  }
  store<f64>(result, flags & WITH_PRETRAINED ? jointStep(T, K, Q, jointBeta, update) : NaN, 8);
  return metaLoss;
}

/** Task t's inner loop, query loss and meta-gradient (added to the G_ buffers); returns Σ(out − y)². */
function taskPass(t: i32): f64 {
  const K = callK;
  const Q = callQ;
  const S = callS;
  const theta = addr(THETA);
  const xs = addr(XS) + ((<usize>t * <usize>K) << 2);
  const ys = addr(YS) + ((<usize>t * <usize>K) << 2);
  const xq = addr(XQ) + ((<usize>t * <usize>Q) << 2);
  const yq = addr(YQ) + ((<usize>t * <usize>Q) << 2);
  store<usize>(qAct, xq);
  // inner loop: θ_{s+1} = θ_s − α_s ⊙ ∇L_support(θ_s), keeping what the backward pass needs
  let current = theta;
  for (let s = 0; s < S; s++) {
    const acts = tab(actTabs, s);
    const grads = tab(gradTabs, s);
    store<usize>(acts, xs);
    forward(current, acts, K, out);
    residual(lastGrad(grads), out, ys, K, innerScale);
    const g = stepVec(gradSteps, s);
    memory.fill(g, 0, (<usize>P) << 2);
    backward(current, acts, grads, K, g);
    const next = stepVec(thetaSteps, s);
    subScaledTo(next, current, rateAt(s), g, P);
    current = next;
    if (stepwise && s < S - 1 && weight(s) != 0)
      queryGradient(next, yq, Q, weight(s), stepVec(queryGrads, s));
  }
  forward(current, qAct, Q, out);
  const loss = squaredError(out, yq, Q);
  if (callAlgo == REPTILE) {
    addTo(addr(G_THETA), current, P);
    return loss;
  }
  residual(lastGrad(qGrad), out, yq, Q, queryScale * weight(S - 1));
  memory.fill(bar, 0, (<usize>P) << 2);
  backward(current, qAct, qGrad, Q, bar);
  walkBack(S);
  addTo(addr(G_THETA), bar, P);
  return loss;
}

/** dst = w·∇L_query at p (the query inputs are already in qAct). */
function queryGradient(p: usize, yq: usize, Q: i32, w: f32, dst: usize): void {
  forward(p, qAct, Q, out);
  residual(lastGrad(qGrad), out, yq, Q, queryScale * w);
  memory.fill(dst, 0, (<usize>P) << 2);
  backward(p, qAct, qGrad, Q, dst);
}

/**
 * Walks bar = ∂(meta-loss)/∂θ_S back through the inner updates to θ_0:
 * θ̄_s = θ̄_{s+1} − H(θ_s)·(α_s ⊙ θ̄_{s+1}) (no Hessian term at first order), plus MAML++'s
 * weighted query gradient at θ_s; the learned rates' gradients are −g_s ⊙ θ̄_{s+1}.
 */
function walkBack(S: i32): void {
  const theta = addr(THETA);
  for (let s = S - 1; s >= 0; s--) {
    const g = stepVec(gradSteps, s);
    if (callAlgo == METASGD) axpyNeg(addr(G_ALPHA), g, bar, P);
    if (stepwise) tensorDotsNeg(addr(G_RATES) + ((<usize>(s * 2 * L)) << 2), g, bar);
    if (!firstOrder) {
      const at = s == 0 ? theta : stepVec(thetaSteps, s - 1);
      mulTo(vbuf, rateAt(s), bar, P);
      hessianVector(at, vbuf, tab(actTabs, s), tab(gradTabs, s), rAct, rGrad, callK, innerScale, hv);
      subTo(bar, hv, P);
    }
    if (stepwise && s > 0 && weight(s - 1) != 0) addTo(bar, stepVec(queryGrads, s - 1), P);
  }
}

/** The pretrained baseline: plain regression on support and query points pooled, then Adam. */
function jointStep(T: i32, K: i32, Q: i32, beta: f64, update: bool): f64 {
  const pre = addr(PRE);
  const g = addr(G_PRE);
  memory.fill(g, 0, (<usize>P) << 2);
  const count = <f64>T * <f64>(K + Q);
  const scale = <f32>(2.0 / count);
  let loss: f64 = 0;
  for (let t = 0; t < T; t++) {
    for (let part = 0; part < 2; part++) {
      const n = part == 0 ? K : Q;
      const x = addr(part == 0 ? XS : XQ) + ((<usize>t * <usize>n) << 2);
      const y = addr(part == 0 ? YS : YQ) + ((<usize>t * <usize>n) << 2);
      store<usize>(qAct, x);
      forward(pre, qAct, n, out);
      loss += squaredError(out, y, n);
      residual(lastGrad(qGrad), out, y, n, scale);
      backward(pre, qAct, qGrad, n, g);
    }
  }
  if (update) adam(pre, g, addr(M_PRE), addr(V_PRE), addr(COUNTERS) + 8, beta, P);
  return loss / count;
}
