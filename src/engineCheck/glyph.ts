import * as tf from '@tensorflow/tfjs';
import { FusedGlyphEngine, type FusedGlyphSettings } from '../core/engines/fusedGlyph/fusedGlyph';
import { tryWebgpuGlyph } from '../core/engines/webgpuGlyph/tryGlyph';
import { WebgpuGlyphEngine, type WebgpuGlyphOptions } from '../core/engines/webgpuGlyph/webgpuGlyph';
import {
  adamCase,
  batchFor,
  GLYPH_CASES,
  glyphSettings,
  gradientCase,
  hessianShare,
  thetaFor,
  type GlyphRowResult,
} from './glyphCases';
import { minus, relError } from './reference';
import { glyphBench, type GlyphRate } from './glyphBench';

/**
 * The glyph half of the engine check page (engine-check.html?glyph=1): the fused WGSL glyph
 * meta-step against the fused CPU engine, dispatches per step, Adam, resume, an engine change,
 * tensor leaks and the fallbacks. The report is on `window.__glyphCheck`.
 */

export interface GlyphReport {
  done: boolean;
  tolerance: number;
  adapter: string | null;
  rows: GlyphRowResult[];
  hessianShare: number | null;
  adam: Awaited<ReturnType<typeof adamCase>>[];
  resume: { bitEqual: boolean; fromCpu: number; toCpu: number } | null;
  leak: { before: number; after: number } | null;
  fallbacks: { name: string; fellBack: boolean; reason: string }[];
  rates: GlyphRate[];
  error: string | null;
}

const TOLERANCE = 1e-4;

/** Resume: a WGSL state (θ, Adam's moments and step) restored into a fresh engine steps to the same θ bit for bit. */
async function resumeCheck(): Promise<boolean> {
  const s = glyphSettings({ beta: 0.01, algo: 'metasgd' });
  const theta = thetaFor(s);
  const [b1, b2] = [batchFor(s, 2, 201), batchFor(s, 2, 202)];
  const a = await WebgpuGlyphEngine.create(s, theta);
  tf.dispose(a.step(b1).meta);
  const b = await WebgpuGlyphEngine.create(s, theta);
  b.restore(await a.state());
  tf.dispose([a.step(b2).meta, b.step(b2).meta]);
  const [ta, tb] = [await a.state(), await b.state()];
  a.dispose();
  b.dispose();
  const same = (x: Float32Array | null, y: Float32Array | null) =>
    x !== null && y !== null && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return (
    same(ta.theta, tb.theta) &&
    same(ta.alpha, tb.alpha) &&
    same(ta.thetaAdam.m, tb.thetaAdam.m) &&
    same(ta.thetaAdam.v, tb.thetaAdam.v) &&
    ta.thetaAdam.t === tb.thetaAdam.t
  );
}

/**
 * An engine change each way: θ and Adam's moments after a step on one engine continue on the
 * other; the next step's change of θ is compared with the same step on the first engine.
 */
async function engineChange(): Promise<{ fromCpu: number; toCpu: number }> {
  const s = glyphSettings({ beta: 0.01 });
  const theta = thetaFor(s);
  const [b1, b2] = [batchFor(s, 2, 201), batchFor(s, 2, 202)];
  const cpu = await FusedGlyphEngine.create(s, theta);
  cpu.step(b1);
  const mid = cpu.state();
  const gpu = await WebgpuGlyphEngine.create(s, theta);
  gpu.restore(mid);
  cpu.step(b2);
  tf.dispose(gpu.step(b2).meta);
  const gpuAfter = await gpu.state();
  const fromCpu = relError(minus(gpuAfter.theta, mid.theta), minus(cpu.state().theta, mid.theta));
  // and back: the WebGPU state continues on a fresh CPU engine
  const cpu2 = await FusedGlyphEngine.create(s, theta);
  cpu2.restore(gpuAfter);
  const b3 = batchFor(s, 2, 203);
  cpu2.step(b3);
  tf.dispose(gpu.step(b3).meta);
  const toCpu = relError(
    minus((await gpu.state()).theta, gpuAfter.theta),
    minus(cpu2.theta(), gpuAfter.theta),
  );
  [gpu, cpu, cpu2].forEach((e) => e.dispose());
  return { fromCpu, toCpu };
}

