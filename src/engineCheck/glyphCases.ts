import * as tf from '@tensorflow/tfjs';
import { FusedGlyphEngine, type FusedGlyphSettings } from '../core/engines/fusedGlyph/fusedGlyph';
import { WebgpuGlyphEngine, type WebgpuGlyphOptions } from '../core/engines/webgpuGlyph/webgpuGlyph';
import { geometry, glyphRow, glyphStepMacs } from '../core/engines/webgpuGlyph/layout';
import { taskOps } from '../core/engines/webgpuGlyph/phases';
import { DEFAULT_LIMITS } from '../core/engines/webgpu/layout';
import type { ImageTaskBatch } from '../core/engines/batch';
import { ConvNet } from '../core/models/convnet';
import { FcClassifier } from '../core/models/fcClassifier';
import { Rng } from '../core/random';
import { countDispatches } from './fused';
import { minus, relError } from './reference';

/**
 * Glyph cases of the engine check page (?glyph=1): the fused WGSL glyph meta-step against the
 * fused CPU engine (WebAssembly, itself checked against the tfjs MetaLearner in
 * test/fusedGlyph.test.ts) from the same θ, α and batches. Small networks: SwiftShader is slow.
 */

export interface GlyphRowResult {
  name: string;
  algo: string;
  detail: string;
  errTheta: number;
  errAlpha: number | null;
  errLoss: number;
  dispatches: number;
  declared: number;
  /** task chunks of the step (1: not split) */
  chunks: number;
  /** phases of one task's per-task program (1: one dispatch per chunk) */
  phases: number;
  /** operations cut into pieces, each alone over the work limit (cuts.ts) */
  cuts: number;
  /** split into phases: the meta-gradient and loss equal the unsplit WGSL step's to the bit */
  bitEqual: boolean | null;
  pass: boolean;
}

export interface GlyphCase {
  name: string;
  over: Partial<FusedGlyphSettings>;
  tasks: number;
  /** a live change of α and inner steps after creation (setHyper on both engines) */
  change?: { alpha: number; inner: number };
  /**
   * split the WGSL step into task chunks (fit.taskChunks): the per-dispatch work limit set to
   * this many tasks' multiply-adds, or the storage binding limit to this many tasks' rows; or one
   * task into phases (phases.ts): the work limit at this share of one task's multiply-adds; or
   * cut inside operations (cuts.ts): the limit at this share of the largest operation's
   */
  split?:
    { by: 'work' | 'memory'; tasks: number } | { by: 'phases'; share: number } | { by: 'cut'; share: number };
}

export function glyphSettings(over: Partial<FusedGlyphSettings> = {}): FusedGlyphSettings {
  return {
    net: 'conv',
    ways: 2,
    filters: 4,
    blocks: 2,
    hidden: [16, 8],
    batchNorm: true,
    algo: 'maml',
    alpha: 0.4,
    beta: 0.001,
    inner: 1,
    shots: 1,
    query: 1,
    maxTasks: 8,
    ...over,
  };
}

