// The Gaussian policy's passes over one task's samples, on f32x4 kernels shared with the MLP
// engine: the forward pass (action means), the REINFORCE surrogate's gradient and its exact
// Hessian-vector product (an R-op, forward over reverse; never a Hessian). The surrogate of a task
// is L(θ) = Σ_q w_q Σ_d [½ (a_qd − μ_qd)² e^{−2ℓ_d} + ℓ_d + ½ log 2π] = −Σ_q w_q log π_θ(a_q | s_q).
import {
  colSumAcc,
  fillRows,
  gemmAcc,
  gemmDot,
  maskByPositive,
  reluInPlace,
  zero,
} from '../../fused/assembly/kernels';
import { ACT, bOff, inW, lsOff, nL, outW, wOff } from './layout';

const HALF_LOG_2PI: f64 = 0.5 * Math.log(2 * Math.PI);

// the bound task: its observations [M, 2], actions [M, 2], weights [M], layer outputs [M, outW(l)]
let x: usize = 0;
let act: usize = 0;
let wts: usize = 0;
let outs: usize = 0; // table of nL pointers
// scratch for M rows per layer: ∂L/∂(layer output), R-forward values, R-backward values
let dTab: usize = 0;
let rTab: usize = 0;
let rdTab: usize = 0;

function at(t: usize, l: i32): usize {
  return load<usize>(t + ((<usize>l) << 2));
}

/** Scratch for passes of up to `rows` samples (call once, after setLayout). */
export function allocScratch(rows: i32): void {
  outs = heap.alloc(8 << 2);
  dTab = heap.alloc(8 << 2);
  rTab = heap.alloc(8 << 2);
  rdTab = heap.alloc(8 << 2);
  for (let l = 0; l < nL; l++) {
    const bytes = (<usize>rows * <usize>outW(l)) << 2;
    store<usize>(dTab + ((<usize>l) << 2), heap.alloc(bytes));
    store<usize>(rTab + ((<usize>l) << 2), heap.alloc(bytes));
    store<usize>(rdTab + ((<usize>l) << 2), heap.alloc(bytes));
  }
}

/** Binds a task's samples: observations, actions, weights, and the base of each layer's outputs. */
export function bind(obs: usize, actions: usize, weights: usize, layerOut: usize): void {
  x = obs;
  act = actions;
  wts = weights;
  for (let l = 0; l < nL; l++)
    store<usize>(outs + ((<usize>l) << 2), load<usize>(layerOut + ((<usize>l) << 2)));
}

/** Layer outputs (ReLU applied to hidden layers; the last are the means) of M rows from input x. */
export function forwardRows(th: usize, xin: usize, layer: usize, rowOff: usize, M: i32): void {
  for (let l = 0; l < nL; l++) {
    const a = inW(l);
    const b = outW(l);
    const out = at(layer, l) + ((rowOff * <usize>b) << 2);
    const input = l == 0 ? xin : at(layer, l - 1) + ((rowOff * <usize>a) << 2);
    fillRows(out, th + ((<usize>bOff(l)) << 2), M, b);
    gemmAcc(
      out,
      (<usize>b) << 2,
      input,
      (<usize>a) << 2,
      4,
      th + ((<usize>wOff(l)) << 2),
      (<usize>b) << 2,
      M,
      a,
      b,
    );
    if (l < nL - 1) reluInPlace(out, M * b);
  }
}

/** Recomputes the bound task's layer outputs at θ (M samples). */
export function forward(th: usize, M: i32): void {
  forwardRows(th, x, outs, 0, M);
}

/** e^{−2ℓ_d} as the reference computes it (f32 product, then exp). */
function invVar(th: usize, d: i32): f32 {
  return Mathf.exp(load<f32>(th + ((<usize>(lsOff + d)) << 2)) * <f32>-2);
}

/**
 * ∂L/∂μ into the last layer's scratch, ∂L/∂ℓ added to g; returns L. Reads the stored means.
 */
