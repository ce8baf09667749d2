/**
 * How far can ONE inner step go on the harder sinusoid benchmark (preset=metasgd-sinusoid: A in
 * [0.1, 5], ω in [0.8, 1.2], φ in [0, π], x in [−5, 5], K = 5)? A bound by regression, not by
 * training a network.
 *
 * One gradient step on the support set moves θ by Δθ = −α Σ_i r_i ∇f(x_i) (r_i the residuals),
 * linear in the support labels y_i. To first order in Δθ the adapted prediction at x is
 * f(x) + Σ_i k(x, x_i) (y_i − f(x_i)) for some kernel k: a function of the labels of degree 1.
 * This script fits the best such predictor over ALL kernels k and ALL initial functions f (with the
 * support points' positions in `bins` bins), as a least-squares regression of the query labels on
 * the features [1, Σ_{i in bin g} y_i, (points in bin g)], and reports its held-out MSE: no
 * one-step learner in the linear regime (MAML, Meta-SGD, MAML++ with small steps) can do better.
 * `--degree 2` adds the products of those features (a prediction quadratic in the labels, what a
 * step's second-order terms can add) to show how much a nonlinear step could win.
 *
 *   npx tsx scripts/one-step-bound.ts --degree 1 --bins 100
 *   npx tsx scripts/one-step-bound.ts --degree 2 --bins 30
 */
import { Rng } from '../src/core/random';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const DEGREE = arg('degree', 1);
const BINS = arg('bins', DEGREE === 1 ? 100 : 30);
const TRAIN = arg('train', 400_000);
const TEST = arg('test', 50_000);
const SEED = arg('seed', 1);
const K = 5;
const Q = 100;
const XQ = Float64Array.from({ length: Q }, (_, i) => -5 + (10 * i) / (Q - 1));

// feature layout: 1, then per bin the label sum s_g and the count n_g, then (degree 2) the
// products s_g s_h, s_g n_h, n_g n_h over unordered pairs of the 2·BINS first-degree features
const FIRST = 2 * BINS;
const pairIndex = (a: number, b: number): number => {
  const [i, j] = a <= b ? [a, b] : [b, a];
  return 1 + FIRST + (i * (2 * FIRST - i + 1)) / 2 + (j - i);
};
const FEATURES = DEGREE === 1 ? 1 + FIRST : 1 + FIRST + (FIRST * (FIRST + 1)) / 2;

interface Task {
  /** sparse features: indices and values */
  idx: number[];
  val: number[];
  yq: Float64Array;
}

function drawTask(rng: Rng): Task {
  const a = rng.uniform(0.1, 5);
  const w = rng.uniform(0.8, 1.2);
  const p = rng.uniform(0, Math.PI);
  const first = new Map<number, number>();
  for (let i = 0; i < K; i++) {
    const x = rng.uniform(-5, 5);
    const g = Math.min(BINS - 1, Math.floor(((x + 5) / 10) * BINS));
    first.set(2 * g, (first.get(2 * g) ?? 0) + a * Math.sin(w * x - p));
    first.set(2 * g + 1, (first.get(2 * g + 1) ?? 0) + 1);
  }
  const idx = [0];
  const val = [1];
  for (const [f, v] of first) {
    idx.push(1 + f);
    val.push(v);
  }
  if (DEGREE === 2) {
    const fs = [...first.entries()];
    for (let u = 0; u < fs.length; u++)
      for (let v = u; v < fs.length; v++) {
        const [fu, xu] = fs[u] as [number, number];
        const [fv, xv] = fs[v] as [number, number];
        idx.push(pairIndex(fu, fv));
        val.push(xu * xv);
      }
  }
  const yq = XQ.map((x) => a * Math.sin(w * x - p));
  return { idx, val, yq };
}

/** Solves (A + λI) X = B in place by Cholesky (A symmetric positive semi-definite, n × n; B n × Q). */
function solve(A: Float64Array, B: Float64Array, n: number, ridge: number): Float64Array {
  for (let i = 0; i < n; i++) A[i * n + i] = (A[i * n + i] as number) + ridge;
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (A[j * n + k] as number) ** 2;
    const l = Math.sqrt(Math.max(d, 1e-300));
    A[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (A[i * n + k] as number) * (A[j * n + k] as number);
      A[i * n + j] = s / l;
    }
  }
  for (let c = 0; c < Q; c++) {
    for (let i = 0; i < n; i++) {
      let s = B[i * Q + c] as number;
      for (let k = 0; k < i; k++) s -= (A[i * n + k] as number) * (B[k * Q + c] as number);
      B[i * Q + c] = s / (A[i * n + i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = B[i * Q + c] as number;
      for (let k = i + 1; k < n; k++) s -= (A[k * n + i] as number) * (B[k * Q + c] as number);
      B[i * Q + c] = s / (A[i * n + i] as number);
    }
  }
  return B;
}

function main(): void {
  const t0 = Date.now();
  const n = FEATURES;
  const A = new Float64Array(n * n);
  const B = new Float64Array(n * Q);
  const rng = Rng.stream(SEED, 'one-step-bound');
  for (let t = 0; t < TRAIN; t++) {
    const { idx, val, yq } = drawTask(rng);
    for (let u = 0; u < idx.length; u++) {
      const [i, x] = [idx[u] as number, val[u] as number];
      for (let v = 0; v < idx.length; v++) A[i * n + (idx[v] as number)] += x * (val[v] as number);
      for (let c = 0; c < Q; c++) B[i * Q + c] += x * (yq[c] as number);
    }
  }
  const W = solve(A, B, n, 1e-6 * TRAIN);
  const test = Rng.stream(SEED, 'one-step-bound-test');
  let se = 0;
  let zeroShot = 0;
  const mean = new Float64Array(Q);
  const tasks = Array.from({ length: TEST }, () => drawTask(test));
  for (const t of tasks) t.yq.forEach((y, c) => (mean[c] += y / TEST));
  for (const { idx, val, yq } of tasks)
    for (let c = 0; c < Q; c++) {
      let pred = 0;
      for (let u = 0; u < idx.length; u++)
        pred += (val[u] as number) * (W[(idx[u] as number) * Q + c] as number);
      se += (pred - (yq[c] as number)) ** 2;
      zeroShot += ((mean[c] as number) - (yq[c] as number)) ** 2;
    }
  const out = {
    degree: DEGREE,
    bins: BINS,
    features: n,
    trainTasks: TRAIN,
    testTasks: TEST,
    mse: se / (TEST * Q),
    zeroShotMse: zeroShot / (TEST * Q),
    seconds: (Date.now() - t0) / 1000,
  };
  console.log(JSON.stringify(out));
}

main();