export const GLYPH_CASES: GlyphCase[] = [
  { name: 'conv, batch norm, MAML, 1 step, meta-batch 1', over: {}, tasks: 1 },
  { name: 'conv, batch norm, MAML, 1 step, meta-batch 3', over: {}, tasks: 3 },
  { name: 'conv, batch norm, MAML, 1 step, meta-batch 8', over: {}, tasks: 8 },
  { name: 'conv, MAML, 2 steps', over: { inner: 2 }, tasks: 2 },
  { name: 'conv, MAML, 5 steps, 1 block', over: { inner: 5, blocks: 1 }, tasks: 1 },
  { name: 'conv, FOMAML, 2 steps', over: { algo: 'fomaml', inner: 2 }, tasks: 2 },
  { name: 'conv, Meta-SGD, 2 steps', over: { algo: 'metasgd', inner: 2 }, tasks: 2 },
  { name: 'conv, Reptile, 2 steps', over: { algo: 'reptile', inner: 2 }, tasks: 2 },
  { name: 'conv, bias (no batch norm), MAML', over: { batchNorm: false }, tasks: 2 },
  { name: 'conv, MAML, live change to α 0.3, 2 steps', over: {}, tasks: 2, change: { alpha: 0.3, inner: 2 } },
  {
    name: 'conv, 5 filters, 3 blocks, 3 ways, 2 shots',
    over: { filters: 5, blocks: 3, ways: 3, shots: 2 },
    tasks: 2,
  },
  {
    name: 'fc, batch norm, MAML, 2 steps, 3 ways 2 shots',
    over: { net: 'fc', inner: 2, ways: 3, shots: 2 },
    tasks: 2,
  },
  {
    name: 'fc, bias, Meta-SGD, 3 ways',
    over: { net: 'fc', batchNorm: false, algo: 'metasgd', ways: 3 },
    tasks: 3,
  },
  // over a per-dispatch limit: the same step in task chunks (the engine's 8 tasks in 4 chunks
  // of 2, or 3 of 3; a meta-batch of 5 leaves the last chunks partly or wholly idle)
  {
    name: 'split by work: MAML, 4 chunks of 2, meta-batch 5',
    over: {},
    tasks: 5,
    split: { by: 'work', tasks: 2 },
  },
  {
    name: 'split by work: MAML, 2 steps, meta-batch 8',
    over: { inner: 2 },
    tasks: 8,
    split: { by: 'work', tasks: 3 },
  },
  { name: 'split by work: FOMAML', over: { algo: 'fomaml' }, tasks: 5, split: { by: 'work', tasks: 2 } },
  { name: 'split by work: Meta-SGD', over: { algo: 'metasgd' }, tasks: 5, split: { by: 'work', tasks: 2 } },
  {
    name: 'split by work: Reptile',
    over: { algo: 'reptile', inner: 2 },
    tasks: 3,
    split: { by: 'work', tasks: 1 },
  },
  {
    name: 'split by memory: MAML, bias',
    over: { batchNorm: false },
    tasks: 7,
    split: { by: 'memory', tasks: 3 },
  },
  // one task over the work limit: its operations in phases (with task chunks of one task each)
  {
    name: 'phases: MAML, 2 steps, 2 chunks',
    over: { inner: 2, maxTasks: 2 },
    tasks: 2,
    split: { by: 'phases', share: 0.3 },
  },
  {
    name: 'phases: Meta-SGD',
    over: { algo: 'metasgd', maxTasks: 1 },
    tasks: 1,
    split: { by: 'phases', share: 0.3 },
  },
  {
    name: 'phases: FOMAML, bias, 2 shots',
    over: { algo: 'fomaml', batchNorm: false, shots: 2, maxTasks: 2 },
    tasks: 2,
    split: { by: 'phases', share: 0.4 },
  },
  {
    name: 'phases: Reptile, 2 steps',
    over: { algo: 'reptile', inner: 2, maxTasks: 1 },
    tasks: 1,
    split: { by: 'phases', share: 0.3 },
  },
  {
    name: 'phases: fc, MAML',
    over: { net: 'fc', maxTasks: 2 },
    tasks: 2,
    split: { by: 'phases', share: 0.3 },
  },
  // operations over the work limit cut into pieces by images or by weight-gradient elements
  {
    name: 'cuts: MAML, batch norm, 3 shots, 2 chunks',
    over: { shots: 3, maxTasks: 2 },
    tasks: 2,
    split: { by: 'cut', share: 0.7 },
  },
  {
    name: 'cuts: Meta-SGD, bias, 3 shots',
    over: { algo: 'metasgd', batchNorm: false, shots: 3, maxTasks: 1 },
    tasks: 1,
    split: { by: 'cut', share: 0.7 },
  },
  {
    name: 'cuts: fc, FOMAML, 3 shots',
    over: { net: 'fc', algo: 'fomaml', shots: 3, maxTasks: 1 },
    tasks: 1,
    split: { by: 'cut', share: 0.5 },
  },
];

/** The WGSL engine's options that split a case's step as asked (GlyphCase.split). */
export function splitOptions(s: FusedGlyphSettings, c: GlyphCase): WebgpuGlyphOptions {
  if (!c.split) return {};
  const shape = {
    algo: s.algo,
    inner: c.change?.inner ?? s.inner,
    support: s.ways * s.shots,
    query: s.ways * s.query,
  };
  const geo = geometry(s);
  const largest = Math.max(...taskOps(geo, shape, 4).map((o) => o.macs));
  if (c.split.by === 'phases')
    return { maxMacs: Math.max(largest, c.split.share * glyphStepMacs(geo, shape, 1)) };
  if (c.split.by === 'cut') return { maxMacs: c.split.share * largest };
  if (c.split.by === 'work') return { maxMacs: c.split.tasks * glyphStepMacs(geo, shape, 1) };
  const bytes = c.split.tasks * glyphRow(geo, shape).stride * 4;
  return { limits: { ...DEFAULT_LIMITS, maxStorageBufferBindingSize: bytes } };
}

