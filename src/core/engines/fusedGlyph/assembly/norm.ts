// Column-wise kernels over a task's [R × F] activation matrix (F a multiple of 4, four columns per
// f32x4): batch norm with the batch's own statistics, its backward pass, and the forward-mode
// derivatives (R-values) of both. With x̂ = (Z − μ)·s, s = 1/√(var + ε), Y = γ·x̂ + β, A = ReLU(Y):
//   backward  dZ = γ·s·(dY − m1 − x̂·m2), m1 = mean dY, m2 = mean dY·x̂
//   R-forward Rx̂ = s·(RZ − mean RZ − x̂·mean(x̂·RZ)), Rs = −s²·mean(x̂·RZ)
import { EPSILON } from './shape';

/** Σ over the R rows of a[r, c]·(b ? b[r, c] : 1), four columns from byte offset j. */
function colSum(a: usize, b: usize, R: i32, row: usize, j: usize): v128 {
  let acc = f32x4.splat(0);
  let pa = a + j;
  if (b == 0) {
    for (let r = 0; r < R; r++) {
      acc = f32x4.add(acc, v128.load(pa));
      pa += row;
    }
    return acc;
  }
  let pb = b + j;
  for (let r = 0; r < R; r++) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(pa), v128.load(pb)));
    pa += row;
    pb += row;
  }
  return acc;
}

/**
 * z (in place) becomes x̂; a = ReLU(γ·x̂ + β); s[c] the inverse standard deviation.
 * gamma and beta are the layer's parameters.
 */
export function bnForward(z: usize, a: usize, s: usize, gamma: usize, beta: usize, R: i32, F: i32): void {
  const row = (<usize>F) << 2;
  const invR = f32x4.splat(<f32>1 / <f32>R);
  const eps = f32x4.splat(EPSILON);
  const zero = f32x4.splat(0);
  for (let j: usize = 0; j < row; j += 16) {
    const mu = f32x4.mul(colSum(z, 0, R, row, j), invR);
    let p = z + j;
    for (let r = 0; r < R; r++) {
      v128.store(p, f32x4.sub(v128.load(p), mu));
      p += row;
    }
    const variance = f32x4.mul(colSum(z, z, R, row, j), invR);
    const sd = f32x4.sqrt(f32x4.add(variance, eps));
    const inv = f32x4.div(f32x4.splat(1), sd);
    v128.store(s + j, inv);
    const g = v128.load(gamma + j);
    const b = v128.load(beta + j);
    const scale = f32x4.div(g, sd);
    p = z + j;
    let q = a + j;
    for (let r = 0; r < R; r++) {
      const c = v128.load(p);
      v128.store(q, f32x4.max(f32x4.add(f32x4.mul(c, scale), b), zero));
      v128.store(p, f32x4.mul(c, inv));
      p += row;
      q += row;
    }
  }
}

/**
 * From dY (already masked by ReLU): m1, m2 per column, dγ += Σ dY·x̂, dβ += Σ dY, and
 * dz = γ·s·(dY − m1 − x̂·m2).
 */
export function bnBackward(
  dz: usize,
  dy: usize,
  xh: usize,
  s: usize,
  gamma: usize,
  m1: usize,
  m2: usize,
  dGamma: usize,
  dBeta: usize,
  R: i32,
  F: i32,
): void {
  const row = (<usize>F) << 2;
  const invR = f32x4.splat(<f32>1 / <f32>R);
  for (let j: usize = 0; j < row; j += 16) {
    const sy = colSum(dy, 0, R, row, j);
    const syx = colSum(dy, xh, R, row, j);
    v128.store(dGamma + j, f32x4.add(v128.load(dGamma + j), syx));
    v128.store(dBeta + j, f32x4.add(v128.load(dBeta + j), sy));
    const a = f32x4.mul(sy, invR);
    const b = f32x4.mul(syx, invR);
    v128.store(m1 + j, a);
    v128.store(m2 + j, b);
    const k = f32x4.mul(v128.load(gamma + j), v128.load(s + j));
    let pd = dz + j;
    let py = dy + j;
    let px = xh + j;
    for (let r = 0; r < R; r++) {
      const d = f32x4.sub(f32x4.sub(v128.load(py), a), f32x4.mul(v128.load(px), b));
      v128.store(pd, f32x4.mul(k, d));
      pd += row;
      py += row;
      px += row;
    }
  }
}

