// Elementwise f32x4 operations on parameter-sized vectors (n % 4 == 0), the loss residuals and
// Adam with the project's exact formulas (src/core/meta/adam.ts).

/** dst = x − r ⊙ g */
export function subScaledTo(dst: usize, x: usize, r: usize, g: usize, n: i32): void {
  const bytes = (<usize>n) << 2;
  for (let k: usize = 0; k < bytes; k += 16) {
    v128.store(dst + k, f32x4.sub(v128.load(x + k), f32x4.mul(v128.load(r + k), v128.load(g + k))));
  }
}

/** dst += x */
export function addTo(dst: usize, x: usize, n: i32): void {
  const bytes = (<usize>n) << 2;
  for (let k: usize = 0; k < bytes; k += 16)
    v128.store(dst + k, f32x4.add(v128.load(dst + k), v128.load(x + k)));
}

/** dst −= x */
export function subTo(dst: usize, x: usize, n: i32): void {
  const bytes = (<usize>n) << 2;
  for (let k: usize = 0; k < bytes; k += 16)
    v128.store(dst + k, f32x4.sub(v128.load(dst + k), v128.load(x + k)));
}

/** dst = a ⊙ b */
export function mulTo(dst: usize, a: usize, b: usize, n: i32): void {
  const bytes = (<usize>n) << 2;
  for (let k: usize = 0; k < bytes; k += 16)
    v128.store(dst + k, f32x4.mul(v128.load(a + k), v128.load(b + k)));
}

/** dst −= a ⊙ b */
export function axpyNeg(dst: usize, a: usize, b: usize, n: i32): void {
  const bytes = (<usize>n) << 2;
  for (let k: usize = 0; k < bytes; k += 16) {
    v128.store(dst + k, f32x4.sub(v128.load(dst + k), f32x4.mul(v128.load(a + k), v128.load(b + k))));
  }
}

/** d = (out − y) · scale: the gradient of (scale/2)·Σ(out − y)² w.r.t. the outputs. */
export function residual(d: usize, out: usize, y: usize, n: i32, scale: f32): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(d + o, (load<f32>(out + o) - load<f32>(y + o)) * scale);
  }
}

/** Σ (out − y)², differences in f32 (as the reference computes them), summed in f64. */
export function squaredError(out: usize, y: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    const e = load<f32>(out + o) - load<f32>(y + o);
    s += <f64>(e * e);
  }
  return s;
}

/**
 * One Adam update of param with grad (β1 0.9, β2 0.999, ε 1e-8), step counter at `counter`:
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; param ← param − m·c1 / (√v·c2 + ε) with
 * c1 = lr/(1−β1^t), c2 = 1/√(1−β2^t), each constant rounded to f32 as tfjs does.
 */
export function adam(param: usize, grad: usize, m: usize, v: usize, counter: usize, lr: f64, n: i32): void {
  const t = load<i32>(counter) + 1;
  store<i32>(counter, t);
  const c1 = f32x4.splat(<f32>(lr / (1 - Math.pow(0.9, <f64>t))));
  const c2 = f32x4.splat(<f32>(1 / Math.sqrt(1 - Math.pow(0.999, <f64>t))));
  const b1 = f32x4.splat(<f32>0.9);
  const nb1 = f32x4.splat(<f32>(1 - 0.9));
  const b2 = f32x4.splat(<f32>0.999);
  const nb2 = f32x4.splat(<f32>(1 - 0.999));
  const eps = f32x4.splat(<f32>1e-8);
  const bytes = (<usize>n) << 2;
  for (let k: usize = 0; k < bytes; k += 16) {
    const g = v128.load(grad + k);
    const mk = f32x4.add(f32x4.mul(v128.load(m + k), b1), f32x4.mul(g, nb1));
    const vk = f32x4.add(f32x4.mul(v128.load(v + k), b2), f32x4.mul(f32x4.mul(g, g), nb2));
    const stepK = f32x4.div(f32x4.mul(mk, c1), f32x4.add(f32x4.mul(f32x4.sqrt(vk), c2), eps));
    v128.store(m + k, mk);
    v128.store(v + k, vk);
    v128.store(param + k, f32x4.sub(v128.load(param + k), stepK));
  }
}