async function leakCheck(): Promise<{ before: number; after: number }> {
  const s = glyphSettings({ algo: 'metasgd' });
  const before = tf.memory().numTensors;
  const e = await WebgpuGlyphEngine.create(s, thetaFor(s));
  const b = batchFor(s, 2, 7);
  for (let i = 0; i < 5; i++) tf.dispose(e.step(b).meta);
  const g = e.metaGradient(b);
  tf.dispose([g.loss, g.theta, g.alpha].filter((x) => x !== null) as tf.Tensor[]);
  await e.state();
  e.dispose();
  return { before, after: tf.memory().numTensors };
}

async function fallback(name: string, s: FusedGlyphSettings, opts: WebgpuGlyphOptions = {}) {
  const made = await tryWebgpuGlyph(s, thetaFor(s), opts);
  if (made.ok) made.engine.dispose();
  return { name, fellBack: !made.ok, reason: made.ok ? '' : made.reason };
}

/** A step of a fresh engine after the fallbacks: the backend survived them. */
async function stillWorks(): Promise<{ name: string; fellBack: boolean; reason: string }> {
  const s = glyphSettings();
  const made = await tryWebgpuGlyph(s, thetaFor(s));
  if (!made.ok) return { name: 'a working engine afterwards', fellBack: true, reason: made.reason };
  const loss = made.engine.step(batchFor(s, 1, 9)).meta;
  const v = (await loss.data())[0] as number;
  loss.dispose();
  made.engine.dispose();
  return { name: 'a working engine afterwards', fellBack: !Number.isFinite(v), reason: `loss ${v}` };
}

/** An over-limit network and a broken shader are refused with a reason; the backend still works after. */
async function fallbackChecks(): Promise<GlyphReport['fallbacks']> {
  const big = glyphSettings({ filters: 64, blocks: 4, ways: 20, shots: 10, query: 50, maxTasks: 32 });
  return [
    await fallback('over-limit network', big),
    await fallback('broken shader', glyphSettings(), { breakShader: true }),
    await stillWorks(),
  ];
}

function render(r: GlyphReport): void {
  const el = document.getElementById('report');
  if (el) {
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(r, null, 1);
    el.replaceChildren(pre);
  }
  document.body.dataset.done = String(r.done);
}

async function runChecks(report: GlyphReport, status: (s: string) => void): Promise<void> {
  for (const c of GLYPH_CASES) {
    status(`glyph: ${c.name}`);
    report.rows.push(await gradientCase(c, TOLERANCE));
    render(report);
  }
  status('glyph: Hessian term, Adam, resume, leaks, fallbacks');
  report.hessianShare = await hessianShare();
  report.adam.push(await adamCase('maml', 20), await adamCase('metasgd', 3));
  report.resume = { bitEqual: await resumeCheck(), ...(await engineChange()) };
  report.leak = await leakCheck();
  report.fallbacks = await fallbackChecks();
}

/** Runs the checks, or with ?gbench=N only times N steps (glyphBench; `gconfig=page`: the lab's default). */
export async function glyphMain(adapter: string | null, status: (s: string) => void): Promise<void> {
  const bench = Number(new URLSearchParams(location.search).get('gbench') ?? 0);
  const report: GlyphReport = {
    done: false,
    tolerance: TOLERANCE,
    adapter,
    rows: [],
    hessianShare: null,
    adam: [],
    resume: null,
    leak: null,
    fallbacks: [],
    rates: [],
    error: null,
  };
  (window as unknown as { __glyphCheck: GlyphReport }).__glyphCheck = report;
  try {
    if (bench > 0) {
      status('glyph: timing');
      const page = new URLSearchParams(location.search).get('gconfig') === 'page';
      report.rates = await glyphBench(bench, page ? 'page' : 'default');
    } else await runChecks(report, status);
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  report.done = true;
  status(report.error ? 'failed' : 'done');
  render(report);
}
