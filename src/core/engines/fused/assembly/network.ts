// The MLP [1, h1, ..., hn, 1] on one task: forward, backprop of a squared-error loss, and the
// Hessian-vector product of the support loss (Pearlmutter's R-operator applied to the same
// forward and backward passes, so the Hessian itself is never formed).
//
// Padded parameter layout: hidden widths rounded up to a multiple of 4, each layer as W [in × out]
// row-major then b [out]. Padded units have zero weights in and out, so they stay exactly zero:
// their pre-activation is 0, ReLU masks their gradient, and every derivative through them is 0.
import { colSumAcc, fillRows, gemmAcc, gemmDot, maskByPositive, reluInPlace, zero } from './kernels';

let layers: i32 = 0;
let table: usize = 0; // per layer: in, out, byte offset of W, byte offset of b (4 × i32)
let paramCount: i32 = 0;

function lin(l: i32): i32 {
  return load<i32>(table + ((<usize>l) << 4));
}
function lout(l: i32): i32 {
  return load<i32>(table + ((<usize>l) << 4), 4);
}
function offW(l: i32): usize {
  return <usize>load<i32>(table + ((<usize>l) << 4), 8);
}
function offB(l: i32): usize {
  return <usize>load<i32>(table + ((<usize>l) << 4), 12);
}

/** Sets the layout for sizes [1, h1..hn, 1] (hidden widths given unpadded); returns the padded P. */
export function setLayout(hidden: usize, nHidden: i32): i32 {
  layers = nHidden + 1;
  table = heap.alloc((<usize>layers) << 4);
  let inSize = 1;
  let offset = 0;
  for (let l = 0; l < layers; l++) {
    const outSize = l == layers - 1 ? 1 : (load<i32>(hidden + ((<usize>l) << 2)) + 3) & ~3;
    const e = table + ((<usize>l) << 4);
    store<i32>(e, inSize);
    store<i32>(e, outSize, 4);
    store<i32>(e, offset << 2, 8);
    store<i32>(e, (offset + inSize * outSize) << 2, 12);
    offset += inSize * outSize + outSize;
    inSize = outSize;
  }
  paramCount = offset;
  return offset;
}

export function numLayers(): i32 {
  return layers;
}
export function layerIn(l: i32): i32 {
  return lin(l);
}
export function layerOut(l: i32): i32 {
  return lout(l);
}
export function params(): i32 {
  return paramCount;
}

function ptr(tab: usize, l: i32): usize {
  return load<usize>(tab + ((<usize>l) << 2));
}

/**
 * Forward pass of N points with parameters p. acts[l] is layer l's input (acts[0] = x, set by the
 * caller; acts[l ≥ 1] are written: the ReLU outputs). Writes the N outputs to out.
 */
export function forward(p: usize, acts: usize, N: i32, out: usize): void {
  for (let l = 0; l < layers; l++) {
    const a = lin(l);
    const b = lout(l);
    const h = ptr(acts, l);
    if (l < layers - 1) {
      const z = ptr(acts, l + 1);
      fillRows(z, p + offB(l), N, b);
      gemmAcc(z, (<usize>b) << 2, h, (<usize>a) << 2, 4, p + offW(l), (<usize>b) << 2, N, a, b);
      reluInPlace(z, N * b);
    } else {
      const bias = load<f32>(p + offB(l));
      for (let n = 0; n < N; n++) store<f32>(out + ((<usize>n) << 2), bias);
      gemmDot(out, h, p + offW(l), N, a, 1);
    }
  }
}

/** G += hᵀ·d for a layer with input h [N × a] and output gradient d [N × b]. */
function weightGradAcc(g: usize, h: usize, d: usize, N: i32, a: i32, b: i32): void {
  if (b == 1) gemmAcc(g, 0, d, 0, 4, h, (<usize>a) << 2, 1, N, a);
  else gemmAcc(g, (<usize>b) << 2, h, 4, (<usize>a) << 2, d, (<usize>b) << 2, a, N, b);
}

/** dh += d·wᵀ for d [N × b] and w [a × b]. */
function inputGradAcc(dh: usize, d: usize, w: usize, N: i32, a: i32, b: i32): void {
  if (b == 1) gemmAcc(dh, (<usize>a) << 2, d, 4, 4, w, 0, N, 1, a);
  else gemmDot(dh, d, w, N, b, a);
}

/**
 * Backprop from grads[layers − 1] (the loss gradient w.r.t. the N outputs, set by the caller):
 * fills grads[l] (gradient w.r.t. layer l's pre-activation) and adds the parameter gradient to g.
 */
export function backward(p: usize, acts: usize, grads: usize, N: i32, g: usize): void {
  for (let l = layers - 1; l >= 0; l--) {
    const a = lin(l);
    const b = lout(l);
    const h = ptr(acts, l);
    const d = ptr(grads, l);
    weightGradAcc(g + offW(l), h, d, N, a, b);
    colSumAcc(g + offB(l), d, N, b);
    if (l > 0) {
      const dh = ptr(grads, l - 1);
      zero(dh, N * a);
      inputGradAcc(dh, d, p + offW(l), N, a, b);
      maskByPositive(dh, h, N * a);
    }
  }
}

