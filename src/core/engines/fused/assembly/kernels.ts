// Dense f32 kernels with 128-bit SIMD for the fused MLP engine (AssemblyScript).
// Vectorised dimensions are always multiples of 4 (hidden widths are padded by the layout), so no
// kernel needs a masked tail. Matrices are row-major; pointers are byte addresses.

/** Σ of the four lanes, in a fixed order. */
function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/** [Σa0, Σa1, Σa2, Σa3]: four horizontal sums at once (a 4×4 transpose folded into the adds). */
function reduce4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const u01 = f32x4.add(f32x4.shuffle(a0, a1, 0, 4, 1, 5), f32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const u23 = f32x4.add(f32x4.shuffle(a2, a3, 0, 4, 1, 5), f32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(u01, u23, 0, 1, 4, 5), f32x4.shuffle(u01, u23, 2, 3, 6, 7));
}

/**
 * C[r, j] += Σ_k A(r, k) · B[k, j] for r < M, k < kd, j < cols (cols % 4 == 0), where
 * A(r, k) = a + r·sAr + k·sAk: strided A serves both H·W (forward) and Hᵀ·D (weight gradients).
 * B and C rows are sB and sC bytes apart.
 */
export function gemmAcc(
  c: usize,
  sC: usize,
  a: usize,
  sAr: usize,
  sAk: usize,
  b: usize,
  sB: usize,
  M: i32,
  kd: i32,
  cols: i32,
): void {
  let r = 0;
  for (; r + 4 <= M; r += 4) {
    const ar = a + <usize>r * sAr;
    const cr = c + <usize>r * sC;
    let j = 0;
    for (; j + 8 <= cols; j += 8)
      block4x8(cr + ((<usize>j) << 2), sC, ar, sAr, sAk, b + ((<usize>j) << 2), sB, kd);
    if (j < cols) block4x4(cr + ((<usize>j) << 2), sC, ar, sAr, sAk, b + ((<usize>j) << 2), sB, kd);
  }
  for (; r < M; r++) {
    const ar = a + <usize>r * sAr;
    const cr = c + <usize>r * sC;
    let j = 0;
    for (; j + 8 <= cols; j += 8) block1x8(cr + ((<usize>j) << 2), ar, sAk, b + ((<usize>j) << 2), sB, kd);
    if (j < cols) block1x4(cr + ((<usize>j) << 2), ar, sAk, b + ((<usize>j) << 2), sB, kd);
  }
}

// 4 rows × 8 columns held in 8 registers: 2 loads of B and 4 broadcasts feed 8 multiply-adds.
function block4x8(c: usize, sC: usize, a: usize, sAr: usize, sAk: usize, b: usize, sB: usize, kd: i32): void {
  const c1 = c + sC;
  const c2 = c1 + sC;
  const c3 = c2 + sC;
  let x00 = v128.load(c);
  let x01 = v128.load(c, 16);
  let x10 = v128.load(c1);
  let x11 = v128.load(c1, 16);
  let x20 = v128.load(c2);
  let x21 = v128.load(c2, 16);
  let x30 = v128.load(c3);
  let x31 = v128.load(c3, 16);
  let pa = a;
  let pb = b;
  const sA2 = sAr + sAr;
  const sA3 = sA2 + sAr;
  for (let k = 0; k < kd; k++) {
    const w0 = v128.load(pb);
    const w1 = v128.load(pb, 16);
    let s = f32x4.splat(load<f32>(pa));
    x00 = f32x4.add(x00, f32x4.mul(s, w0));
    x01 = f32x4.add(x01, f32x4.mul(s, w1));
    s = f32x4.splat(load<f32>(pa + sAr));
    x10 = f32x4.add(x10, f32x4.mul(s, w0));
    x11 = f32x4.add(x11, f32x4.mul(s, w1));
    s = f32x4.splat(load<f32>(pa + sA2));
    x20 = f32x4.add(x20, f32x4.mul(s, w0));
    x21 = f32x4.add(x21, f32x4.mul(s, w1));
    s = f32x4.splat(load<f32>(pa + sA3));
    x30 = f32x4.add(x30, f32x4.mul(s, w0));
    x31 = f32x4.add(x31, f32x4.mul(s, w1));
    pa += sAk;
    pb += sB;
  }
  v128.store(c, x00);
  v128.store(c, x01, 16);
  v128.store(c1, x10);
  v128.store(c1, x11, 16);
  v128.store(c2, x20);
  v128.store(c2, x21, 16);
  v128.store(c3, x30);
  v128.store(c3, x31, 16);
}

