import * as tf from '@tensorflow/tfjs';
import { parseExperiment, type Experiment } from '../core/experiment';
import type { GlyphEngineFaults } from '../core/families/glyphs/gpu';
import { GlyphRun } from '../core/families/glyphs/run';
import { loadFusedGlyph } from '../core/engines/fusedGlyph/wasmModule';
import type { TrainingState } from '../core/runs/trainingState';
import { DEFAULT_LIMITS } from '../core/engines/webgpu/layout';
import { countDispatches } from './fused';
import { pretrainedRows, type PretrainedRow } from './glyphPretrained';
import { minus, relError } from './reference';

/**
 * The glyph run on the fused WGSL engine (engine 'fused' while tfjs runs on WebGPU): the pretrained
 * baseline's step against tfjs, training beside the fused WebAssembly engine, resume, Adam carried
 * to and from tfjs kernels and the WebAssembly engine, the dispatches of a step, and the fallbacks
 * to tfjs with a reason (an over-limit network, a shader that does not compile, a fallback mid-run).
 */

export interface GlyphRunReport {
  done: boolean;
  adapter: string | null;
  error: string | null;
  /** seconds each phase took */
  seconds: Record<string, number>;
  pretrained: PretrainedRow[];
  /** 3 steps beside the fused WebAssembly engine: θ, the baseline's θ, and both loss curves */
  training: { errTheta: number; errPretrained: number; errMeta: number; errPretrainedCurve: number } | null;
  resumeBitEqual: boolean | null;
  /** θ's change over a step after the state moved GPU → tfjs, and tfjs → GPU */
  adamCarry: { toTfjs: number; toWasm: number; fromTfjs: number } | null;
  /** dispatches of a run's step for several batch shapes (one engine each) */
  dispatches: { config: string; count: number; declared: number }[];
  fallbacks: { name: string; engine: string; reason: string | null; kept: boolean; trains: boolean }[];
}

const config = (extra = ''): Experiment =>
  parseExperiment(`task=glyphs&ways=3&batch=2&query=2&filters=4&beta=0.01${extra}`).config;

export async function losses(
  run: GlyphRun,
  steps: number,
): Promise<{ meta: number[]; pretrained: number[] }> {
  const out = { meta: [] as number[], pretrained: [] as number[] };
  for (let i = 0; i < steps; i++) {
    const r = run.step();
    out.meta.push(((await r.meta.data())[0] as number) ?? NaN);
    if (r.pretrained) out.pretrained.push((await r.pretrained.data())[0] as number);
    tf.dispose([r.meta, r.pretrained as tf.Scalar]);
  }
  return out;
}

const f32 = (a: number[]) => Float32Array.from(a);

export function sameBits(a: TrainingState, b: TrainingState): boolean {
  const eq = (x: Float32Array | null | undefined, y: Float32Array | null | undefined) =>
    (x ?? null) === null
      ? (y ?? null) === null
      : !!y && x!.length === y.length && x!.every((v, i) => Object.is(v, y[i]));
  return (
    a.step === b.step &&
    eq(a.theta, b.theta) &&
    eq(a.thetaAdam.m, b.thetaAdam.m) &&
    eq(a.thetaAdam.v, b.thetaAdam.v) &&
    eq(a.alpha, b.alpha) &&
    eq(a.pretrained?.theta, b.pretrained?.theta) &&
    eq(a.pretrained?.adam.m, b.pretrained?.adam.m) &&
    a.thetaAdam.t === b.thetaAdam.t
  );
}

/**
 * `make` on tfjs's cpu backend, then back on WebGPU: where tfjs-kernel runs train in this check
 * (second-order tfjs kernels on SwiftShader take minutes a step) and where a glyph run asked for
 * the fused engine takes the WebAssembly one.
 */
export async function onCpu<T>(make: () => T | Promise<T>): Promise<T> {
  if (!(await tf.setBackend('cpu'))) throw new Error('no cpu backend');
  try {
    return await make();
  } finally {
    await tf.setBackend('webgpu');
  }
}

/** 3 steps on the WGSL engine beside the fused WebAssembly engine (itself checked against tfjs in Node). */
async function training(): Promise<NonNullable<GlyphRunReport['training']>> {
  const gpu = new GlyphRun(config(), { engine: 'fused' });
  if (gpu.engine !== 'fused')
    throw new Error(`the glyph run did not take the WGSL engine: ${gpu.fallbackReason}`);
  await gpu.prepare();
  const wasm = await onCpu(() => new GlyphRun(config(), { engine: 'fused' }));
  const [a, b] = [await losses(gpu, 3), await onCpu(() => losses(wasm, 3))];
  const [sa, sb] = [await gpu.exportState(), await wasm.exportState()];
  const theta0 = gpu.theta0;
  const out = {
    errTheta: relError(minus(sa.theta, theta0), minus(sb.theta, theta0)),
    errPretrained: relError(sa.pretrained!.theta, sb.pretrained!.theta),
    errMeta: relError(f32(a.meta), f32(b.meta)),
    errPretrainedCurve: relError(f32(a.pretrained), f32(b.pretrained)),
  };
  gpu.dispose();
  wasm.dispose();
  return out;
}

/** A run continued from `state` for one step on `engine` ('fused' on wasm: the WebAssembly engine). */
async function stepFrom(
  state: TrainingState,
  engine: 'tfjs' | 'fused',
  wasm: boolean,
): Promise<TrainingState> {
  const go = async () => {
    const run = new GlyphRun(state.config, { engine });
    run.restoreState(state);
    await losses(run, 1);
    const out = await run.exportState();
    run.dispose();
    return out;
  };
  return wasm ? onCpu(go) : go();
}