/**
 * hv = H·v, the Hessian of the loss (scale/2)·Σ(out − y)² at p times v, from the activations and
 * gradients that forward/backward left in acts/grads. rActs and rGrads are scratch tables with the
 * same shapes: the directional derivatives (R-values) of the activations and of the gradients.
 */
export function hessianVector(
  p: usize,
  v: usize,
  acts: usize,
  grads: usize,
  rActs: usize,
  rGrads: usize,
  N: i32,
  scale: f32,
  hv: usize,
): void {
  zero(hv, paramCount);
  // R-forward: R{z} = R{h}·W + h·V_W + V_b; R{relu(z)} = R{z} ⊙ step(z); R{x} = 0
  for (let l = 0; l < layers; l++) {
    const a = lin(l);
    const b = lout(l);
    const h = ptr(acts, l);
    const rh = ptr(rActs, l);
    if (l < layers - 1) {
      const rz = ptr(rActs, l + 1);
      fillRows(rz, v + offB(l), N, b);
      gemmAcc(rz, (<usize>b) << 2, h, (<usize>a) << 2, 4, v + offW(l), (<usize>b) << 2, N, a, b);
      if (l > 0) gemmAcc(rz, (<usize>b) << 2, rh, (<usize>a) << 2, 4, p + offW(l), (<usize>b) << 2, N, a, b);
      maskByPositive(rz, ptr(acts, l + 1), N * b);
    } else {
      // the output layer: R{d} = scale · R{out}
      const rd = ptr(rGrads, l);
      const vb = load<f32>(v + offB(l));
      for (let n = 0; n < N; n++) store<f32>(rd + ((<usize>n) << 2), vb);
      gemmDot(rd, h, v + offW(l), N, a, 1);
      if (l > 0) gemmDot(rd, rh, p + offW(l), N, a, 1);
      for (let n = 0; n < N; n++)
        store<f32>(rd + ((<usize>n) << 2), load<f32>(rd + ((<usize>n) << 2)) * scale);
    }
  }
  // R-backward: R{gW} = R{h}ᵀd + hᵀR{d}; R{d_prev} = (R{d}·Wᵀ + d·V_Wᵀ) ⊙ step(z_prev)
  for (let l = layers - 1; l >= 0; l--) {
    const a = lin(l);
    const b = lout(l);
    const h = ptr(acts, l);
    const d = ptr(grads, l);
    const rd = ptr(rGrads, l);
    weightGradAcc(hv + offW(l), h, rd, N, a, b);
    if (l > 0) weightGradAcc(hv + offW(l), ptr(rActs, l), d, N, a, b);
    colSumAcc(hv + offB(l), rd, N, b);
    if (l > 0) {
      const rdh = ptr(rGrads, l - 1);
      zero(rdh, N * a);
      inputGradAcc(rdh, rd, p + offW(l), N, a, b);
      inputGradAcc(rdh, d, v + offW(l), N, a, b);
      maskByPositive(rdh, h, N * a);
    }
  }
}

/**
 * MAML++'s per-tensor rates spread over the padded layout: every slot of layer l's weights gets
 * r[2l], of its biases r[2l + 1]; the slots after the last tensor (up to n) get 0.
 */
export function spreadTensorRates(dst: usize, r: usize, n: i32): void {
  zero(dst, n);
  for (let l = 0; l < layers; l++) {
    const w = load<f32>(r + ((<usize>(2 * l)) << 2));
    const b = load<f32>(r + ((<usize>(2 * l + 1)) << 2));
    const weights = lin(l) * lout(l);
    for (let i = 0; i < weights; i++) store<f32>(dst + offW(l) + ((<usize>i) << 2), w);
    for (let i = 0; i < lout(l); i++) store<f32>(dst + offB(l) + ((<usize>i) << 2), b);
  }
}

/** Σ a⊙b over n floats from byte offset o (in order, f32). */
function blockDot(a: usize, b: usize, o: usize, n: i32): f32 {
  let s: f32 = 0;
  for (let i = 0; i < n; i++) {
    const k = o + ((<usize>i) << 2);
    s += load<f32>(a + k) * load<f32>(b + k);
  }
  return s;
}

/** g[2l] −= Σ a⊙b over layer l's weights, g[2l + 1] −= the same over its biases. */
export function tensorDotsNeg(g: usize, a: usize, b: usize): void {
  for (let l = 0; l < layers; l++) {
    const gw = g + ((<usize>(2 * l)) << 2);
    const gb = gw + 4;
    store<f32>(gw, load<f32>(gw) - blockDot(a, b, offW(l), lin(l) * lout(l)));
    store<f32>(gb, load<f32>(gb) - blockDot(a, b, offB(l), lout(l)));
  }
}