/**
 * R-forward of batch norm + ReLU: rz (in place) becomes Rx̂, rs[c] = Rs, and
 * ra = (Rγ·x̂ + γ·Rx̂ + Rβ) masked where a > 0.
 */
export function bnForwardR(
  rz: usize,
  ra: usize,
  rs: usize,
  xh: usize,
  a: usize,
  s: usize,
  gamma: usize,
  vGamma: usize,
  vBeta: usize,
  R: i32,
  F: i32,
): void {
  const row = (<usize>F) << 2;
  const invR = f32x4.splat(<f32>1 / <f32>R);
  const zero = f32x4.splat(0);
  for (let j: usize = 0; j < row; j += 16) {
    const mr = f32x4.mul(colSum(rz, 0, R, row, j), invR);
    const mxr = f32x4.mul(colSum(rz, xh, R, row, j), invR);
    const sj = v128.load(s + j);
    v128.store(rs + j, f32x4.neg(f32x4.mul(f32x4.mul(sj, sj), mxr)));
    const g = v128.load(gamma + j);
    const vg = v128.load(vGamma + j);
    const vb = v128.load(vBeta + j);
    let pr = rz + j;
    let px = xh + j;
    let pa = a + j;
    let po = ra + j;
    for (let r = 0; r < R; r++) {
      const x = v128.load(px);
      const rx = f32x4.mul(sj, f32x4.sub(f32x4.sub(v128.load(pr), mr), f32x4.mul(x, mxr)));
      v128.store(pr, rx);
      const y = f32x4.add(f32x4.add(f32x4.mul(vg, x), f32x4.mul(g, rx)), vb);
      v128.store(po, v128.and(y, f32x4.gt(v128.load(pa), zero)));
      pr += row;
      px += row;
      pa += row;
      po += row;
    }
  }
}

/**
 * R-backward of batch norm, from RdY (already masked): R(dγ) += Σ(RdY·x̂ + dY·Rx̂),
 * R(dβ) += Σ RdY, and
 * Rdz = (Rγ·s + γ·Rs)·(dY − m1 − x̂·m2) + γ·s·(RdY − Rm1 − Rx̂·m2 − x̂·Rm2).
 */
export function bnBackwardR(
  rdz: usize,
  rdy: usize,
  dy: usize,
  xh: usize,
  rxh: usize,
  s: usize,
  rs: usize,
  m1: usize,
  m2: usize,
  gamma: usize,
  vGamma: usize,
  hGamma: usize,
  hBeta: usize,
  R: i32,
  F: i32,
): void {
  const row = (<usize>F) << 2;
  const invR = f32x4.splat(<f32>1 / <f32>R);
  for (let j: usize = 0; j < row; j += 16) {
    const sry = colSum(rdy, 0, R, row, j);
    const s2 = f32x4.add(colSum(rdy, xh, R, row, j), colSum(dy, rxh, R, row, j));
    v128.store(hGamma + j, f32x4.add(v128.load(hGamma + j), s2));
    v128.store(hBeta + j, f32x4.add(v128.load(hBeta + j), sry));
    const rm1 = f32x4.mul(sry, invR);
    const rm2 = f32x4.mul(s2, invR);
    const a = v128.load(m1 + j);
    const b = v128.load(m2 + j);
    const g = v128.load(gamma + j);
    const sj = v128.load(s + j);
    const k = f32x4.mul(g, sj);
    const rk = f32x4.add(f32x4.mul(v128.load(vGamma + j), sj), f32x4.mul(g, v128.load(rs + j)));
    let po = rdz + j;
    let pry = rdy + j;
    let py = dy + j;
    let px = xh + j;
    let prx = rxh + j;
    for (let r = 0; r < R; r++) {
      const x = v128.load(px);
      const d = f32x4.sub(f32x4.sub(v128.load(py), a), f32x4.mul(x, b));
      const rd = f32x4.sub(
        f32x4.sub(f32x4.sub(v128.load(pry), rm1), f32x4.mul(v128.load(prx), b)),
        f32x4.mul(x, rm2),
      );
      v128.store(po, f32x4.add(f32x4.mul(rk, d), f32x4.mul(k, rd)));
      po += row;
      pry += row;
      py += row;
      px += row;
      prx += row;
    }
  }
}