export function thetaFor(s: FusedGlyphSettings): Float32Array {
  const model =
    s.net === 'conv'
      ? new ConvNet({ ways: s.ways, filters: s.filters, blocks: s.blocks, batchNorm: s.batchNorm })
      : new FcClassifier({ ways: s.ways, hidden: [...s.hidden], batchNorm: s.batchNorm });
  return model.init(new Rng(3, 'init'));
}

export function alphaFor(s: FusedGlyphSettings, size: number): Float32Array | undefined {
  if (s.algo !== 'metasgd') return undefined;
  const rng = new Rng(4, 'alpha');
  return Float32Array.from({ length: size }, () => s.alpha * rng.uniform(0.5, 1.5));
}

const PIXELS = 28 * 28;

/**
 * A meta-batch the engines take, from the seed: sparse binary 28×28 images (about a fifth of the
 * pixels set, as in a drawn glyph) with each task's labels cycling through its classes. Both
 * engines see the same numbers, which is all these checks compare.
 */
export function batchFor(s: FusedGlyphSettings, tasks: number, seed: number): ImageTaskBatch {
  const rng = new Rng(seed, 'webgpu-glyph-check');
  const images = (n: number) =>
    Float32Array.from({ length: n * PIXELS }, () => (rng.uniform(0, 1) < 0.2 ? 1 : 0));
  const labels = (perClass: number) =>
    Int32Array.from({ length: tasks * s.ways * perClass }, (_, i) => i % s.ways);
  return {
    tasks,
    ways: s.ways,
    shots: s.shots,
    query: s.query,
    xs: images(tasks * s.ways * s.shots),
    ys: labels(s.shots),
    xq: images(tasks * s.ways * s.query),
    yq: labels(s.query),
    classes: Int32Array.from({ length: tasks * s.ways }, (_, i) => i),
  };
}

/** A WGSL meta-gradient read back ([loss, θ, α or rates]) and its tensors disposed. */
export async function readGradient(got: {
  loss: tf.Tensor;
  theta: tf.Tensor;
  alpha: tf.Tensor | null;
}): Promise<[Float32Array, Float32Array, Float32Array | null]> {
  const out = await Promise.all([got.loss.data(), got.theta.data(), got.alpha?.data() ?? null]);
  tf.dispose([got.loss, got.theta, got.alpha].filter((x) => x !== null) as tf.Tensor[]);
  return out as [Float32Array, Float32Array, Float32Array | null];
}

/** One case: the meta-gradient of both engines, and the dispatches of one WGSL step. */
export async function gradientCase(c: GlyphCase, tolerance: number): Promise<GlyphRowResult> {
  const s = glyphSettings(c.over);
  const theta = thetaFor(s);
  const alpha0 = alphaFor(s, theta.length);
  const b = batchFor(s, c.tasks, 5);
  const cpu = await FusedGlyphEngine.create(s, theta, { alpha0 });
  if (c.change) cpu.setHyper(c.change);
  const ref = cpu.metaGradient(b);
  cpu.dispose();
  const gpu = await WebgpuGlyphEngine.create(s, theta, {
    ...splitOptions(s, c),
    ...(alpha0 ? { alpha0 } : {}),
  });
  if (c.change) gpu.setHyper(c.change);
  const inner = c.change?.inner ?? s.inner;
  try {
    const [gl, gt, ga] = await readGradient(gpu.metaGradient(b));
    const stepped = countDispatches(() => gpu.step(b));
    tf.dispose(stepped.value.meta);
    const errTheta = relError(gt, ref.theta);
    const errAlpha = ref.alpha && ga ? relError(ga, ref.alpha) : ref.alpha || ga ? Infinity : null;
    const errLoss = Math.abs((gl[0] as number) - ref.loss) / Math.abs(ref.loss);
    const bitEqual =
      c.split?.by === 'phases' || c.split?.by === 'cut'
        ? await sameAsUnsplit(s, theta, alpha0, c, b, [gl, gt, ga])
        : null;
    const ok = [errTheta, errAlpha ?? 0, errLoss].every((e) => e <= tolerance) && bitEqual !== false;
    return {
      name: c.name,
      algo: s.algo,
      detail: `${s.net} ${s.ways}-way ${s.shots}-shot ${s.query}-query, inner ${inner}, T ${c.tasks}`,
      errTheta,
      errAlpha,
      errLoss,
      dispatches: stepped.count,
      declared: gpu.dispatchesPerStep(),
      chunks: gpu.taskChunks.chunks,
      phases: gpu.taskChunks.phases.ends.length,
      cuts: gpu.taskChunks.phases.cuts.length,
      bitEqual,
      pass: ok && stepped.count === gpu.dispatchesPerStep(),
    };
  } finally {
    gpu.dispose();
  }
}

