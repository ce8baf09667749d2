import type { RowLayout } from './layout';

/**
 * WGSL for one task's passes through the MLP, run by all invocations of a workgroup over the
 * task's row of the `result` buffer (see layout.ts). Layer loops are unrolled here in TypeScript
 * so every size and offset is a literal. Each pass ends with a storage barrier, because the next
 * pass reads what other invocations wrote; the functions are only called from uniform control
 * flow. Every sum runs in a fixed order (one invocation per output element), so a step is
 * deterministic.
 *
 * The shader around them provides: `fBase` (the row's first float), `fLid` (local invocation
 * index), `prm(s, i)` (θ after s inner steps, or the pretrained θ), `lr(i)` (inner learning rate of
 * parameter i) and `dir(i)` (the R-op direction α_i·λ_i).
 *
 * Maths (per task, N points, loss (1/N)·Σ(f(x) − y)²): forward z = a·W + b, a = relu(z);
 * backward δ_L = (2/N)(a_L − y), δ_l = (δ_{l+1}·W_lᵀ) ⊙ [z_l > 0], ∂W = aᵀδ, ∂b = Σδ. The R-op
 * (Pearlmutter 1994) differentiates all of that along a direction V in parameter space, giving the
 * Hessian-vector product H·V from the same sums: R{z} = R{a}·W + a·V_W + V_b, R{a} = R{z} ⊙ mask,
 * R{δ_L} = (2/N)·R{a_L}, R{δ_l} = (R{δ_{l+1}}·Wᵀ + δ_{l+1}·V_Wᵀ) ⊙ mask, H·V = R{a}ᵀδ + aᵀR{δ}.
 * ReLU's second derivative is zero almost everywhere, as in tfjs's gradients.
 */

function u(n: number): string {
  return `${n}u`;
}

/** Row offset of the input activations of layer l (the inputs x for l = 0). */
function inputAct(r: RowLayout, l: number): number {
  return l === 0 ? r.x : (r.act[l - 1] as number);
}

/** The forward pass at θ_s on n points; with `tangent` also the R-op's forward tangents. */
export function forwardPass(r: RowLayout, tangent: boolean): string {
  const body: string[] = [];
  for (let l = 0; l < r.layers; l++) {
    const nin = r.sizes[l] as number;
    const nout = r.sizes[l + 1] as number;
    const hidden = l < r.layers - 1;
    const w = r.wOff[l] as number;
    const b = r.bOff[l] as number;
    const rIn = l > 0 && tangent ? (r.rAct[l - 1] as number) : -1;
    const out = r.act[l] as number;
    body.push(`
  for (var e = fLid; e < n * ${u(nout)}; e += ${u(r.workgroup)}) {
    let k = e / ${u(nout)};
    let o = e % ${u(nout)};
    var z = 0.0;
    ${tangent ? 'var rz = 0.0;' : ''}
    for (var i = 0u; i < ${u(nin)}; i++) {
      let a = result[fBase + ${u(inputAct(r, l))} + k * ${u(nin)} + i];
      let wi = ${u(w)} + i * ${u(nout)} + o;
      let wv = prm(s, wi);
      z = z + a * wv;
      ${tangent ? `rz = rz + a * dir(wi)${rIn >= 0 ? ` + result[fBase + ${u(rIn)} + k * ${u(nin)} + i] * wv` : ''};` : ''}
    }
    z = z + prm(s, ${u(b)} + o);
    ${tangent ? `rz = rz + dir(${u(b)} + o);` : ''}
    ${
      hidden
        ? `let on = z > 0.0;
    result[fBase + ${u(out)} + e] = select(0.0, z, on);
    ${tangent ? `result[fBase + ${u(r.rAct[l] as number)} + e] = select(0.0, rz, on);` : ''}`
        : `result[fBase + ${u(out)} + e] = z;
    ${tangent ? `result[fBase + ${u(r.rAct[l] as number)} + e] = rz;` : ''}`
    }
  }
  storageBarrier();`);
  }
  return `fn forward${tangent ? 'R' : ''}(s: u32, n: u32) {${body.join('')}
}`;
}

