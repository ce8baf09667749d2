import type { GlyphAlgo } from '../fusedGlyph/mamlpp';
import { LSLR_STEPS } from '../../meta/mamlppSchedule';

/**
 * Where everything lives for the fused WebGPU glyph meta-step: the geometry of the network in the
 * project's flat θ order (src/core/models/glyphNets.ts: per layer W, then γ, β or b; then head W,
 * head b; no padding), and one task's row of the per-task buffer. The WGSL generators bake these
 * numbers in as literals.
 */

export const IMAGE = 28;
export const PIXELS = IMAGE * IMAGE;
/** ε of batch norm (glyphNets' BATCH_NORM_EPSILON) */
export const BN_EPSILON = 1e-3;

export interface GlyphNet {
  net: 'conv' | 'fc';
  ways: number;
  filters: number;
  blocks: number;
  hidden: readonly number[];
  batchNorm: boolean;
}

/** One hidden layer: input matrix [rows × K] (conv: 3×3 patches, fc: the previous activations). */
export interface LayerGeometry {
  /** input channels (conv) or input width (fc) */
  cin: number;
  /** columns of the input matrix: 9·cin (conv) or cin (fc) */
  k: number;
  /** output channels */
  f: number;
  /** input and output grid side (1 for fc) and the top/left SAME padding */
  sIn: number;
  sOut: number;
  pad: number;
  /** offsets in θ of W [k × f], of γ (or the bias) and of β (the bias again without batch norm) */
  offW: number;
  offG: number;
  offB: number;
}

export interface Geometry {
  conv: boolean;
  batchNorm: boolean;
  ways: number;
  layers: LayerGeometry[];
  /** channels after the last layer and positions averaged per image */
  last: number;
  positions: number;
  headW: number;
  headB: number;
  params: number;
}

export function geometry(n: GlyphNet): Geometry {
  const widths = n.net === 'conv' ? new Array<number>(n.blocks).fill(n.filters) : [...n.hidden];
  const layers: LayerGeometry[] = [];
  let o = 0;
  let cin = n.net === 'conv' ? 1 : PIXELS;
  let size = n.net === 'conv' ? IMAGE : 1;
  for (const f of widths) {
    const conv = n.net === 'conv';
    const sOut = conv ? Math.ceil(size / 2) : 1;
    const pad = conv ? Math.max((sOut - 1) * 2 + 3 - size, 0) >> 1 : 0;
    const k = conv ? 9 * cin : cin;
    const offW = o;
    o += k * f;
    const offG = o;
    o += f;
    const offB = n.batchNorm ? o : offG;
    if (n.batchNorm) o += f;
    layers.push({ cin, k, f, sIn: size, sOut, pad, offW, offG, offB });
    cin = f;
    size = sOut;
  }
  const headW = o;
  o += cin * n.ways;
  const headB = o;
  o += n.ways;
  return {
    conv: n.net === 'conv',
    batchNorm: n.batchNorm,
    ways: n.ways,
    layers,
    last: cin,
    positions: size * size,
    headW,
    headB,
    params: o,
  };
}

/** Rows of layer l's matrices per image. */
export const rowsPerImage = (l: LayerGeometry): number => l.sOut * l.sOut;

/**
 * Whether the algorithm's program holds the Hessian-vector products (MAML++ runs them only in its
 * second-order phase, a uniform branch).
 */
export function secondOrder(algo: GlyphAlgo): boolean {
  return algo === 'maml' || algo === 'metasgd' || algo === 'mamlpp';
}

/**
 * MAML++'s θ length with batch norm's queue of LSLR_STEPS further γ/β sets, and its learned rates'
 * length [LSLR_STEPS × tensors] (the network's tensors, and with batch norm the queue as one more):
 * the numbers of mamlppGlyph.ts, computed here from the geometry alone.
 */
export function mamlppSizes(geo: Geometry): { thetaLength: number; rates: number; tensors: number } {
  const set = geo.batchNorm ? geo.layers.reduce((a, l) => a + 2 * l.f, 0) : 0;
  const tensors = geo.layers.length * (geo.batchNorm ? 3 : 2) + 2 + (geo.batchNorm ? 1 : 0);
  return { thetaLength: geo.params + LSLR_STEPS * set, rates: LSLR_STEPS * tensors, tensors };
}

/** Per hidden layer, offsets of its activations in the row (−1: not kept for this network). */
export interface LayerSlots {
  z: number;
  a: number;
  dy: number;
  dz: number;
  mu: number;
  s: number;
  m1: number;
  m2: number;
  rz: number;
  ra: number;
  rdy: number;
  rdz: number;
  rs: number;
  rm1: number;
  rm2: number;
}

export interface RowShape {
  algo: GlyphAlgo;
  inner: number;
  /** support and query images per task (ways·shots, ways·query) */
  support: number;
  query: number;
}

