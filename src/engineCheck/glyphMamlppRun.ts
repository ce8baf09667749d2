import * as tf from '@tensorflow/tfjs';
import { parseExperiment, type Experiment } from '../core/experiment';
import { GpuLearner } from '../core/engines/engineViews';
import { loadFusedGlyph } from '../core/engines/fusedGlyph/wasmModule';
import { GlyphRun } from '../core/families/glyphs/run';
import type { TrainingState } from '../core/runs/trainingState';
import { finishReport } from './glyphMamlppPieces';
import { fallbacks, losses, onCpu, type FallbackRow } from './glyphRunCheck';
import { minus, relError } from './reference';

/**
 * engine-check.html?glyph=mamlpp-run: a MAML++ glyph run (pretrained baseline included) on the
 * fused WGSL engine beside the same run on the fused WebAssembly engine (itself checked against
 * the tfjs MetaLearner in Node): the losses step by step across the derivative-order switch, θ,
 * the learned rates, the baseline; the run's views of the rates (the θ view's `learner.rates`,
 * the per-step spread the evaluation adapts with; the walk-through's reading of them is checked
 * in test/webgpuGlyphMamlppRun.test.ts); the state moved WGSL → WebAssembly → WGSL with θ, the rates, Adam's moments and the step kept;
 * and both engines' meta-steps per second; the faults (an over-limit network, a shader that does
 * not compile, a fallback mid-run), each a MAML++ run on tfjs kernels with the reason, θ and the
 * step kept. Report on `window.__glyphMamlppRun`.
 */

export interface MamlppRunReport {
  done: boolean;
  error: string | null;
  engines: { gpu: string; wasm: string; gpuLearner: boolean } | null;
  /** steps on each engine; the derivative order switches after `firstOrder` of them */
  steps: number;
  firstOrder: number;
  training: {
    /** the largest relative difference of a step's meta-loss, and of the baseline's */
    errMeta: number;
    errPretrainedCurve: number;
    /** θ's, the rates' and the baseline θ's change over the steps */
    errTheta: number;
    errRates: number;
    errPretrained: number;
    /** the views: the rates [steps × tensors], each step's rates spread per parameter */
    errRatesView: number;
    errSpread: number;
    /** how far the rates moved (so the comparison means something) */
    ratesMoved: number;
  } | null;
  /** the state moved to the WebAssembly engine and back, each move read back the same */
  moves: {
    keptToWasm: boolean;
    keptBack: boolean;
    errTheta: number;
    errRates: number;
    errMoments: number;
    sameSteps: boolean;
  } | null;
  /** meta-steps per second of each engine on this run, measured one after the other */
  rates: { gpu: number; wasm: number; steps: number } | null;
  /** MAML++ runs that fall back to tfjs kernels (glyphRunCheck.ts fallbacks) */
  fallbacks: FallbackRow[];
}

const STEPS = 4;
const FIRST_ORDER = 2;
const config = (): Experiment =>
  parseExperiment(
    `task=glyphs&algo=mamlpp&ways=3&k=1&query=2&batch=2&filters=4&inner=2&beta=0.01&msl=3&firstOrder=${FIRST_ORDER}&span=6`,
  ).config;

const maxRel = (a: number[], b: number[]) =>
  Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number)) / Math.abs(b[i] as number)));

const read = async (t: tf.Tensor | null): Promise<Float32Array> =>
  t ? Float32Array.from(await t.data()) : new Float32Array(0);

/** The learned rates as the views hand them out: [steps × tensors], and every step's spread. */
async function views(run: GlyphRun): Promise<{ rates: Float32Array; spread: Float32Array }> {
  const perStep = run.learner.stepRates()?.perStep ?? [];
  const rows = await Promise.all(perStep.map((r) => read(r as tf.Tensor)));
  const spread = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  rows.reduce((at, r) => (spread.set(r, at), at + r.length), 0);
  return { rates: await read(run.learner.rates), spread };
}

/** A run on the fused engine of tfjs's backend (WGSL on WebGPU; WebAssembly on cpu). */
function fusedRun(c: Experiment): GlyphRun {
  const run = new GlyphRun(c, { engine: 'fused' });
  if (run.engine !== 'fused') throw new Error(`the run did not take a fused engine: ${run.fallbackReason}`);
  return run;
}

async function training(report: MamlppRunReport, gpu: GlyphRun, wasm: GlyphRun): Promise<void> {
  report.engines = {
    gpu: (gpu as unknown as { gpu: object | null }).gpu ? 'WGSL' : 'other',
    wasm: (wasm as unknown as { fused: object | null }).fused ? 'WebAssembly' : 'other',
    gpuLearner: gpu.learner instanceof GpuLearner,
  };
  const start = await gpu.exportState();
  const a = await losses(gpu, STEPS);
  const b = await onCpu(() => losses(wasm, STEPS));
  const [sa, sb] = [await gpu.exportState(), await onCpu(() => wasm.exportState())];
  const [va, vb] = [await views(gpu), await onCpu(() => views(wasm))];
  const delta = (s: TrainingState, f: (s: TrainingState) => Float32Array) => minus(f(s), f(start));
  const rates = (s: TrainingState) => s.alpha as Float32Array;
  const pre = (s: TrainingState) => s.pretrained!.theta;
  report.training = {
    errMeta: maxRel(a.meta, b.meta),
    errPretrainedCurve: maxRel(a.pretrained, b.pretrained),
    errTheta: relError(
      delta(sa, (s) => s.theta),
      delta(sb, (s) => s.theta),
    ),
    errRates: relError(delta(sa, rates), delta(sb, rates)),
    errPretrained: relError(delta(sa, pre), delta(sb, pre)),
    errRatesView: relError(va.rates, vb.rates),
    errSpread: relError(va.spread, vb.spread),
    ratesMoved: relError(rates(sb), rates(start)),
  };
}

