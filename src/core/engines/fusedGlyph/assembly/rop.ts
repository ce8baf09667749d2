// Hessian-vector products of a task's support loss, H(θ)·v, by forward-mode derivatives (R-values)
// of the forward and backward passes kept in a pass (Pearlmutter's R-operator): the R-forward
// pass gives the logit derivatives, the R-backward pass the derivative of the gradient, which is
// H·v. The Hessian is never formed. Layer 1 needs no input derivative.
import { colSumAcc, fillRows, gemmAcc, gemmDot, maskByPositive, zero } from '../../fused/assembly/kernels';
import { softmaxGradR } from './loss';
import { bnBackwardR, bnForwardR } from './norm';
import { poolMean, unpool } from './patches';
import { inputGrad, layerInput, scatterPatches } from './net';
import { A, DFEAT, DY, DZ, FEAT, G, M1, M2, P, PROB, S, XH, head, slot } from './pass';
import {
  batchNorm,
  inCols,
  lastWidth,
  layers,
  offB,
  offG,
  offHeadB,
  offHeadW,
  offW,
  positions,
  rows,
  ways,
  waysPadded,
  width,
} from './shape';

/** R-forward: the derivative along v of every activation and of the logits (into rpass's PROB). */
function forwardR(theta: usize, v: usize, pass: usize, rpass: usize, N: i32): void {
  for (let l = 0; l < layers; l++) {
    const R = rows(l, N);
    const K = inCols(l);
    const F = width(l);
    const rowF = (<usize>F) << 2;
    const rowK = (<usize>K) << 2;
    const rz = slot(rpass, l, XH);
    const ra = slot(rpass, l, A);
    zero(rz, R * F);
    if (l > 0) {
      const rp = layerInput(rpass, l, slot(rpass, l - 1, A), N);
      gemmAcc(rz, rowF, rp, rowK, 4, theta + offW(l), rowF, R, K, F);
    }
    gemmAcc(rz, rowF, slot(pass, l, P), rowK, 4, v + offW(l), rowF, R, K, F);
    const a = slot(pass, l, A);
    if (batchNorm) {
      const s = slot(pass, l, S);
      bnForwardR(
        rz,
        ra,
        slot(rpass, l, S),
        slot(pass, l, XH),
        a,
        s,
        theta + offG(l),
        v + offG(l),
        v + offB(l),
        R,
        F,
      );
    } else {
      fillRows(ra, v + offB(l), R, F);
      const bytes = (<usize>(R * F)) << 2;
      for (let k: usize = 0; k < bytes; k += 16)
        v128.store(ra + k, f32x4.add(v128.load(ra + k), v128.load(rz + k)));
      maskByPositive(ra, a, R * F);
    }
  }
  const C = lastWidth();
  const WP = waysPadded;
  const rfeat = head(rpass, FEAT);
  const rlog = head(rpass, PROB);
  poolMean(rfeat, slot(rpass, layers - 1, A), N, positions(), C);
  fillRows(rlog, v + offHeadB(), N, WP);
  const rowW = (<usize>WP) << 2;
  gemmAcc(rlog, rowW, rfeat, (<usize>C) << 2, 4, theta + offHeadW(), rowW, N, C, WP);
  gemmAcc(rlog, rowW, head(pass, FEAT), (<usize>C) << 2, 4, v + offHeadW(), rowW, N, C, WP);
}

/**
 * hv += H(θ)·v for the loss whose forward and backward passes at θ are kept in `pass` (N images,
 * logit-gradient scale `scale`); rpass and dp are scratch.
 */
export function hessianVector(
  theta: usize,
  v: usize,
  pass: usize,
  rpass: usize,
  N: i32,
  scale: f32,
  hv: usize,
  dp: usize,
): void {
  forwardR(theta, v, pass, rpass, N);
  const C = lastWidth();
  const WP = waysPadded;
  const rowW = (<usize>WP) << 2;
  const rowC = (<usize>C) << 2;
  const rg = head(rpass, PROB);
  softmaxGradR(rg, rg, head(pass, PROB), N, ways, WP, scale);
  const g = head(pass, G);
  gemmAcc(hv + offHeadW(), rowW, head(rpass, FEAT), 4, rowC, g, rowW, C, N, WP);
  gemmAcc(hv + offHeadW(), rowW, head(pass, FEAT), 4, rowC, rg, rowW, C, N, WP);
  colSumAcc(hv + offHeadB(), rg, N, WP);
  const rdfeat = head(rpass, DFEAT);
  zero(rdfeat, N * C);
  gemmDot(rdfeat, rg, theta + offHeadW(), N, WP, C);
  gemmDot(rdfeat, g, v + offHeadW(), N, WP, C);
  const last = layers - 1;
  unpool(slot(rpass, last, DY), rdfeat, N, positions(), C);
  for (let l = last; l >= 0; l--) backwardLayerR(theta, v, pass, rpass, l, N, hv, dp);
}

/** R-backward through hidden layer l: its parameters' H·v entries and RdA of layer l − 1. */
function backwardLayerR(
  theta: usize,
  v: usize,
  pass: usize,
  rpass: usize,
  l: i32,
  N: i32,
  hv: usize,
  dp: usize,
): void {
  const R = rows(l, N);
  const K = inCols(l);
  const F = width(l);
  const rowF = (<usize>F) << 2;
  const rowK = (<usize>K) << 2;
  const rdy = slot(rpass, l, DY);
  maskByPositive(rdy, slot(pass, l, A), R * F);
  let rdz = rdy;
  let dz = slot(pass, l, DY);
  if (batchNorm) {
    rdz = slot(rpass, l, DZ);
    dz = slot(pass, l, DZ);
    bnBackwardR(
      rdz,
      rdy,
      slot(pass, l, DY),
      slot(pass, l, XH),
      slot(rpass, l, XH),
      slot(pass, l, S),
      slot(rpass, l, S),
      slot(pass, l, M1),
      slot(pass, l, M2),
      theta + offG(l),
      v + offG(l),
      hv + offG(l),
      hv + offB(l),
      R,
      F,
    );
  } else {
    colSumAcc(hv + offB(l), rdy, R, F);
  }
  gemmAcc(hv + offW(l), rowF, slot(pass, l, P), 4, rowK, rdz, rowF, K, R, F);
  if (l == 0) return;
  gemmAcc(hv + offW(l), rowF, slot(rpass, l, P), 4, rowK, dz, rowF, K, R, F);
  inputGrad(rpass, l, N, rdz, theta + offW(l), dp, false);
  inputGrad(rpass, l, N, dz, v + offW(l), dp, true);
  scatterPatches(rpass, l, N, dp);
}
