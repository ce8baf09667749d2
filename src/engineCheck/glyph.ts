import * as tf from '@tensorflow/tfjs';
import { FusedGlyphEngine } from '../core/engines/fusedGlyph/fusedGlyph';
import { WebgpuGlyphEngine } from '../core/engines/webgpuGlyph/webgpuGlyph';
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
import { relError } from './reference';

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
  resume: { bitEqual: boolean; fromCpu: number } | null;
  leak: { before: number; after: number } | null;
  fallbacks: { name: string; fellBack: boolean; reason: string }[];
  error: string | null;
}

const TOLERANCE = 1e-4;

/** Resume: a WGSL state restored into a fresh engine steps to the same θ bit for bit; a CPU state too (to tolerance). */
async function resumeCheck(): Promise<{ bitEqual: boolean; fromCpu: number }> {
  const s = glyphSettings({ beta: 0.01 });
  const theta = thetaFor(s);
  const [b1, b2] = [batchFor(s, 2, 201), batchFor(s, 2, 202)];
  const a = await WebgpuGlyphEngine.create(s, theta);
  tf.dispose(a.step(b1).meta);
  const b = await WebgpuGlyphEngine.create(s, thetaFor(glyphSettings({ beta: 0.01 })));
  b.restore(await a.state());
  tf.dispose([a.step(b2).meta, b.step(b2).meta]);
  const [ta, tb] = [await a.state(), await b.state()];
  const bitEqual = ta.theta.every((v, i) => Object.is(v, tb.theta[i])) && ta.thetaAdam.t === tb.thetaAdam.t;
  a.dispose();
  b.dispose();
  // an engine change: the CPU engine's θ and Adam moments continue on WebGPU
  const cpu = await FusedGlyphEngine.create(s, theta);
  cpu.step(b1);
  const gpu = await WebgpuGlyphEngine.create(s, theta);
  gpu.restore(cpu.state());
  cpu.step(b2);
  tf.dispose(gpu.step(b2).meta);
  const before = cpu.state();
  const fromCpu = relError((await gpu.state()).theta, before.theta);
  gpu.dispose();
  cpu.dispose();
  return { bitEqual, fromCpu };
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

async function fallback(name: string, make: () => Promise<WebgpuGlyphEngine>) {
  try {
    (await make()).dispose();
    return { name, fellBack: false, reason: '' };
  } catch (e) {
    return { name, fellBack: true, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** An over-limit network and a broken shader are refused with a reason; the backend still works after. */
async function fallbackChecks(): Promise<GlyphReport['fallbacks']> {
  const big = glyphSettings({ filters: 64, blocks: 4, ways: 20, shots: 10, query: 50, maxTasks: 32 });
  const s = glyphSettings();
  const out = [
    await fallback('over-limit network', () => WebgpuGlyphEngine.create(big, thetaFor(big))),
    await fallback('broken shader', () => WebgpuGlyphEngine.create(s, thetaFor(s), { breakShader: true })),
  ];
  const after = await fallback('a working engine afterwards', async () => {
    const e = await WebgpuGlyphEngine.create(s, thetaFor(s));
    const loss = e.step(batchFor(s, 1, 9)).meta;
    const v = (await loss.data())[0] as number;
    loss.dispose();
    if (!Number.isFinite(v)) throw new Error(`loss ${v}`);
    return e;
  });
  out.push(after);
  return out;
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

export async function glyphMain(adapter: string | null, status: (s: string) => void): Promise<void> {
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
    error: null,
  };
  (window as unknown as { __glyphCheck: GlyphReport }).__glyphCheck = report;
  try {
    for (const c of GLYPH_CASES) {
      status(`glyph: ${c.name}`);
      report.rows.push(await gradientCase(c, TOLERANCE));
      render(report);
    }
    status('glyph: Hessian term, Adam, resume, leaks, fallbacks');
    report.hessianShare = await hessianShare();
    report.adam.push(await adamCase('maml', 3), await adamCase('metasgd', 2));
    report.resume = await resumeCheck();
    report.leak = await leakCheck();
    report.fallbacks = await fallbackChecks();
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  report.done = true;
  status(report.error ? 'failed' : 'done');
  render(report);
}