function block4x4(c: usize, sC: usize, a: usize, sAr: usize, sAk: usize, b: usize, sB: usize, kd: i32): void {
  const c1 = c + sC;
  const c2 = c1 + sC;
  const c3 = c2 + sC;
  let x0 = v128.load(c);
  let x1 = v128.load(c1);
  let x2 = v128.load(c2);
  let x3 = v128.load(c3);
  let pa = a;
  let pb = b;
  const sA2 = sAr + sAr;
  const sA3 = sA2 + sAr;
  for (let k = 0; k < kd; k++) {
    const w = v128.load(pb);
    x0 = f32x4.add(x0, f32x4.mul(f32x4.splat(load<f32>(pa)), w));
    x1 = f32x4.add(x1, f32x4.mul(f32x4.splat(load<f32>(pa + sAr)), w));
    x2 = f32x4.add(x2, f32x4.mul(f32x4.splat(load<f32>(pa + sA2)), w));
    x3 = f32x4.add(x3, f32x4.mul(f32x4.splat(load<f32>(pa + sA3)), w));
    pa += sAk;
    pb += sB;
  }
  v128.store(c, x0);
  v128.store(c1, x1);
  v128.store(c2, x2);
  v128.store(c3, x3);
}

function block1x8(c: usize, a: usize, sAk: usize, b: usize, sB: usize, kd: i32): void {
  let x0 = v128.load(c);
  let x1 = v128.load(c, 16);
  let pa = a;
  let pb = b;
  for (let k = 0; k < kd; k++) {
    const s = f32x4.splat(load<f32>(pa));
    x0 = f32x4.add(x0, f32x4.mul(s, v128.load(pb)));
    x1 = f32x4.add(x1, f32x4.mul(s, v128.load(pb, 16)));
    pa += sAk;
    pb += sB;
  }
  v128.store(c, x0);
  v128.store(c, x1, 16);
}

function block1x4(c: usize, a: usize, sAk: usize, b: usize, sB: usize, kd: i32): void {
  let x = v128.load(c);
  let pa = a;
  let pb = b;
  for (let k = 0; k < kd; k++) {
    x = f32x4.add(x, f32x4.mul(f32x4.splat(load<f32>(pa)), v128.load(pb)));
    pa += sAk;
    pb += sB;
  }
  v128.store(c, x);
}

/**
 * C[m, o] += Σ_k D[m, k] · W[o, k] for m < M, o < outs, k < inner (inner % 4 == 0): products with a
 * transposed right operand, as dot products along contiguous rows (backprop through a layer).
 */