/** Whether the unsplit WGSL step gives the same bits as `got` ([loss, θ gradient, α gradient]). */
async function sameAsUnsplit(
  s: FusedGlyphSettings,
  theta: Float32Array,
  alpha0: Float32Array | undefined,
  c: GlyphCase,
  b: ImageTaskBatch,
  got: (ArrayLike<number> | null)[],
): Promise<boolean> {
  const whole = await WebgpuGlyphEngine.create(s, theta, alpha0 ? { alpha0 } : {});
  try {
    if (c.change) whole.setHyper(c.change);
    if (whole.taskChunks.phases.ends.length !== 1) return false;
    const r = whole.metaGradient(b);
    const want = await Promise.all([r.loss.data(), r.theta.data(), r.alpha?.data() ?? null]);
    tf.dispose([r.loss, r.theta, r.alpha].filter((x) => x !== null) as tf.Tensor[]);
    return want.every((w, i) => {
      const g = got[i] ?? null;
      if (w === null || g === null) return w === g;
      return w.length === g.length && Array.from(w).every((v, j) => Object.is(v, g[j]));
    });
  } finally {
    whole.dispose();
  }
}

/** ‖MAML − FOMAML‖/‖MAML‖ on one batch: how much the Hessian term weighs (it must be checked). */
export async function hessianShare(): Promise<number> {
  const s = glyphSettings({ inner: 2 });
  const theta = thetaFor(s);
  const b = batchFor(s, 2, 5);
  const read = async (algo: 'maml' | 'fomaml') => {
    const e = await WebgpuGlyphEngine.create({ ...s, algo }, theta);
    const g = e.metaGradient(b);
    const out = await g.theta.data();
    tf.dispose([g.loss, g.theta]);
    e.dispose();
    return out;
  };
  const maml = await read('maml');
  return relError(await read('fomaml'), maml);
}

/** Adam steps on both engines from the same θ and batches: the change of θ (and α) agrees. */
export async function adamCase(algo: 'maml' | 'metasgd', steps: number) {
  const s = glyphSettings({ algo, inner: 1, beta: 0.01 });
  const theta = thetaFor(s);
  const alpha0 = alphaFor(s, theta.length);
  const cpu = await FusedGlyphEngine.create(s, theta, { alpha0 });
  const gpu = await WebgpuGlyphEngine.create(s, theta, alpha0 ? { alpha0 } : {});
  const losses: [number, number][] = [];
  for (let i = 0; i < steps; i++) {
    const b = batchFor(s, 2, 100 + i);
    const ref = cpu.step(b).meta;
    const got = gpu.step(b).meta;
    losses.push([(await got.data())[0] as number, ref]);
    got.dispose();
  }
  const [a, bState] = [await gpu.state(), cpu.state()];
  gpu.dispose();
  cpu.dispose();
  const errTheta = relError(minus(a.theta, theta), minus(bState.theta, theta));
  const errM = relError(a.thetaAdam.m, bState.thetaAdam.m);
  const errAlpha =
    a.alpha && bState.alpha && alpha0 ? relError(minus(a.alpha, alpha0), minus(bState.alpha, alpha0)) : null;
  const errLoss = Math.max(...losses.map(([g, r]) => Math.abs(g - r) / Math.abs(r)));
  return { algo, steps, errTheta, errM, errAlpha, errLoss, tSame: a.thetaAdam.t === bState.thetaAdam.t };
}