/** Every number of the state the same: θ, the rates, both Adams (moments and step), the step. */
function kept(a: TrainingState, b: TrainingState): boolean {
  const eq = (x: Float32Array | null | undefined, y: Float32Array | null | undefined) =>
    !!x && !!y && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return (
    a.step === b.step &&
    [a.theta, a.thetaAdam.m, a.thetaAdam.v, a.alpha, a.alphaAdam?.m, a.alphaAdam?.v].every((x, i) =>
      eq(x, [b.theta, b.thetaAdam.m, b.thetaAdam.v, b.alpha, b.alphaAdam?.m, b.alphaAdam?.v][i]),
    ) &&
    a.thetaAdam.t === b.thetaAdam.t &&
    a.alphaAdam?.t === b.alphaAdam?.t &&
    eq(a.pretrained?.theta, b.pretrained?.theta)
  );
}

/** A run restored from `state` on tfjs's backend now, and its state read back. */
async function restored(state: TrainingState): Promise<{ run: GlyphRun; back: TrainingState }> {
  const run = fusedRun(state.config);
  run.restoreState(state);
  return { run, back: await run.exportState() };
}

/** The WGSL run's state continued one step on the WebAssembly engine, then one on WGSL again. */
async function moves(report: MamlppRunReport, gpu: GlyphRun): Promise<void> {
  const from = await gpu.exportState();
  const onWasm = await onCpu(async () => {
    const w = await restored(from);
    await losses(w.run, 1);
    const after = await w.run.exportState();
    w.run.dispose();
    return { back: w.back, after };
  });
  const g = await restored(onWasm.after);
  await losses(g.run, 1);
  const moved = await g.run.exportState();
  g.run.dispose();
  await losses(gpu, 2);
  const straight = await gpu.exportState();
  const change = (s: TrainingState, f: (s: TrainingState) => Float32Array) => minus(f(s), f(from));
  const m = (s: TrainingState) => Float32Array.from([...s.thetaAdam.m, ...(s.alphaAdam?.m ?? [])]);
  report.moves = {
    keptToWasm: kept(onWasm.back, from),
    keptBack: kept(g.back, onWasm.after),
    errTheta: relError(
      change(moved, (s) => s.theta),
      change(straight, (s) => s.theta),
    ),
    errRates: relError(
      change(moved, (s) => s.alpha!),
      change(straight, (s) => s.alpha!),
    ),
    errMoments: relError(m(moved), m(straight)),
    sameSteps:
      moved.step === straight.step &&
      moved.thetaAdam.t === straight.thetaAdam.t &&
      moved.alphaAdam?.t === straight.alphaAdam?.t,
  };
}

/** Meta-steps per second of a run over `steps` steps (the losses read once at the end). */
async function stepsPerSecond(run: GlyphRun, steps: number): Promise<number> {
  await losses(run, 1);
  const t0 = performance.now();
  const out: tf.Tensor[] = [];
  for (let i = 0; i < steps; i++) {
    const r = run.step();
    out.push(r.meta);
    if (r.pretrained) out.push(r.pretrained);
  }
  await Promise.all(out.map((t) => t.data()));
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose(out);
  return steps / seconds;
}

async function checks(report: MamlppRunReport, status: (s: string) => void): Promise<void> {
  await loadFusedGlyph();
  const gpu = fusedRun(config());
  await gpu.prepare();
  const wasm = await onCpu(() => fusedRun(config()));
  try {
    status('glyph MAML++ run: training beside the WebAssembly engine');
    await training(report, gpu, wasm);
    status('glyph MAML++ run: state moves');
    await moves(report, gpu);
    status('glyph MAML++ run: meta-steps per second');
    const steps = 10;
    report.rates = {
      gpu: await stepsPerSecond(gpu, steps),
      wasm: await onCpu(() => stepsPerSecond(wasm, steps)),
      steps,
    };
  } finally {
    gpu.dispose();
    await onCpu(() => wasm.dispose());
  }
  status('glyph MAML++ run: faults');
  // second order from the first step, two inner steps: the engine's whole MAML++ program
  report.fallbacks = await fallbacks('&algo=mamlpp&inner=2&msl=3&firstOrder=0');
}

/** Runs the checks and reports on window.__glyphMamlppRun. */
export async function glyphMamlppRunMain(status: (s: string) => void): Promise<void> {
  const report: MamlppRunReport = {
    done: false,
    error: null,
    engines: null,
    steps: STEPS,
    firstOrder: FIRST_ORDER,
    training: null,
    moves: null,
    rates: null,
    fallbacks: [],
  };
  (window as unknown as { __glyphMamlppRun: MamlppRunReport }).__glyphMamlppRun = report;
  try {
    await checks(report, status);
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  finishReport(report, status);
}
