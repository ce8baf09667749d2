// Softmax cross-entropy over the first `ways` of WP logit columns (the padded ones are ignored).
import { ways, waysPadded } from './shape';

/**
 * For N rows of logits z (WP wide; prob may be z itself): prob = softmax(z), g = (prob − onehot(label))·scale (padded
 * columns 0). Returns Σ_n −log prob[n, label_n], summed in f64.
 */
export function softmaxCrossEntropy(
  prob: usize,
  g: usize,
  z: usize,
  labels: usize,
  N: i32,
  ways: i32,
  WP: i32,
  scale: f32,
): f64 {
  let loss: f64 = 0;
  const row = (<usize>WP) << 2;
  for (let n = 0; n < N; n++) {
    const zr = z + <usize>n * row;
    const pr = prob + <usize>n * row;
    const gr = g + <usize>n * row;
    let m = load<f32>(zr);
    for (let c = 1; c < ways; c++) m = max<f32>(m, load<f32>(zr + ((<usize>c) << 2)));
    const y = load<i32>(labels + ((<usize>n) << 2));
    const zy = load<f32>(zr + ((<usize>y) << 2)) - m;
    let sum: f32 = 0;
    for (let c = 0; c < ways; c++) {
      const e = Mathf.exp(load<f32>(zr + ((<usize>c) << 2)) - m);
      store<f32>(pr + ((<usize>c) << 2), e);
      sum += e;
    }
    loss += <f64>(Mathf.log(sum) - zy);
    const inv: f32 = <f32>1 / sum;
    for (let c = 0; c < WP; c++) {
      const o = (<usize>c) << 2;
      const p: f32 = c < ways ? load<f32>(pr + o) * inv : 0;
      store<f32>(pr + o, p);
      store<f32>(gr + o, (c == y ? p - 1 : p) * scale);
    }
  }
  return loss;
}

/** rg = (prob ⊙ rz − prob·(prob·rz))·scale: the R-value of g for logit derivatives rz. */
export function softmaxGradR(
  rg: usize,
  rz: usize,
  prob: usize,
  N: i32,
  ways: i32,
  WP: i32,
  scale: f32,
): void {
  const row = (<usize>WP) << 2;
  for (let n = 0; n < N; n++) {
    const zr = rz + <usize>n * row;
    const pr = prob + <usize>n * row;
    const gr = rg + <usize>n * row;
    let d: f32 = 0;
    for (let c = 0; c < ways; c++) d += load<f32>(pr + ((<usize>c) << 2)) * load<f32>(zr + ((<usize>c) << 2));
    for (let c = 0; c < WP; c++) {
      const o = (<usize>c) << 2;
      const v: f32 = c < ways ? load<f32>(pr + o) * (load<f32>(zr + o) - d) * scale : 0;
      store<f32>(gr + o, v);
    }
  }
}

/** The share of N rows whose largest probability (the first, on a tie) is at the label. */
export function queryAccuracy(prob: usize, labels: usize, N: i32): f32 {
  const row = (<usize>waysPadded) << 2;
  let right = 0;
  for (let n = 0; n < N; n++) {
    const pr = prob + <usize>n * row;
    let best = 0;
    let top = load<f32>(pr);
    for (let c = 1; c < ways; c++) {
      const p = load<f32>(pr + ((<usize>c) << 2));
      if (p > top) {
        top = p;
        best = c;
      }
    }
    if (best == load<i32>(labels + ((<usize>n) << 2))) right++;
  }
  return <f32>right / <f32>N;
}