/**
 * Resume to the bit; Adam's moments carried from the WGSL engine to tfjs kernels and to the
 * WebAssembly engine and back (θ's change over the next step against the WGSL run's own).
 */
async function carry(report: GlyphRunReport): Promise<void> {
  const c = config('&algo=metasgd');
  const a = new GlyphRun(c, { engine: 'fused' });
  await losses(a, 2);
  const mid = await a.exportState();
  const resumed = await stepFrom(mid, 'fused', false);
  await losses(a, 1);
  const sa = await a.exportState();
  report.resumeBitEqual = sameBits(sa, resumed);
  const change = (s: TrainingState, from: TrainingState) => minus(s.theta, from.theta);
  const [tfjs, wasm] = [await stepFrom(mid, 'tfjs', true), await stepFrom(mid, 'fused', true)];
  // and back: the tfjs-kernel state continues on a fresh WGSL run
  const back = await stepFrom(tfjs, 'fused', false);
  const tfjsOn = await stepFrom(tfjs, 'tfjs', true);
  report.adamCarry = {
    toTfjs: relError(change(tfjs, mid), change(sa, mid)),
    toWasm: relError(change(wasm, mid), change(sa, mid)),
    fromTfjs: relError(change(back, tfjs), change(tfjsOn, tfjs)),
  };
  a.dispose();
}

async function dispatches(): Promise<GlyphRunReport['dispatches']> {
  const out: GlyphRunReport['dispatches'] = [];
  const shapes: [string, boolean][] = [
    ['&batch=1', true],
    ['&batch=3&ways=5&k=2&query=3', true],
    ['&algo=fomaml', false],
  ];
  for (const [extra, pretrained] of shapes) {
    const run = new GlyphRun(config(extra), { engine: 'fused', pretrained });
    await run.prepare();
    const counted = countDispatches(() => run.step());
    tf.dispose([counted.value.meta, counted.value.pretrained as tf.Scalar]);
    const engine = (run as unknown as { gpu: { dispatchesPerStep(): number } }).gpu;
    out.push({
      config: `${extra}${pretrained ? '' : ' (no baseline)'}`,
      count: counted.count,
      declared: engine.dispatchesPerStep(),
    });
    run.dispose();
  }
  return out;
}

/** The three faults: an over-limit network, a shader that does not compile, a fallback mid-run. */
export async function fallbacks(extra?: string): Promise<FallbackRow[]> {
  const tiny = { ...DEFAULT_LIMITS, maxStorageBufferBindingSize: 1 << 16 };
  return [
    await fallback('over-limit network', { gpuLimits: tiny }, false, extra),
    await fallback('broken shader', { breakShader: true }, false, extra),
    await fallback('mid-run', undefined, true, extra),
  ];
}

const setFaults = (f: GlyphEngineFaults | undefined) => {
  (globalThis as { __glyphEngineFaults?: GlyphEngineFaults }).__glyphEngineFaults = f;
};

export type FallbackRow = GlyphRunReport['fallbacks'][number];

/**
 * A fault, then whether the run (the link's small network with `extra`) trains on tfjs with the
 * reason, θ and the step kept.
 */
export async function fallback(
  name: string,
  faults: GlyphEngineFaults | undefined,
  midRun: boolean,
  // (first order: the tfjs-kernel steps after the fallback are quicker on SwiftShader)
  extra = '&algo=fomaml',
): Promise<FallbackRow> {
  setFaults(faults);
  const run = new GlyphRun(config(extra), { engine: 'fused' });
  setFaults(undefined);
  let before: TrainingState | null = null;
  if (midRun) {
    await run.prepare();
    await losses(run, 2);
    before = await run.exportState();
    await (run as unknown as { fallBackToTfjs(r: string): Promise<void> }).fallBackToTfjs('a test reason');
  }
  const reason = await run.prepare().then(
    () => null,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  const kept = before === null || sameBits(before, await run.exportState());
  const step = run.stepCount;
  const curve = await losses(run, 1);
  const trains = run.stepCount === step + 1 && curve.meta.every(Number.isFinite);
  const engine = run.engine;
  run.dispose();
  return { name, engine, reason, kept, trains };
}

async function glyphRunChecks(report: GlyphRunReport, status: (s: string) => void): Promise<void> {
  await loadFusedGlyph();
  const phase = async (name: string, f: () => Promise<void>) => {
    status(`glyph run: ${name}`);
    const t0 = performance.now();
    await f();
    report.seconds[name] = (performance.now() - t0) / 1000;
    render(report);
  };
  await phase('the pretrained baseline against tfjs', async () => {
    report.pretrained = await pretrainedRows();
  });
  await phase('training', async () => {
    report.training = await training();
  });
  await phase('resume, Adam carried', () => carry(report));
  await phase('dispatches', async () => {
    report.dispatches = await dispatches();
  });
  await phase('fallbacks', async () => {
    report.fallbacks = await fallbacks();
  });
}

/** engine-check.html?glyph=run: these checks, the report on `window.__glyphRunCheck`. */
export async function glyphRunMain(adapter: string | null, status: (s: string) => void): Promise<void> {
  const report: GlyphRunReport = {
    done: false,
    adapter,
    error: null,
    seconds: {},
    pretrained: [],
    training: null,
    resumeBitEqual: null,
    adamCarry: null,
    dispatches: [],
    fallbacks: [],
  };
  (window as unknown as { __glyphRunCheck: GlyphRunReport }).__glyphRunCheck = report;
  try {
    await glyphRunChecks(report, status);
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  report.done = true;
  status(report.error ? 'failed' : 'done');
  render(report);
}

function render(report: GlyphRunReport): void {
  const el = document.getElementById('report');
  if (el) {
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(report, null, 1);
    el.replaceChildren(pre);
  }
  document.body.dataset.done = String(report.done);
}