/** The backward pass (deltas of every layer) at θ_s; with `tangent` also their R-op tangents. */
export function backwardPass(r: RowLayout, tangent: boolean): string {
  const L = r.layers;
  const outAct = r.act[L - 1] as number;
  const outDelta = r.delta[L - 1] as number;
  const body: string[] = [
    `
  let c = 2.0 / f32(n);
  for (var k = fLid; k < n; k += ${u(r.workgroup)}) {
    result[fBase + ${u(outDelta)} + k] = c * (result[fBase + ${u(outAct)} + k] - result[fBase + ${u(r.y)} + k]);
    ${tangent ? `result[fBase + ${u(r.rDelta[L - 1] as number)} + k] = c * result[fBase + ${u(r.rAct[L - 1] as number)} + k];` : ''}
  }
  storageBarrier();`,
  ];
  // the delta of activation layer h + 1 (width H) from the next one (width O) through W_{h+1}
  for (let h = L - 2; h >= 0; h--) {
    const H = r.sizes[h + 1] as number;
    const O = r.sizes[h + 2] as number;
    const w = r.wOff[h + 1] as number;
    const next = r.delta[h + 1] as number;
    const rNext = r.rDelta[h + 1] as number;
    body.push(`
  for (var e = fLid; e < n * ${u(H)}; e += ${u(r.workgroup)}) {
    let k = e / ${u(H)};
    let i = e % ${u(H)};
    var d = 0.0;
    ${tangent ? 'var rd = 0.0;' : ''}
    if (result[fBase + ${u(r.act[h] as number)} + e] > 0.0) {
      for (var o = 0u; o < ${u(O)}; o++) {
        let wi = ${u(w)} + i * ${u(O)} + o;
        let wv = prm(s, wi);
        let dn = result[fBase + ${u(next)} + k * ${u(O)} + o];
        d = d + dn * wv;
        ${tangent ? `rd = rd + result[fBase + ${u(rNext)} + k * ${u(O)} + o] * wv + dn * dir(wi);` : ''}
      }
    }
    result[fBase + ${u(r.delta[h] as number)} + e] = d;
    ${tangent ? `result[fBase + ${u(r.rDelta[h] as number)} + e] = rd;` : ''}
  }
  storageBarrier();`);
  }
  return `fn backward${tangent ? 'R' : ''}(s: u32, n: u32) {${body.join('')}
}`;
}

/**
 * A pass over every parameter j: its gradient g (and with `tangent` its Hessian-vector product
 * hv), then `action`, a WGSL statement over j, g, hv, s. One invocation owns parameter j, so an
 * action may read and write j's own entries in place.
 */
export function parameterPass(r: RowLayout, name: string, tangent: boolean, action: string): string {
  const body: string[] = [];
  for (let l = 0; l < r.layers; l++) {
    const nin = r.sizes[l] as number;
    const nout = r.sizes[l + 1] as number;
    const a = inputAct(r, l);
    const d = r.delta[l] as number;
    const rd = r.rDelta[l] as number;
    const ra = l > 0 && tangent ? (r.rAct[l - 1] as number) : -1;
    body.push(`
  for (var e = fLid; e < ${u(nin * nout)}; e += ${u(r.workgroup)}) {
    let i = e / ${u(nout)};
    let o = e % ${u(nout)};
    var g = 0.0;
    var hv = 0.0;
    for (var k = 0u; k < n; k++) {
      let av = result[fBase + ${u(a)} + k * ${u(nin)} + i];
      let dv = result[fBase + ${u(d)} + k * ${u(nout)} + o];
      g = g + av * dv;
      ${tangent ? `hv = hv + av * result[fBase + ${u(rd)} + k * ${u(nout)} + o]${ra >= 0 ? ` + result[fBase + ${u(ra)} + k * ${u(nin)} + i] * dv` : ''};` : ''}
    }
    let j = ${u(r.wOff[l] as number)} + e;
    ${action}
  }
  for (var o = fLid; o < ${u(nout)}; o += ${u(r.workgroup)}) {
    var g = 0.0;
    var hv = 0.0;
    for (var k = 0u; k < n; k++) {
      g = g + result[fBase + ${u(d)} + k * ${u(nout)} + o];
      ${tangent ? `hv = hv + result[fBase + ${u(rd)} + k * ${u(nout)} + o];` : ''}
    }
    let j = ${u(r.bOff[l] as number)} + o;
    ${action}
  }`);
  }
  return `fn ${name}(s: u32, n: u32) {${body.join('')}
  storageBarrier();
}`;
}

/** Mean squared error of the current pass on n points, written by one invocation. */
export function lossPass(r: RowLayout): string {
  const out = r.act[r.layers - 1] as number;
  return `fn writeLoss(n: u32) {
  if (fLid == 0u) {
    var acc = 0.0;
    for (var k = 0u; k < n; k++) {
      let d = result[fBase + ${u(out)} + k] - result[fBase + ${u(r.y)} + k];
      acc = acc + d * d;
    }
    result[fBase + ${u(r.loss)}] = acc / f32(n);
  }
}`;
}
