// Forward and backward passes of the glyph network on one task's images (see shape.ts).
import {
  colSumAcc,
  fillRows,
  gemmAcc,
  gemmDot,
  maskByPositive,
  reluInPlace,
  zero,
} from '../../fused/assembly/kernels';
import { softmaxCrossEntropy } from './loss';
import { bnBackward, bnForward } from './norm';
import { col2im, im2col, poolMean, unpool } from './patches';
import { A, DFEAT, DY, DZ, FEAT, G, M1, M2, P, PROB, S, XH, head, setSlot, slot } from './pass';
import {
  batchNorm,
  conv,
  inCols,
  lastWidth,
  layers,
  offB,
  offG,
  offHeadB,
  offHeadW,
  offW,
  padTop,
  positions,
  rows,
  sizeIn,
  sizeOut,
  ways,
  waysPadded,
  width,
} from './shape';

/** Channels of layer l's input (1 for the image). */
export function channelsIn(l: i32): i32 {
  return l == 0 ? 1 : width(l - 1);
}

/** Sets (fc) or fills (conv) layer l's input matrix from its input activation `input`. */
export function layerInput(pass: usize, l: i32, input: usize, N: i32): usize {
  if (!conv) {
    setSlot(pass, l, P, input);
    return input;
  }
  const p = slot(pass, l, P);
  im2col(p, input, N, sizeIn(l), sizeOut(l), channelsIn(l), padTop(l));
  return p;
}

/** Logits [N × WP] of the images x [N × 784] at θ, keeping what backward() needs in `pass`. */
export function forward(theta: usize, pass: usize, x: usize, N: i32, logits: usize): void {
  let input = x;
  for (let l = 0; l < layers; l++) {
    const R = rows(l, N);
    const K = inCols(l);
    const F = width(l);
    const p = layerInput(pass, l, input, N);
    const a = slot(pass, l, A);
    const rowF = (<usize>F) << 2;
    if (batchNorm) {
      const z = slot(pass, l, XH);
      zero(z, R * F);
      gemmAcc(z, rowF, p, (<usize>K) << 2, 4, theta + offW(l), rowF, R, K, F);
      bnForward(z, a, slot(pass, l, S), theta + offG(l), theta + offB(l), R, F);
    } else {
      fillRows(a, theta + offB(l), R, F);
      gemmAcc(a, rowF, p, (<usize>K) << 2, 4, theta + offW(l), rowF, R, K, F);
      reluInPlace(a, R * F);
    }
    input = a;
  }
  const C = lastWidth();
  const feat = head(pass, FEAT);
  poolMean(feat, input, N, positions(), C);
  const WP = waysPadded;
  fillRows(logits, theta + offHeadB(), N, WP);
  gemmAcc(logits, (<usize>WP) << 2, feat, (<usize>C) << 2, 4, theta + offHeadW(), (<usize>WP) << 2, N, C, WP);
}

/** Gradient of the input matrix of layer l (l ≥ 1) back onto dA_{l−1} = dY slot of layer l − 1. */
export function inputGrad(
  pass: usize,
  l: i32,
  N: i32,
  dz: usize,
  w: usize,
  dp: usize,
  accumulate: bool,
): void {
  const R = rows(l, N);
  const K = inCols(l);
  const F = width(l);
  const out = conv ? dp : slot(pass, l - 1, DY);
  if (!accumulate) zero(out, R * K);
  // dZ·Wᵀ as a broadcast product with Wᵀ [F × K] (K % 4 == 0 for every layer past the first)
  transpose(wT, w, K, F);
  gemmAcc(out, (<usize>K) << 2, dz, (<usize>F) << 2, 4, wT, (<usize>K) << 2, R, F, K);
}

let wT: usize = 0;

/** Scratch for transposed weights: the largest K·F of any layer. */
export function allocScratch(): void {
  let m = 0;
  for (let l = 0; l < layers; l++) m = max<i32>(m, inCols(l) * width(l));
  wT = heap.alloc((<usize>max<i32>(m, 1)) << 2);
}

/** dst [cols × rows] = src [rows × cols]ᵀ */
function transpose(dst: usize, src: usize, R: i32, C: i32): void {
  for (let r = 0; r < R; r++) {
    const s = src + ((<usize>(r * C)) << 2);
    for (let c = 0; c < C; c++)
      store<f32>(dst + ((<usize>(c * R + r)) << 2), load<f32>(s + ((<usize>c) << 2)));
  }
}

/** Scatters the patch gradient dp of layer l onto layer l − 1's activation gradient (conv). */
export function scatterPatches(pass: usize, l: i32, N: i32, dp: usize): void {
  if (!conv) return;
  const dA = slot(pass, l - 1, DY);
  zero(dA, rows(l - 1, N) * width(l - 1));
  col2im(dA, dp, N, sizeIn(l), sizeOut(l), channelsIn(l), padTop(l));
}

/**
 * grad += ∂(loss)/∂θ from the logit gradient G in `pass` (after forward() and the loss). Keeps dY,
 * dZ, m1, m2 for Hessian-vector products. dp: scratch for patch gradients.
 */
export function backward(theta: usize, pass: usize, N: i32, grad: usize, dp: usize): void {
  const C = lastWidth();
  const WP = waysPadded;
  const g = head(pass, G);
  const feat = head(pass, FEAT);
  const dfeat = head(pass, DFEAT);
  gemmAcc(grad + offHeadW(), (<usize>WP) << 2, feat, 4, (<usize>C) << 2, g, (<usize>WP) << 2, C, N, WP);
  colSumAcc(grad + offHeadB(), g, N, WP);
  zero(dfeat, N * C);
  gemmDot(dfeat, g, theta + offHeadW(), N, WP, C);
  const last = layers - 1;
  unpool(slot(pass, last, DY), dfeat, N, positions(), C);
  for (let l = last; l >= 0; l--) {
    const R = rows(l, N);
    const K = inCols(l);
    const F = width(l);
    const dy = slot(pass, l, DY);
    maskByPositive(dy, slot(pass, l, A), R * F);
    let dz = dy;
    if (batchNorm) {
      dz = slot(pass, l, DZ);
      const m1 = slot(pass, l, M1);
      const m2 = slot(pass, l, M2);
      const s = slot(pass, l, S);
      bnBackward(dz, dy, slot(pass, l, XH), s, theta + offG(l), m1, m2, grad + offG(l), grad + offB(l), R, F);
    } else {
      colSumAcc(grad + offB(l), dy, R, F);
    }
    const rowF = (<usize>F) << 2;
    gemmAcc(grad + offW(l), rowF, slot(pass, l, P), 4, (<usize>K) << 2, dz, rowF, K, R, F);
    if (l > 0) {
      inputGrad(pass, l, N, dz, theta + offW(l), dp, false);
      scatterPatches(pass, l, N, dp);
    }
  }
}

/** Loss (summed over the N images) and the logit gradient G at θ, forward pass kept in `ps`. */
export function evaluate(theta: usize, ps: usize, x: usize, y: usize, N: i32, scale: f32): f64 {
  const prob = head(ps, PROB);
  forward(theta, ps, x, N, prob);
  return softmaxCrossEntropy(prob, head(ps, G), prob, y, N, ways, waysPadded, scale);
}
