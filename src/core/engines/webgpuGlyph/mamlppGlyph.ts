/**
 * MAML++'s pieces for the fused WGSL glyph meta-step, in the project's flat θ order (the order of
 * StepNormClassifier and of the WebAssembly engine's state): θ is the network (layout.geometry)
 * followed, with batch norm, by a queue of LSLR_STEPS further sets of every γ and β (per layer γ
 * then β, as they lie in the network); the learned rates are [LSLR_STEPS × tensors], the tensors
 * being the network's in θ's order and, with batch norm, the queue as one more.
 *
 * Every inner step ends with advance(): θ_after[j] = θ_before[source(j)], a permutation that puts
 * the queue's first set into the network's batch-norm places and the used set at the back; the
 * walk back undoes it on the adjoint with target(), its inverse (λ_before[i] = λ_after[target(i)]).
 * `advanceSource` / `advanceTarget` compute the maps in TypeScript with the same arithmetic as the
 * WGSL functions `kSetSource` / `kSetTarget` that `advanceWgsl` writes.
 */
import { LSLR_STEPS } from '../../meta/mamlppSchedule';
import { tensorRateAccessor } from '../webgpu/mamlppShader';
import type { Geometry } from './layout';

/** A parameter tensor of θ: its first float and length. */
export interface RateTensor {
  at: number;
  n: number;
}

/** One set's length: every γ and β of the network (0 without batch norm). */
export function setSize(geo: Geometry): number {
  return geo.batchNorm ? geo.layers.reduce((a, l) => a + 2 * l.f, 0) : 0;
}

/** θ's length with the queue of sets. */
export function mamlppParams(geo: Geometry): number {
  return geo.params + LSLR_STEPS * setSize(geo);
}

/** The rate tensors in θ's order: per layer W, γ and β (or b), the head's W and b, then the queue. */
export function glyphRateTensors(geo: Geometry): RateTensor[] {
  const out: RateTensor[] = [];
  for (const l of geo.layers) {
    out.push({ at: l.offW, n: l.k * l.f }, { at: l.offG, n: l.f });
    if (geo.batchNorm) out.push({ at: l.offB, n: l.f });
  }
  out.push({ at: geo.headW, n: geo.last * geo.ways }, { at: geo.headB, n: geo.ways });
  if (geo.batchNorm) out.push({ at: geo.params, n: LSLR_STEPS * setSize(geo) });
  return out;
}

/** The learned rates' length: LSLR_STEPS rows of one rate per tensor. */
export function glyphRatesLength(geo: Geometry): number {
  return LSLR_STEPS * glyphRateTensors(geo).length;
}

/**
 * `lr(i)`: parameter i's rate at inner step fS; i < the network's length (the queue is never
 * adapted: a step's update of it is never read).
 */
export function glyphRateAccessor(geo: Geometry): string {
  const all = glyphRateTensors(geo);
  return tensorRateAccessor(all.slice(0, geo.batchNorm ? -1 : all.length), all.length);
}

/** Layer l's batch-norm places [offG, offG + 2F) and where they start within a set. */
function places(geo: Geometry): { from: number; n: number; inSet: number }[] {
  let inSet = 0;
  return geo.layers.map((l) => {
    const p = { from: l.offG, n: 2 * l.f, inSet };
    inSet += 2 * l.f;
    return p;
  });
}

/** Within-set index of the network's θ index j, or −1 when j is not a batch-norm place. */
function setIndexOf(geo: Geometry, j: number): number {
  for (const p of places(geo)) if (j >= p.from && j < p.from + p.n) return p.inSet + j - p.from;
  return -1;
}

/** The network's θ index of within-set index k. */
function placeOf(geo: Geometry, k: number): number {
  const p = places(geo).find((x) => k >= x.inSet && k < x.inSet + x.n);
  if (!p) throw new Error(`set index ${k} is outside a set of ${setSize(geo)}`);
  return p.from + k - p.inSet;
}

/** advance(): θ_after[j] = θ_before[advanceSource(geo, j)] (the identity without batch norm). */
export function advanceSource(geo: Geometry, j: number): number {
  const [P, set] = [geo.params, setSize(geo)];
  if (set === 0) return j;
  if (j < P) {
    const k = setIndexOf(geo, j);
    return k < 0 ? j : P + k;
  }
  const q = Math.floor((j - P) / set);
  return q < LSLR_STEPS - 1 ? j + set : placeOf(geo, (j - P) % set);
}

/** The inverse of advanceSource: where θ_before[i] goes (the walk back reads λ_after there). */
export function advanceTarget(geo: Geometry, i: number): number {
  const [P, set] = [geo.params, setSize(geo)];
  if (set === 0) return i;
  if (i < P) {
    const k = setIndexOf(geo, i);
    return k < 0 ? i : P + (LSLR_STEPS - 1) * set + k;
  }
  const q = Math.floor((i - P) / set);
  return q === 0 ? placeOf(geo, (i - P) % set) : i - set;
}

/**
 * WGSL `kSetSource(j)` and `kSetTarget(i)`: advanceSource and advanceTarget with the geometry's
 * numbers as literals (with no batch norm, the identity).
 */
export function advanceWgsl(geo: Geometry): string {
  const [P, set, last] = [geo.params, setSize(geo), LSLR_STEPS - 1];
  if (set === 0)
    return 'fn kSetSource(j: u32) -> u32 { return j; }\nfn kSetTarget(i: u32) -> u32 { return i; }';
  const ps = places(geo);
  const setIndex = ps
    .map((p) => `  if (j >= ${p.from}u && j < ${p.from + p.n}u) { return ${p.inSet}u + j - ${p.from}u; }`)
    .join('\n');
  const place = ps
    .slice(0, -1)
    .map((p) => `  if (k < ${p.inSet + p.n}u) { return ${p.from}u + k - ${p.inSet}u; }`)
    .concat(`  return ${ps.at(-1)!.from}u + k - ${ps.at(-1)!.inSet}u;`)
    .join('\n');
  return `fn kSetIndex(j: u32) -> u32 {
${setIndex}
  return 0xffffffffu;
}
fn kSetPlace(k: u32) -> u32 {
${place}
}
fn kSetSource(j: u32) -> u32 {
  if (j < ${P}u) {
    let k = kSetIndex(j);
    return select(${P}u + k, j, k == 0xffffffffu);
  }
  return select(kSetPlace((j - ${P}u) % ${set}u), j + ${set}u, (j - ${P}u) / ${set}u < ${last}u);
}
fn kSetTarget(i: u32) -> u32 {
  if (i < ${P}u) {
    let k = kSetIndex(i);
    return select(${P + last * set}u + k, i, k == 0xffffffffu);
  }
  return select(i - ${set}u, kSetPlace((i - ${P}u) % ${set}u), (i - ${P}u) / ${set}u == 0u);
}`;
}