/**
 * One row of the per-task buffer (floats): the meta-gradient (the adjoint λ while it runs;
 * Reptile: θ − θ′), Meta-SGD's ∂/∂α, the task's query loss, a support gradient g_s, a
 * Hessian-vector product (in g_s's floats except for Meta-SGD), θ_0..θ_n, then one pass's
 * activations for max(support, query) images and, for second-order algorithms, their R-op
 * tangents (for the support images). MAML++ (`params` its longer θ, mamlppSizes): the gradient of
 * θ with its sets, the rates' gradient, the loss, every inner step's support gradient (g_s at
 * gs + s·P), the Hessian-vector product, a scratch of θ's length (the walk back's permutation, an
 * intermediate query gradient), θ_0..θ_n (θ's length each), then the activations as above.
 */
export interface GlyphRow {
  params: number;
  grad: number;
  gradAlpha: number;
  /** MAML++'s rates' gradient [LSLR_STEPS × tensors] of `rates` floats and its scratch (−1 and 0 otherwise) */
  gradRates: number;
  rates: number;
  scratch: number;
  loss: number;
  gs: number;
  hv: number;
  thetaSlot: number;
  images: number;
  layers: LayerSlots[];
  feat: number;
  prob: number;
  g: number;
  dfeat: number;
  lossN: number;
  rfeat: number;
  rg: number;
  rdfeat: number;
  stride: number;
}

export function glyphRow(geo: Geometry, shape: RowShape): GlyphRow {
  const pp = shape.algo === 'mamlpp' ? mamlppSizes(geo) : null;
  const P = pp?.thetaLength ?? geo.params;
  const second = secondOrder(shape.algo);
  const bn = geo.batchNorm;
  let o = 0;
  const take = (n: number, keep = true) => {
    if (!keep) return -1;
    const at = o;
    o += n;
    return at;
  };
  const grad = take(P);
  const gradAlpha = take(P, shape.algo === 'metasgd');
  const gradRates = pp ? take(pp.rates) : -1;
  const loss = take(4);
  const gs = take((pp ? shape.inner : 1) * geo.params);
  // H·v overwrites the support gradient of the same step, which only Meta-SGD and MAML++ still need then
  const hv = shape.algo === 'metasgd' || pp ? take(geo.params) : second ? gs : -1;
  const scratch = pp ? take(P) : -1;
  const thetaSlot = take((shape.inner + 1) * P);
  const images = Math.max(shape.support, shape.query);
  const layers = geo.layers.map((l): LayerSlots => {
    const n = images * rowsPerImage(l) * l.f;
    // R-op tangents only ever run on the support images
    const nr = shape.support * rowsPerImage(l) * l.f;
    return {
      z: take(n),
      a: take(n),
      dy: take(n),
      dz: take(n, bn),
      mu: take(l.f, bn),
      s: take(l.f, bn),
      m1: take(l.f, bn),
      m2: take(l.f, bn),
      rz: take(nr, second),
      ra: take(nr, second),
      rdy: take(nr, second),
      rdz: take(nr, second && bn),
      rs: take(l.f, second && bn),
      rm1: take(l.f, second && bn),
      rm2: take(l.f, second && bn),
    };
  });
  const C = geo.last;
  const W = geo.ways;
  const head = {
    feat: take(images * C),
    prob: take(images * W),
    g: take(images * W),
    dfeat: take(images * C),
    lossN: take(images),
    rfeat: take(shape.support * C, second),
    rg: take(shape.support * W, second),
    rdfeat: take(shape.support * C, second),
  };
  const slots = { grad, gradAlpha, gradRates, scratch, loss, gs, hv, thetaSlot };
  return { params: P, rates: pp?.rates ?? 0, ...slots, images, layers, ...head, stride: o };
}

/** Floats per task in the packed batch: support images, labels, query images, labels. */
export function batchStride(shape: Pick<RowShape, 'support' | 'query'>): number {
  return (shape.support + shape.query) * (PIXELS + 1);
}

/**
 * Multiply-adds of one meta-step, estimated: a plain pass (forward, backward, weight sums) costs
 * about 3 multiply-adds per weight use, an R-op pass about 9; second-order algorithms also redo
 * a plain pass per inner step on the way back, and MAML++ a query pass per step before the last.
 */
export function glyphStepMacs(geo: Geometry, shape: RowShape, tasks: number): number {
  let perImage = geo.last * geo.ways;
  for (const l of geo.layers) perImage += rowsPerImage(l) * l.k * l.f;
  const plain = (n: number) => 3 * n * perImage;
  let perTask = shape.inner * plain(shape.support) + plain(shape.query);
  if (secondOrder(shape.algo)) perTask += shape.inner * (plain(shape.support) + 3 * plain(shape.support));
  // MAML++ scores the query set after every inner step (its annealed multi-step loss)
  if (shape.algo === 'mamlpp') perTask += (shape.inner - 1) * plain(shape.query);
  return tasks * perTask;
}

/** Invocations per workgroup of the elementwise programs (moments, updates). */
export const FLAT_WORKGROUP = 64;