export function gemmDot(c: usize, d: usize, w: usize, M: i32, inner: i32, outs: i32): void {
  const row = (<usize>inner) << 2;
  const end = row;
  let m = 0;
  for (; m + 2 <= M; m += 2) {
    const d0 = d + <usize>m * row;
    const d1 = d0 + row;
    const c0 = c + ((<usize>m * <usize>outs) << 2);
    const c1 = c0 + ((<usize>outs) << 2);
    let o = 0;
    for (; o + 4 <= outs; o += 4) {
      const w0 = w + <usize>o * row;
      const w1 = w0 + row;
      const w2 = w1 + row;
      const w3 = w2 + row;
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      let b0 = a0;
      let b1 = a0;
      let b2 = a0;
      let b3 = a0;
      for (let k: usize = 0; k < end; k += 16) {
        const x = v128.load(d0 + k);
        const y = v128.load(d1 + k);
        const v0 = v128.load(w0 + k);
        const v1 = v128.load(w1 + k);
        const v2 = v128.load(w2 + k);
        const v3 = v128.load(w3 + k);
        a0 = f32x4.add(a0, f32x4.mul(x, v0));
        a1 = f32x4.add(a1, f32x4.mul(x, v1));
        a2 = f32x4.add(a2, f32x4.mul(x, v2));
        a3 = f32x4.add(a3, f32x4.mul(x, v3));
        b0 = f32x4.add(b0, f32x4.mul(y, v0));
        b1 = f32x4.add(b1, f32x4.mul(y, v1));
        b2 = f32x4.add(b2, f32x4.mul(y, v2));
        b3 = f32x4.add(b3, f32x4.mul(y, v3));
      }
      const p0 = c0 + ((<usize>o) << 2);
      const p1 = c1 + ((<usize>o) << 2);
      v128.store(p0, f32x4.add(v128.load(p0), reduce4(a0, a1, a2, a3)));
      v128.store(p1, f32x4.add(v128.load(p1), reduce4(b0, b1, b2, b3)));
    }
    for (; o < outs; o++) {
      const wo = w + <usize>o * row;
      store<f32>(c0 + ((<usize>o) << 2), load<f32>(c0 + ((<usize>o) << 2)) + dot(d0, wo, end));
      store<f32>(c1 + ((<usize>o) << 2), load<f32>(c1 + ((<usize>o) << 2)) + dot(d1, wo, end));
    }
  }
  for (; m < M; m++) {
    const dm = d + <usize>m * row;
    const cm = c + ((<usize>m * <usize>outs) << 2);
    for (let o = 0; o < outs; o++) {
      const p = cm + ((<usize>o) << 2);
      store<f32>(p, load<f32>(p) + dot(dm, w + <usize>o * row, end));
    }
  }
}

/** Σ_k x[k]·y[k] over `bytes` bytes (a multiple of 16). */
export function dot(x: usize, y: usize, bytes: usize): f32 {
  let acc = f32x4.splat(0);
  for (let k: usize = 0; k < bytes; k += 16)
    acc = f32x4.add(acc, f32x4.mul(v128.load(x + k), v128.load(y + k)));
  return hsum(acc);
}

/** g[j] += Σ_n d[n, j] (bias gradients); cols is 1 or a multiple of 4. */
export function colSumAcc(g: usize, d: usize, N: i32, cols: i32): void {
  const row = (<usize>cols) << 2;
  if (cols == 1) {
    let s: f32 = 0;
    for (let n = 0; n < N; n++) s += load<f32>(d + ((<usize>n) << 2));
    store<f32>(g, load<f32>(g) + s);
    return;
  }
  for (let j: usize = 0; j < row; j += 16) {
    let acc = v128.load(g + j);
    let p = d + j;
    for (let n = 0; n < N; n++) {
      acc = f32x4.add(acc, v128.load(p));
      p += row;
    }
    v128.store(g + j, acc);
  }
}

/** Each of N rows of z (cols wide, cols % 4 == 0) set to the bias row. */
export function fillRows(z: usize, bias: usize, N: i32, cols: i32): void {
  const row = (<usize>cols) << 2;
  for (let n = 0; n < N; n++) memory.copy(z + <usize>n * row, bias, row);
}

/** x = max(x, 0) over `count` floats (count % 4 == 0). */
export function reluInPlace(x: usize, count: i32): void {
  const zero = f32x4.splat(0);
  const end = x + ((<usize>count) << 2);
  for (let p = x; p < end; p += 16) v128.store(p, f32x4.max(v128.load(p), zero));
}

/** x = h > 0 ? x : 0 (the ReLU derivative, read from the layer's output h). */
export function maskByPositive(x: usize, h: usize, count: i32): void {
  const zero = f32x4.splat(0);
  const bytes = (<usize>count) << 2;
  for (let k: usize = 0; k < bytes; k += 16) {
    v128.store(x + k, v128.and(v128.load(x + k), f32x4.gt(v128.load(h + k), zero)));
  }
}

/** Zero `count` floats. */
export function zero(x: usize, count: i32): void {
  memory.fill(x, 0, (<usize>count) << 2);
}
