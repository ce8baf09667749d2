import * as tf from '@tensorflow/tfjs';
import { ParamLayout, type Classifier, type Params } from '../../models/classifier';
import type { ParamSpec } from '../../models/glyphNets';
import { LSLR_STEPS } from '../../meta/mamlppSchedule';
import type { Rng } from '../../random';

/** Batch-norm sets a MAML++ glyph network keeps: one per inner step, and one for the state after the last. */
export const NORM_SETS = LSLR_STEPS + 1;

/** A contiguous piece of a flat parameter vector. */
interface Segment {
  offset: number;
  size: number;
}

const isNorm = (spec: ParamSpec): boolean => spec.name.endsWith('.gamma') || spec.name.endsWith('.beta');

/** Joins pieces that follow each other, so a shift is as few slices as possible. */
function merged(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && last.offset + last.size === s.offset) last.size += s.size;
    else out.push({ ...s });
  }
  return out;
}

/** The pieces of θ [P] or per-task θ [T, P] along its last axis, concatenated. */
function pieces(theta: tf.Tensor, segments: readonly Segment[]): tf.Tensor {
  const lead = theta.rank === 1 ? [] : [0];
  const all = theta.rank === 1 ? [] : [-1];
  const parts = segments.map((s) => tf.slice(theta, [...lead, s.offset], [...all, s.size]));
  return parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, theta.rank - 1);
}

/**
 * MAML++'s per-step batch-norm weights and biases (BNWB) on a glyph network with batch norm: θ is
 * the base network's θ followed by a queue of NORM_SETS − 1 further sets of every batch-norm γ and
 * β ([set 1 | set 2 | … ], each in the base network's order). The set in the base network's place
 * is the current one: parameters adapted s inner steps run with set s. Every inner step
 * (`classInnerStep`) ends with `advance`, which moves the next set into place and the used one to
 * the back of the queue, so every forward pass (`apply`) reads the set of its step and code that
 * adapts with `classInnerStep` (meta-training, evaluation, the walk-through, the θ view's paths)
 * needs no step index. A step's own inner update of its set is never read (the next pass uses the
 * next set): the sets are meta-learned, not adapted, as in the paper's code.
 */
export class StepNormClassifier implements Classifier {
  readonly ways: number;
  readonly layout: ParamLayout;
  readonly numParams: number;
  readonly headOffset: number;
  /** the base network's parameter count: θ[0, baseParams) is a θ of `base` */
  readonly baseParams: number;
  /** one set's length (every γ and β of the base network) */
  readonly setSize: number;
  /** the pieces of θ that `advance` concatenates, in order */
  private readonly shift: Segment[];
  /** the pieces of a base θ that make a θ with every set a copy of the base network's */
  private readonly repeat: Segment[];

  constructor(readonly base: Classifier) {
    const norms = base.layout.specs.filter(isNorm);
    if (norms.length === 0) throw new Error('per-step batch norm needs a network with batch norm');
    const specs: ParamSpec[] = [...base.layout.specs];
    for (let s = 1; s < NORM_SETS; s++) {
      for (const n of norms) specs.push({ name: `set${s}.${n.name}`, shape: [...n.shape] });
    }
    this.layout = new ParamLayout(specs);
    this.ways = base.ways;
    this.numParams = this.layout.numParams;
    this.headOffset = base.headOffset;
    this.baseParams = base.numParams;
    this.setSize = norms.reduce((a, n) => a + n.shape.reduce((x, y) => x * y, 1), 0);
    this.shift = merged(this.shiftSegments());
    this.repeat = merged(this.repeatSegments());
  }

  /** Base θ with set 1's pieces in the batch-norm places, then sets 2…, then the used set 0. */
  private shiftSegments(): Segment[] {
    const { specs, offsets, sizes } = this.base.layout;
    const out: Segment[] = [];
    const used: Segment[] = [];
    let next = this.baseParams;
    specs.forEach((spec, i) => {
      const here = { offset: offsets[i] as number, size: sizes[i] as number };
      if (!isNorm(spec)) return out.push(here);
      out.push({ offset: next, size: here.size });
      used.push(here);
      next += here.size;
    });
    out.push({ offset: this.baseParams + this.setSize, size: (NORM_SETS - 2) * this.setSize });
    return [...out, ...used];
  }

  /** The tensors of θ in layout order, for LSLR: the base network's, then the queue as one. */
  get rateSizes(): number[] {
    return [...this.base.layout.sizes, (NORM_SETS - 1) * this.setSize];
  }

  /** The base network's θ, then its batch-norm pieces once per further set. */
  private repeatSegments(): Segment[] {
    const { specs, offsets, sizes } = this.base.layout;
    const norms: Segment[] = [];
    specs.forEach((spec, i) => {
      if (isNorm(spec)) norms.push({ offset: offsets[i] as number, size: sizes[i] as number });
    });
    const out: Segment[] = [{ offset: 0, size: this.baseParams }];
    for (let s = 1; s < NORM_SETS; s++) out.push(...norms);
    return out;
  }

  /** The base network's initialisation, its batch-norm values copied into every set. */
  init(rng: Rng): Float32Array {
    return this.fromBase(this.base.init(rng));
  }

  /** θ of this network from a θ of the base network: every set a copy of its batch norm. */
  fromBase(base: Float32Array): Float32Array {
    if (base.length !== this.baseParams)
      throw new Error(`a base θ has ${this.baseParams} numbers, not ${base.length}`);
    const theta = new Float32Array(this.numParams);
    let at = 0;
    for (const s of this.repeat) {
      theta.set(base.subarray(s.offset, s.offset + s.size), at);
      at += s.size;
    }
    return theta;
  }

  /** The next inner step's set moved into place, on θ [P] or per-task θ [T, P] (differentiable). */
  advance(theta: tf.Tensor): tf.Tensor {
    return pieces(theta, this.shift);
  }

  unflatten(theta: tf.Tensor): Params {
    return this.layout.unflatten(theta);
  }

  flatten(params: Params): tf.Tensor {
    return this.layout.flatten(params);
  }

  /** Logits of the base network with the current set (the queue is not read). */
  apply(params: Params, x: tf.Tensor5D): tf.Tensor3D {
    if (params.length !== this.layout.specs.length) throw new Error('wrong number of parameters');
    return this.base.apply(params.slice(0, this.base.layout.specs.length), x);
  }
}

/** Whether a classifier keeps MAML++'s per-step batch-norm sets. */
export function isStepNorm(model: Classifier): model is StepNormClassifier {
  return model instanceof StepNormClassifier;
}
