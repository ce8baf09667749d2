import * as tf from '@tensorflow/tfjs';
import type { FusedState } from '../core/engines/fused/fusedMlp';
import { FusedGlyphEngine, type WasmGlyphSettings } from '../core/engines/fusedGlyph/fusedGlyph';
import type { ImageTaskBatch } from '../core/engines/batch';
import { geometry, glyphStepMacs, mamlppSizes } from '../core/engines/webgpuGlyph/layout';
import { taskOps } from '../core/engines/webgpuGlyph/phases';
import { WebgpuGlyphEngine, type WebgpuGlyphOptions } from '../core/engines/webgpuGlyph/webgpuGlyph';
import { Rng } from '../core/random';
import { countDispatches } from './fused';
import { batchFor, glyphSettings, readGradient, thetaFor } from './glyphCases';
import { finishReport } from './glyphMamlppPieces';
import { minus, relError } from './reference';

/**
 * engine-check.html?glyph=mamlpp: MAML++ on the fused WGSL glyph engine against the fused
 * WebAssembly glyph engine (itself checked against the tfjs MetaLearner in
 * test/fusedGlyphMamlpp.test.ts) from the same θ with varied batch-norm sets, varied rates, the
 * same batches and the same schedule position (a restored Adam step count): the meta-gradient of
 * θ and of the rates and the loss, both derivative-order phases, annealed and final-only weights,
 * 1 and 2 inner steps, batch norm on and off, conv and fc, the step in task chunks and in phases;
 * the dispatches of a step against the declared count; Adam steps across the schedule's switches;
 * states moved both ways and a bit-identical resume. Report on `window.__glyphMamlpp`.
 */

export interface MamlppGradRow {
  name: string;
  detail: string;
  errTheta: number;
  errRates: number;
  errLoss: number;
  dispatches: number;
  declared: number;
  /**
   * the run's views of the engine (engineViews.GpuLearner): its rate tensors' lengths are the
   * WebAssembly engine's, its meta-step count the schedule's clock
   */
  views: boolean;
  pass: boolean;
}

export interface MamlppGlyphReport {
  done: boolean;
  tolerance: number;
  rows: MamlppGradRow[];
  adam: { steps: number; errTheta: number; errRates: number; errLoss: number; tSame: boolean } | null;
  moves: { fromCpu: number; toCpu: number; resumeBitEqual: boolean } | null;
  /**
   * How much the checked terms weigh in the reference meta-gradient (so an engine that dropped one
   * would fail the 1e-4 tolerance): ‖g − g′‖/‖g‖ between the second- and first-order phase
   * (the Hessian-vector products) and between annealed and final-only weights (the queries after
   * intermediate steps), 2 inner steps on the WebAssembly engine
   */
  share: { hessian: number; weights: number } | null;
  error: string | null;
}

const TOLERANCE = 1e-4;
/** A short schedule: weights annealed for 10 meta-steps, first order for 5, β's cosine over 20. */
const SCHEDULE = { msl: 10, firstOrder: 5, span: 20 };

interface MamlppCase {
  name: string;
  over: Partial<WasmGlyphSettings>;
  tasks: number;
  /** Adam steps already applied: the schedule's position (phase and weights) */
  at: number;
  split?: { by: 'work'; tasks: number } | { by: 'phases'; share: number };
}

const CASES: MamlppCase[] = [
  { name: 'conv, batch norm, 1 step, first order', over: {}, tasks: 2, at: 2 },
  { name: 'conv, batch norm, 1 step, second order', over: {}, tasks: 2, at: 7 },
  { name: 'conv, batch norm, 2 steps, first order, annealed weights', over: { inner: 2 }, tasks: 2, at: 2 },
  { name: 'conv, batch norm, 2 steps, second order, annealed weights', over: { inner: 2 }, tasks: 3, at: 7 },
  { name: 'conv, batch norm, 2 steps, second order, last step only', over: { inner: 2 }, tasks: 2, at: 12 },
  { name: 'conv, bias, 2 steps, second order', over: { inner: 2, batchNorm: false }, tasks: 2, at: 7 },
  { name: 'conv, bias, 1 step, first order', over: { batchNorm: false }, tasks: 1, at: 0 },
  { name: 'fc, batch norm, 2 steps, second order', over: { net: 'fc', inner: 2, ways: 3 }, tasks: 2, at: 7 },
  { name: 'fc, batch norm, 2 steps, first order', over: { net: 'fc', inner: 2, ways: 3 }, tasks: 2, at: 3 },
  {
    name: 'task chunks: 2 steps, second order, meta-batch 5',
    over: { inner: 2 },
    tasks: 5,
    at: 7,
    split: { by: 'work', tasks: 2 },
  },
  {
    name: 'phases: 2 steps, second order',
    over: { inner: 2, maxTasks: 1 },
    tasks: 1,
    at: 7,
    split: { by: 'phases', share: 0.3 },
  },
];

