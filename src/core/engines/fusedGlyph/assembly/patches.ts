// Patches (im2col) of a channels-last activation for a 3×3 convolution at stride 2 with SAME
// padding, and the transpose (col2im) that scatters patch gradients back onto the activation.
// Patch row (n, oy, ox) holds taps (i, j) in order, each C channels: column (i·3 + j)·C + c, the
// order of a filter [3, 3, C, F] reshaped to [9·C, F]. C is 1 (the image) or a multiple of 4.

/** dst[N·So·So, 9·C] = patches of x[N, S, S, C] */
export function im2col(dst: usize, x: usize, N: i32, S: i32, So: i32, C: i32, pad: i32): void {
  const cb = (<usize>C) << 2;
  let d = dst;
  for (let n = 0; n < N; n++) {
    const xn = x + <usize>(n * S * S) * cb;
    for (let oy = 0; oy < So; oy++) {
      for (let ox = 0; ox < So; ox++) {
        for (let i = 0; i < 3; i++) {
          const iy = oy * 2 + i - pad;
          for (let j = 0; j < 3; j++) {
            const ix = ox * 2 + j - pad;
            if (iy < 0 || iy >= S || ix < 0 || ix >= S) memory.fill(d, 0, cb);
            else if (C == 1) store<f32>(d, load<f32>(xn + ((<usize>(iy * S + ix)) << 2)));
            else copy4(d, xn + <usize>(iy * S + ix) * cb, cb);
            d += cb;
          }
        }
      }
    }
  }
}

function copy4(d: usize, s: usize, bytes: usize): void {
  for (let k: usize = 0; k < bytes; k += 16) v128.store(d + k, v128.load(s + k));
}

/** dx[N, S, S, C] += col2im(dp[N·So·So, 9·C]) (C a multiple of 4) */
export function col2im(dx: usize, dp: usize, N: i32, S: i32, So: i32, C: i32, pad: i32): void {
  const cb = (<usize>C) << 2;
  let p = dp;
  for (let n = 0; n < N; n++) {
    const xn = dx + <usize>(n * S * S) * cb;
    for (let oy = 0; oy < So; oy++) {
      for (let ox = 0; ox < So; ox++) {
        for (let i = 0; i < 3; i++) {
          const iy = oy * 2 + i - pad;
          for (let j = 0; j < 3; j++) {
            const ix = ox * 2 + j - pad;
            if (iy >= 0 && iy < S && ix >= 0 && ix < S) {
              const t = xn + <usize>(iy * S + ix) * cb;
              for (let k: usize = 0; k < cb; k += 16)
                v128.store(t + k, f32x4.add(v128.load(t + k), v128.load(p + k)));
            }
            p += cb;
          }
        }
      }
    }
  }
}

/** feat[n, c] = mean over the P positions of x[n·P + p, c] (C a multiple of 4) */
export function poolMean(feat: usize, x: usize, N: i32, P: i32, C: i32): void {
  const cb = (<usize>C) << 2;
  const inv = f32x4.splat(<f32>1 / <f32>P);
  for (let n = 0; n < N; n++) {
    const f = feat + <usize>n * cb;
    const xn = x + <usize>(n * P) * cb;
    for (let k: usize = 0; k < cb; k += 16) {
      let acc = v128.load(xn + k);
      for (let p = 1; p < P; p++) acc = f32x4.add(acc, v128.load(xn + <usize>p * cb + k));
      v128.store(f + k, f32x4.mul(acc, inv));
    }
  }
}

/** dx[n·P + p, c] = dfeat[n, c] / P: the transpose of poolMean */
export function unpool(dx: usize, dfeat: usize, N: i32, P: i32, C: i32): void {
  const cb = (<usize>C) << 2;
  const inv = f32x4.splat(<f32>1 / <f32>P);
  for (let n = 0; n < N; n++) {
    const f = dfeat + <usize>n * cb;
    for (let k: usize = 0; k < cb; k += 16) {
      const v = f32x4.mul(v128.load(f + k), inv);
      for (let p = 0; p < P; p++) v128.store(dx + <usize>(n * P + p) * cb + k, v);
    }
  }
}