function outputGrad(th: usize, g: usize, M: i32): f64 {
  const mu = at(outs, nL - 1);
  const d = at(dTab, nL - 1);
  const b = outW(nL - 1);
  zero(d, M * b);
  let value: f64 = 0;
  for (let k = 0; k < ACT; k++) {
    const iv = invVar(th, k);
    const ls = load<f32>(th + ((<usize>(lsOff + k)) << 2));
    let gl: f64 = 0;
    for (let q = 0; q < M; q++) {
      const w = load<f32>(wts + ((<usize>q) << 2));
      const diff =
        load<f32>(act + ((<usize>(q * ACT + k)) << 2)) - load<f32>(mu + ((<usize>(q * b + k)) << 2));
      const sq = diff * diff * iv;
      value += <f64>w * (<f64>(<f32>0.5 * sq + ls) + HALF_LOG_2PI);
      gl += <f64>(w * (<f32>1 - sq));
      store<f32>(d + ((<usize>(q * b + k)) << 2), -w * diff * iv);
    }
    const p = g + ((<usize>(lsOff + k)) << 2);
    store<f32>(p, load<f32>(p) + <f32>gl);
  }
  return value;
}

/** g += ∇L(θ) of the bound task at θ (its stored layer outputs are θ's); returns L. */
export function gradient(th: usize, g: usize, M: i32): f64 {
  const value = outputGrad(th, g, M);
  backward(th, g, M);
  return value;
}

/** g += the weights' and biases' part of the gradient, from ∂/∂μ in the last layer's scratch. */
function backward(th: usize, g: usize, M: i32): void {
  for (let l = nL - 1; l >= 0; l--) {
    const a = inW(l);
    const b = outW(l);
    const d = at(dTab, l);
    const input = l == 0 ? x : at(outs, l - 1);
    gemmAcc(
      g + ((<usize>wOff(l)) << 2),
      (<usize>b) << 2,
      input,
      4,
      (<usize>a) << 2,
      d,
      (<usize>b) << 2,
      a,
      M,
      b,
    );
    colSumAcc(g + ((<usize>bOff(l)) << 2), d, M, b);
    if (l > 0) {
      const prev = at(dTab, l - 1);
      zero(prev, M * a);
      gemmDot(prev, d, th + ((<usize>wOff(l)) << 2), M, b, a);
      maskByPositive(prev, at(outs, l - 1), M * a);
    }
  }
}

/** R-forward: R{layer outputs} in direction v (the inputs are data: R{x} = 0). */
function rForward(th: usize, v: usize, M: i32): void {
  for (let l = 0; l < nL; l++) {
    const a = inW(l);
    const b = outW(l);
    const r = at(rTab, l);
    const input = l == 0 ? x : at(outs, l - 1);
    fillRows(r, v + ((<usize>bOff(l)) << 2), M, b);
    gemmAcc(
      r,
      (<usize>b) << 2,
      input,
      (<usize>a) << 2,
      4,
      v + ((<usize>wOff(l)) << 2),
      (<usize>b) << 2,
      M,
      a,
      b,
    );
    if (l > 0) {
      const rin = at(rTab, l - 1);
      gemmAcc(
        r,
        (<usize>b) << 2,
        rin,
        (<usize>a) << 2,
        4,
        th + ((<usize>wOff(l)) << 2),
        (<usize>b) << 2,
        M,
        a,
        b,
      );
    }
    if (l < nL - 1) maskByPositive(r, at(outs, l), M * b);
  }
}