const batchOf = (s: WasmGlyphSettings, tasks: number, seed: number): ImageTaskBatch =>
  batchFor({ ...s, algo: 'maml' }, tasks, seed);

function settingsOf(over: Partial<WasmGlyphSettings>): WasmGlyphSettings {
  return { ...glyphSettings(), ...over, algo: 'mamlpp', schedule: SCHEDULE };
}

/** θ with its queue of sets (each γ and β varied) and varied rates, from the seed. */
function startOf(s: WasmGlyphSettings): { theta: Float32Array; rates: Float32Array } {
  const geo = geometry(s);
  const sizes = mamlppSizes(geo);
  const rng = new Rng(21, 'mamlpp-glyph-check');
  const theta = new Float32Array(sizes.thetaLength);
  theta.set(thetaFor({ ...s, algo: 'maml' }));
  for (let i = geo.params; i < theta.length; i++) theta[i] = rng.uniform(0.6, 1.4);
  const rates = Float32Array.from({ length: sizes.rates }, () => s.alpha * rng.uniform(0.5, 1.5));
  return { theta, rates };
}

/** A state at Adam step `at` with zero moments: the schedule's position, the same on both engines. */
function stateAt(theta: Float32Array, rates: Float32Array, at: number): FusedState {
  const adam = (n: number) => ({ t: at, m: new Float32Array(n), v: new Float32Array(n) });
  return {
    theta,
    thetaAdam: adam(theta.length),
    alpha: rates,
    alphaAdam: adam(rates.length),
    pretrained: null,
    pretrainedAdam: null,
  };
}

/** The WGSL engine's options that split the step as the case asks. */
function splitOptions(s: WasmGlyphSettings, c: MamlppCase): WebgpuGlyphOptions {
  if (!c.split) return {};
  const shape = { algo: s.algo, inner: s.inner, support: s.ways * s.shots, query: s.ways * s.query };
  const geo = geometry(s);
  const macs = glyphStepMacs(geo, shape, 1);
  if (c.split.by === 'work') return { maxMacs: c.split.tasks * macs };
  const largest = Math.max(...taskOps(geo, shape, 4).map((o) => o.macs));
  return { maxMacs: Math.max(largest, c.split.share * macs) };
}

async function gradientRow(c: MamlppCase): Promise<MamlppGradRow> {
  const s = settingsOf(c.over);
  const { theta, rates } = startOf(s);
  const b = batchOf(s, c.tasks, 31);
  const cpu = await FusedGlyphEngine.create(s, theta, { alpha0: rates, threads: null });
  cpu.restore(stateAt(theta, rates, c.at));
  const ref = cpu.metaGradient(b);
  const sizes = JSON.stringify(cpu.tensorSizes);
  cpu.dispose();
  const gpu = await WebgpuGlyphEngine.create(s, theta, { alpha0: rates, ...splitOptions(s, c) });
  try {
    gpu.restore(stateAt(theta, rates, c.at));
    const [gl, gt, ga] = await readGradient(gpu.metaGradient(b));
    const stepped = countDispatches(() => gpu.step(b));
    tf.dispose(stepped.value.meta);
    const errTheta = relError(gt, ref.theta);
    const errRates = ga && ref.alpha ? relError(ga, ref.alpha) : Infinity;
    const errLoss = Math.abs((gl[0] as number) - ref.loss) / Math.abs(ref.loss);
    const { chunks, phases } = gpu.taskChunks;
    const views = JSON.stringify(gpu.tensorSizes) === sizes && gpu.metaSteps === c.at + 1;
    const ok = [errTheta, errRates, errLoss].every((e) => e <= TOLERANCE);
    return {
      name: c.name,
      detail: `${s.net} ${s.ways}-way, inner ${s.inner}, T ${c.tasks}, at ${c.at}, ${chunks} chunks, ${phases.ends.length} phases`,
      errTheta,
      errRates,
      errLoss,
      dispatches: stepped.count,
      declared: gpu.dispatchesPerStep(),
      views,
      pass: ok && views && stepped.count === gpu.dispatchesPerStep(),
    };
  } finally {
    gpu.dispose();
  }
}

/** Adam steps on both engines across the schedule's switches: θ, the rates and the losses agree. */
async function adamCheck(steps: number): Promise<NonNullable<MamlppGlyphReport['adam']>> {
  const s = settingsOf({ inner: 2, beta: 0.01, schedule: { msl: 3, firstOrder: 2, span: 6 } });
  const { theta, rates } = startOf(s);
  const cpu = await FusedGlyphEngine.create(s, theta, { alpha0: rates, threads: null });
  const gpu = await WebgpuGlyphEngine.create(s, theta, { alpha0: rates });
  let errLoss = 0;
  for (let i = 0; i < steps; i++) {
    const b = batchOf(s, 2, 300 + i);
    const ref = cpu.step(b).meta;
    const got = gpu.step(b).meta;
    errLoss = Math.max(errLoss, Math.abs(((await got.data())[0] as number) - ref) / Math.abs(ref));
    got.dispose();
  }
  const [a, r] = [await gpu.state(), cpu.state()];
  gpu.dispose();
  cpu.dispose();
  return {
    steps,
    errTheta: relError(minus(a.theta, theta), minus(r.theta, theta)),
    errRates: relError(minus(a.alpha!, rates), minus(r.alpha!, rates)),
    errLoss,
    tSame: a.thetaAdam.t === r.thetaAdam.t && a.alphaAdam?.t === r.alphaAdam?.t,
  };
}

