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
 * index), `wmem` (the activations, when they fit workgroup memory), `prm(s, i)` (θ after s inner steps, or the pretrained θ), `lr(i)` (inner learning rate of
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

/** An activation-area element: workgroup memory `wmem`, or the row in `result`. */
export function actAt(r: RowLayout, offset: number, index: string): string {
  return r.shared ? `wmem[${u(offset)} + ${index}]` : `result[fBase + ${u(r.actBase + offset)} + ${index}]`;
}

/** After a pass that wrote activations only. */
export function actBarrier(r: RowLayout): string {
  return r.shared ? 'workgroupBarrier();' : 'storageBarrier();';
}

/** After a pass that wrote the row (θ_s, λ) and may be followed by activation writes. */
export function fullBarrier(r: RowLayout): string {
  return r.shared ? 'workgroupBarrier();\n  storageBarrier();' : 'storageBarrier();';
}

/** Row offset of the input activations of layer l (the inputs x for l = 0). */
function inputAct(r: RowLayout, l: number): number {
  return l === 0 ? r.x : (r.act[l - 1] as number);
}

/**
 * One forward layer with 4 outputs per invocation (vec4 accumulators): one read of each input
 * activation serves 4 weights, where the scalar loop reads it 4 times. Each output still sums
 * over i in the same order, so the results are the same bits.
 */
function forwardLayer4(r: RowLayout, l: number, tangent: boolean): string {
  const nin = r.sizes[l] as number;
  const nout = r.sizes[l + 1] as number;
  const groups = nout / 4;
  const hidden = l < r.layers - 1;
  const rIn = l > 0 && tangent ? (r.rAct[l - 1] as number) : -1;
  const out = r.act[l] as number;
  const rOut = r.rAct[l] as number;
  const store = (at: number, v: string) =>
    [0, 1, 2, 3].map((c) => `${actAt(r, at, `k * ${u(nout)} + o + ${u(c)}`)} = ${v}[${c}];`).join('\n    ');
  return `
  for (var e = fLid; e < n * ${u(groups)}; e += ${u(r.workgroup)}) {
    let k = e / ${u(groups)};
    let o = (e % ${u(groups)}) * 4u;
    var z = vec4<f32>(0.0);
    ${tangent ? 'var rz = vec4<f32>(0.0);' : ''}
    for (var i = 0u; i < ${u(nin)}; i++) {
      let a = ${actAt(r, inputAct(r, l), `k * ${u(nin)} + i`)};
      let wi = ${u(r.wOff[l] as number)} + i * ${u(nout)} + o;
      let wv = prm4(s, wi);
      z = z + a * wv;
      ${tangent ? `rz = rz + a * dir4(wi)${rIn >= 0 ? ` + ${actAt(r, rIn, `k * ${u(nin)} + i`)} * wv` : ''};` : ''}
    }
    z = z + prm4(s, ${u(r.bOff[l] as number)} + o);
    ${tangent ? `rz = rz + dir4(${u(r.bOff[l] as number)} + o);` : ''}
    ${hidden ? 'let on = z > vec4<f32>(0.0);\n    z = select(vec4<f32>(0.0), z, on);' : ''}
    ${store(out, 'z')}
    ${tangent ? `${hidden ? 'rz = select(vec4<f32>(0.0), rz, on);' : ''}\n    ${store(rOut, 'rz')}` : ''}
  }
  ${actBarrier(r)}`;
}

/** The forward pass at θ_s on n points; with `tangent` also the R-op's forward tangents. */
export function forwardPass(r: RowLayout, tangent: boolean): string {
  const body: string[] = [];
  for (let l = 0; l < r.layers; l++) {
    if (r.blocked && (r.sizes[l + 1] as number) % 4 === 0) {
      body.push(forwardLayer4(r, l, tangent));
      continue;
    }
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
      let a = ${actAt(r, inputAct(r, l), `k * ${u(nin)} + i`)};
      let wi = ${u(w)} + i * ${u(nout)} + o;
      let wv = prm(s, wi);
      z = z + a * wv;
      ${tangent ? `rz = rz + a * dir(wi)${rIn >= 0 ? ` + ${actAt(r, rIn, `k * ${u(nin)} + i`)} * wv` : ''};` : ''}
    }
    z = z + prm(s, ${u(b)} + o);
    ${tangent ? `rz = rz + dir(${u(b)} + o);` : ''}
    ${
      hidden
        ? `let on = z > 0.0;
    ${actAt(r, out, 'e')} = select(0.0, z, on);
    ${tangent ? `${actAt(r, r.rAct[l] as number, 'e')} = select(0.0, rz, on);` : ''}`
        : `${actAt(r, out, 'e')} = z;
    ${tangent ? `${actAt(r, r.rAct[l] as number, 'e')} = rz;` : ''}`
    }
  }
  ${actBarrier(r)}`);
  }
  return `fn forward${tangent ? 'R' : ''}(s: u32, n: u32) {${body.join('')}
}`;
}

/**
 * The delta of activation layer h + 1 for 4 consecutive units per invocation: one read of each
 * next-layer delta serves 4 weights. Dead units get 0 by a select instead of a skipped loop; the
 * live ones sum in the same order as the scalar loop (same bits).
 */
function backwardLayer4(r: RowLayout, h: number, tangent: boolean): string {
  const H = r.sizes[h + 1] as number;
  const O = r.sizes[h + 2] as number;
  const groups = H / 4;
  const w = r.wOff[h + 1] as number;
  const next = r.delta[h + 1] as number;
  const rNext = r.rDelta[h + 1] as number;
  const four = (f: (c: number) => string) => `vec4<f32>(${[0, 1, 2, 3].map(f).join(', ')})`;
  const at = (off: number, c: number) => actAt(r, off, `k * ${u(H)} + i + ${u(c)}`);
  const store = (off: number, v: string) =>
    [0, 1, 2, 3].map((c) => `${at(off, c)} = ${v}[${c}];`).join('\n    ');
  return `
  for (var e = fLid; e < n * ${u(groups)}; e += ${u(r.workgroup)}) {
    let k = e / ${u(groups)};
    let i = (e % ${u(groups)}) * 4u;
    let on = ${four((c) => at(r.act[h] as number, c))} > vec4<f32>(0.0);
    var d = vec4<f32>(0.0);
    ${tangent ? 'var rd = vec4<f32>(0.0);' : ''}
    for (var o = 0u; o < ${u(O)}; o++) {
      let wi = ${u(w)} + i * ${u(O)} + o;
      let wv = ${four((c) => `prm(s, wi + ${u(c * O)})`)};
      let dn = ${actAt(r, next, `k * ${u(O)} + o`)};
      d = d + dn * wv;
      ${tangent ? `rd = rd + ${actAt(r, rNext, `k * ${u(O)} + o`)} * wv + dn * ${four((c) => `dir(wi + ${u(c * O)})`)};` : ''}
    }
    d = select(vec4<f32>(0.0), d, on);
    ${store(r.delta[h] as number, 'd')}
    ${tangent ? `rd = select(vec4<f32>(0.0), rd, on);\n    ${store(r.rDelta[h] as number, 'rd')}` : ''}
  }
  ${actBarrier(r)}`;
}

/**
 * The backward pass (deltas of every layer) at θ_s, for a loss whose output delta is
 * c·(f − y); with `tangent` also their R-op tangents.
 */
export function backwardPass(r: RowLayout, tangent: boolean): string {
  const L = r.layers;
  const outAct = r.act[L - 1] as number;
  const outDelta = r.delta[L - 1] as number;
  const body: string[] = [
    `
  for (var k = fLid; k < n; k += ${u(r.workgroup)}) {
    ${actAt(r, outDelta, 'k')} = c * (${actAt(r, outAct, 'k')} - ${actAt(r, r.y, 'k')});
    ${tangent ? `${actAt(r, r.rDelta[L - 1] as number, 'k')} = c * ${actAt(r, r.rAct[L - 1] as number, 'k')};` : ''}
  }
  ${actBarrier(r)}`,
  ];
  // the delta of activation layer h + 1 (width H) from the next one (width O) through W_{h+1}
  for (let h = L - 2; h >= 0; h--) {
    const H = r.sizes[h + 1] as number;
    const O = r.sizes[h + 2] as number;
    const w = r.wOff[h + 1] as number;
    const next = r.delta[h + 1] as number;
    const rNext = r.rDelta[h + 1] as number;
    if (r.blocked && H % 4 === 0) {
      body.push(backwardLayer4(r, h, tangent));
      continue;
    }
    body.push(`
  for (var e = fLid; e < n * ${u(H)}; e += ${u(r.workgroup)}) {
    let k = e / ${u(H)};
    let i = e % ${u(H)};
    var d = 0.0;
    ${tangent ? 'var rd = 0.0;' : ''}
    if (${actAt(r, r.act[h] as number, 'e')} > 0.0) {
      for (var o = 0u; o < ${u(O)}; o++) {
        let wi = ${u(w)} + i * ${u(O)} + o;
        let wv = prm(s, wi);
        let dn = ${actAt(r, next, `k * ${u(O)} + o`)};
        d = d + dn * wv;
        ${tangent ? `rd = rd + ${actAt(r, rNext, `k * ${u(O)} + o`)} * wv + dn * dir(wi);` : ''}
      }
    }
    ${actAt(r, r.delta[h] as number, 'e')} = d;
    ${tangent ? `${actAt(r, r.rDelta[h] as number, 'e')} = rd;` : ''}
  }
  ${actBarrier(r)}`);
  }
  return `fn backward${tangent ? 'R' : ''}(s: u32, n: u32, c: f32) {${body.join('')}
}`;
}

/**
 * The weight gradients of layer l with 4 consecutive outputs per invocation: one read of each
 * input activation serves 4 deltas. The sums over points keep their order (same bits), and the
 * action runs once per parameter, each in its own scope.
 */
function weightGrads4(r: RowLayout, l: number, tangent: boolean, action: string): string {
  const nin = r.sizes[l] as number;
  const nout = r.sizes[l + 1] as number;
  const groups = nout / 4;
  const a = inputAct(r, l);
  const d = r.delta[l] as number;
  const rd = r.rDelta[l] as number;
  const ra = l > 0 && tangent ? (r.rAct[l - 1] as number) : -1;
  const vec = (at: number) =>
    `vec4<f32>(${[0, 1, 2, 3].map((c) => actAt(r, at, `k * ${u(nout)} + o + ${u(c)}`)).join(', ')})`;
  const each = [0, 1, 2, 3]
    .map(
      (c) => `{
      let j = ${u(r.wOff[l] as number)} + i * ${u(nout)} + o + ${u(c)};
      let g = g4[${c}];
      let hv = hv4[${c}];
      ${action}
    }`,
    )
    .join('\n    ');
  return `
  for (var e = fLid; e < ${u(nin * groups)}; e += ${u(r.workgroup)}) {
    let i = e / ${u(groups)};
    let o = (e % ${u(groups)}) * 4u;
    var g4 = vec4<f32>(0.0);
    var hv4 = vec4<f32>(0.0);
    for (var k = 0u; k < n; k++) {
      let av = ${actAt(r, a, `k * ${u(nin)} + i`)};
      let dv = ${vec(d)};
      g4 = g4 + av * dv;
      ${tangent ? `hv4 = hv4 + av * ${vec(rd)}${ra >= 0 ? ` + ${actAt(r, ra, `k * ${u(nin)} + i`)} * dv` : ''};` : ''}
    }
    ${each}
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
    if (r.blocked && nout % 4 === 0) {
      body.push(weightGrads4(r, l, tangent, action));
    } else {
      body.push(`
  for (var e = fLid; e < ${u(nin * nout)}; e += ${u(r.workgroup)}) {
    let i = e / ${u(nout)};
    let o = e % ${u(nout)};
    var g = 0.0;
    var hv = 0.0;
    for (var k = 0u; k < n; k++) {
      let av = ${actAt(r, a, `k * ${u(nin)} + i`)};
      let dv = ${actAt(r, d, `k * ${u(nout)} + o`)};
      g = g + av * dv;
      ${tangent ? `hv = hv + av * ${actAt(r, rd, `k * ${u(nout)} + o`)}${ra >= 0 ? ` + ${actAt(r, ra, `k * ${u(nin)} + i`)} * dv` : ''};` : ''}
    }
    let j = ${u(r.wOff[l] as number)} + e;
    ${action}
  }`);
    }
    body.push(`
  for (var o = fLid; o < ${u(nout)}; o += ${u(r.workgroup)}) {
    var g = 0.0;
    var hv = 0.0;
    for (var k = 0u; k < n; k++) {
      g = g + ${actAt(r, d, `k * ${u(nout)} + o`)};
      ${tangent ? `hv = hv + ${actAt(r, rd, `k * ${u(nout)} + o`)};` : ''}
    }
    let j = ${u(r.bOff[l] as number)} + o;
    ${action}
  }`);
  }
  return `fn ${name}(s: u32, n: u32) {${body.join('')}
  ${fullBarrier(r)}
}`;
}

/** Squared error of the current pass on n points, times `scale`, written (or added) by one invocation. */
export function lossPass(r: RowLayout): string {
  const out = r.act[r.layers - 1] as number;
  return `fn writeLoss(n: u32, scale: f32, add: bool) {
  if (fLid == 0u) {
    var acc = 0.0;
    for (var k = 0u; k < n; k++) {
      let d = ${actAt(r, out, 'k')} - ${actAt(r, r.y, 'k')};
      acc = acc + d * d;
    }
    let before = select(0.0, result[fBase + ${u(r.loss)}], add);
    result[fBase + ${u(r.loss)}] = before + acc * scale;
  }
}`;
}