/** R{∂L/∂μ} into the last layer's R-scratch, R{∂L/∂ℓ} added to hv. */
function rOutput(th: usize, v: usize, hv: usize, M: i32): void {
  const mu = at(outs, nL - 1);
  const rmu = at(rTab, nL - 1);
  const rd = at(rdTab, nL - 1);
  const b = outW(nL - 1);
  zero(rd, M * b);
  for (let k = 0; k < ACT; k++) {
    const iv = invVar(th, k);
    const vl = load<f32>(v + ((<usize>(lsOff + k)) << 2));
    let rl: f32 = 0;
    for (let q = 0; q < M; q++) {
      const w = load<f32>(wts + ((<usize>q) << 2));
      const o = (<usize>(q * b + k)) << 2;
      const diff = load<f32>(act + ((<usize>(q * ACT + k)) << 2)) - load<f32>(mu + o);
      const rm = load<f32>(rmu + o);
      store<f32>(rd + o, w * iv * (rm + <f32>2 * diff * vl));
      rl += w * (<f32>2 * diff * rm * iv + <f32>2 * diff * diff * iv * vl);
    }
    const p = hv + ((<usize>(lsOff + k)) << 2);
    store<f32>(p, load<f32>(p) + rl);
  }
}

/**
 * hv += ∇²L(θ) v for the bound task (stored layer outputs at θ): the R-op of gradient(). Uses
 * gradient()'s scratch, so it recomputes ∂L/∂(layer outputs) on the way.
 */
export function hessianVector(th: usize, v: usize, hv: usize, g: usize, M: i32): void {
  rForward(th, v, M);
  outputGrad(th, g, M);
  rOutput(th, v, hv, M);
  for (let l = nL - 1; l >= 0; l--) {
    const a = inW(l);
    const b = outW(l);
    const d = at(dTab, l);
    const rd = at(rdTab, l);
    const gw = hv + ((<usize>wOff(l)) << 2);
    const input = l == 0 ? x : at(outs, l - 1);
    gemmAcc(gw, (<usize>b) << 2, input, 4, (<usize>a) << 2, rd, (<usize>b) << 2, a, M, b);
    if (l > 0) gemmAcc(gw, (<usize>b) << 2, at(rTab, l - 1), 4, (<usize>a) << 2, d, (<usize>b) << 2, a, M, b);
    colSumAcc(hv + ((<usize>bOff(l)) << 2), rd, M, b);
    if (l > 0) {
      const prev = at(dTab, l - 1);
      const rprev = at(rdTab, l - 1);
      zero(prev, M * a);
      zero(rprev, M * a);
      gemmDot(prev, d, th + ((<usize>wOff(l)) << 2), M, b, a);
      gemmDot(rprev, rd, th + ((<usize>wOff(l)) << 2), M, b, a);
      gemmDot(rprev, d, v + ((<usize>wOff(l)) << 2), M, b, a);
      maskByPositive(prev, at(outs, l - 1), M * a);
      maskByPositive(rprev, at(outs, l - 1), M * a);
    }
  }
}

/**
 * hv += F u for the bound task at θ (stored layer outputs at θ), F the Hessian at θ′ = θ of
 * Σ_q c_q KL(π_θ(·|s_q) ‖ π_θ′(·|s_q)) with c the bound weights: per sample c·e^{−2ℓ} on the means
 * and 2c on the log-stds (where the two policies are equal the KL's first derivatives vanish, so
 * this Gauss-Newton form is its exact Hessian).
 */
export function fisherVector(th: usize, u: usize, hv: usize, M: i32): void {
  rForward(th, u, M);
  const rmu = at(rTab, nL - 1);
  const d = at(dTab, nL - 1);
  const b = outW(nL - 1);
  zero(d, M * b);
  for (let k = 0; k < ACT; k++) {
    const iv = invVar(th, k);
    let c: f64 = 0;
    for (let q = 0; q < M; q++) {
      const w = load<f32>(wts + ((<usize>q) << 2));
      const o = (<usize>(q * b + k)) << 2;
      store<f32>(d + o, w * iv * load<f32>(rmu + o));
      c += <f64>w;
    }
    const p = hv + ((<usize>(lsOff + k)) << 2);
    store<f32>(p, load<f32>(p) + <f32>(2 * c) * load<f32>(u + ((<usize>(lsOff + k)) << 2)));
  }
  backward(th, hv, M);
}