const same = (x: Float32Array | null, y: Float32Array | null): boolean =>
  x !== null && y !== null && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

/** θ's and the rates' change after one more step from a moved state, engine against engine. */
async function movedStep(
  from: FusedState,
  b: ImageTaskBatch,
  s: WasmGlyphSettings,
): Promise<{ cpu: FusedState; gpu: FusedState }> {
  const cpu = await FusedGlyphEngine.create(s, from.theta, { alpha0: from.alpha!, threads: null });
  const gpu = await WebgpuGlyphEngine.create(s, from.theta, { alpha0: from.alpha! });
  cpu.restore(from);
  gpu.restore(from);
  cpu.step(b);
  tf.dispose(gpu.step(b).meta);
  const out = { cpu: cpu.state(), gpu: await gpu.state() };
  cpu.dispose();
  gpu.dispose();
  return out;
}

/** States moved both ways go on to the same θ and rates; a WGSL state resumes bit for bit. */
async function movesCheck(): Promise<NonNullable<MamlppGlyphReport['moves']>> {
  const s = settingsOf({ inner: 2, beta: 0.01 });
  const { theta, rates } = startOf(s);
  const [b1, b2] = [batchOf(s, 2, 401), batchOf(s, 2, 402)];
  const cpu = await FusedGlyphEngine.create(s, theta, { alpha0: rates, threads: null });
  const gpu = await WebgpuGlyphEngine.create(s, theta, { alpha0: rates });
  cpu.restore(stateAt(theta, rates, 6));
  gpu.restore(stateAt(theta, rates, 6));
  cpu.step(b1);
  tf.dispose(gpu.step(b1).meta);
  const [cpuState, gpuState] = [cpu.state(), await gpu.state()];
  cpu.dispose();
  gpu.dispose();
  const a = await movedStep(cpuState, b2, s);
  const b = await movedStep(gpuState, b2, s);
  const err = (x: FusedState, y: FusedState, base: FusedState) =>
    Math.max(
      relError(minus(x.theta, base.theta), minus(y.theta, base.theta)),
      relError(minus(x.alpha!, base.alpha!), minus(y.alpha!, base.alpha!)),
    );
  const again = await movedStep(gpuState, b2, s);
  const resumeBitEqual =
    same(again.gpu.theta, b.gpu.theta) &&
    same(again.gpu.alpha, b.gpu.alpha) &&
    same(again.gpu.thetaAdam.m, b.gpu.thetaAdam.m);
  return { fromCpu: err(a.gpu, a.cpu, cpuState), toCpu: err(b.cpu, b.gpu, gpuState), resumeBitEqual };
}

/** The reference meta-gradient of θ at Adam step `at` of `schedule` (WebAssembly engine). */
async function referenceAt(schedule: WasmGlyphSettings['schedule'], at: number): Promise<Float32Array> {
  const s = settingsOf({ inner: 2, ...(schedule ? { schedule } : {}) });
  const { theta, rates } = startOf(s);
  const cpu = await FusedGlyphEngine.create(s, theta, { alpha0: rates, threads: null });
  cpu.restore(stateAt(theta, rates, at));
  const g = cpu.metaGradient(batchOf(s, 2, 31)).theta;
  cpu.dispose();
  return g;
}

/** The share of the Hessian term and of the intermediate queries in the reference (report.share). */
async function shares(): Promise<NonNullable<MamlppGlyphReport['share']>> {
  const order = { msl: 0, firstOrder: 5, span: 20 };
  const weights = { msl: 10, firstOrder: 0, span: 20 };
  const second = await referenceAt(order, 5);
  const annealed = await referenceAt(weights, 2);
  return {
    hessian: relError(await referenceAt(order, 4), second),
    weights: relError(await referenceAt(weights, 12), annealed),
  };
}

/** Runs the checks and reports on window.__glyphMamlpp. */
export async function glyphMamlppMain(status: (s: string) => void): Promise<void> {
  const report: MamlppGlyphReport = {
    done: false,
    tolerance: TOLERANCE,
    rows: [],
    adam: null,
    moves: null,
    share: null,
    error: null,
  };
  (window as unknown as { __glyphMamlpp: MamlppGlyphReport }).__glyphMamlpp = report;
  try {
    for (const c of CASES) {
      status(`glyph MAML++: ${c.name}`);
      report.rows.push(await gradientRow(c));
    }
    status('glyph MAML++: Adam');
    report.adam = await adamCheck(6);
    status('glyph MAML++: state moves');
    report.moves = await movesCheck();
    report.share = await shares();
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  finishReport(report, status);
}
