import * as tf from '@tensorflow/tfjs';
import type { FusedGlyphSettings } from '../core/engines/fusedGlyph/fusedGlyph';
import { webgpuBackend } from '../core/engines/webgpu/device';
import { run } from '../core/engines/webgpu/programs';
import { geometry, type Geometry } from '../core/engines/webgpuGlyph/layout';
import {
  advanceSource,
  advanceTarget,
  advanceWgsl,
  glyphRateAccessor,
  glyphRateTensors,
  mamlppParams,
} from '../core/engines/webgpuGlyph/mamlppGlyph';
import { LSLR_STEPS } from '../core/meta/mamlppSchedule';
import { Rng } from '../core/random';
import { glyphSettings } from './glyphCases';

/**
 * engine-check.html?glyph=mamlpp-pieces: the WGSL of the glyph engine's MAML++ pieces
 * (webgpuGlyph/mamlppGlyph.ts) compiled and run on the adapter: the sets' advance and its inverse
 * as gathers of θ, and lr(i) at every inner step, against the same maps in TypeScript (which
 * test/webgpuGlyphMamlpp.test.ts ties to StepNormClassifier and the WebAssembly engine). Exact:
 * every output is a copied float. The report is on `window.__glyphMamlppPieces`.
 */

export interface PiecesRow {
  name: string;
  params: number;
  advanceWrong: number;
  retreatWrong: number;
  rateWrong: number;
  pass: boolean;
}

export interface PiecesReport {
  done: boolean;
  rows: PiecesRow[];
  error: string | null;
}

const CASES: [string, Partial<FusedGlyphSettings>][] = [
  ['conv, batch norm, 2 blocks', {}],
  ['conv, bias, 3 blocks', { blocks: 3, batchNorm: false }],
  ['fc, batch norm, odd widths', { net: 'fc', hidden: [30, 17, 6] }],
];

/** [advance(θ) | retreat(θ) | lr(i) at step `step` for i < P, 0 beyond] (3·PT floats). */
function piecesProgram(geo: Geometry, step: number) {
  const PT = mamlppParams(geo);
  return {
    key: `glyphMamlppPieces_${geo.conv ? 'c' : 'f'}${geo.batchNorm ? 1 : 0}_${geo.params}`,
    code: `${advanceWgsl(geo)}
var<private> fS: u32;
${glyphRateAccessor(geo)}
fn main(index: i32) {
  let j = u32(index);
  if (j >= ${PT}u) { return; }
  result[j] = theta[kSetSource(j)];
  result[${PT}u + j] = theta[kSetTarget(j)];
  fS = u32(uniforms.step);
  result[${2 * PT}u + j] = select(0.0, lr(min(j, ${geo.params - 1}u)), j < ${geo.params}u);
}`,
    variableNames: ['theta', 'rates'],
    uniforms: 'step : i32,',
    workgroupSize: 64,
    shape: { size: 3 * PT, groups: Math.ceil(PT / 64) },
    step,
  };
}

async function pieceCase(name: string, over: Partial<FusedGlyphSettings>): Promise<PiecesRow> {
  const geo = geometry(glyphSettings(over));
  const PT = mamlppParams(geo);
  const tensors = glyphRateTensors(geo);
  const rng = new Rng(11, 'pieces');
  const thetaV = Float32Array.from({ length: PT }, () => rng.uniform(-1, 1));
  const ratesV = Float32Array.from({ length: LSLR_STEPS * tensors.length }, () => rng.uniform(0, 1));
  const [theta, rates] = [tf.tensor1d(thetaV), tf.tensor1d(ratesV)];
  const row: PiecesRow = { name, params: PT, advanceWrong: 0, retreatWrong: 0, rateWrong: 0, pass: false };
  for (const step of [0, 4, LSLR_STEPS - 1]) {
    const p = piecesProgram(geo, step);
    const out = run(webgpuBackend(), p, p.shape, [theta, rates], [{ type: 'int32', data: [step] }]);
    const got = (await out.data()) as Float32Array;
    out.dispose();
    for (let j = 0; j < PT; j++) {
      if (!Object.is(got[j], thetaV[advanceSource(geo, j)])) row.advanceWrong += 1;
      if (!Object.is(got[PT + j], thetaV[advanceTarget(geo, j)])) row.retreatWrong += 1;
    }
    const base = geo.batchNorm ? tensors.slice(0, -1) : tensors;
    base.forEach((t, k) => {
      const want = ratesV[step * tensors.length + k];
      for (let i = t.at; i < t.at + t.n; i++) if (!Object.is(got[2 * PT + i], want)) row.rateWrong += 1;
    });
  }
  tf.dispose([theta, rates]);
  row.pass = row.advanceWrong === 0 && row.retreatWrong === 0 && row.rateWrong === 0;
  return row;
}

/** Runs the cases and reports on window.__glyphMamlppPieces. */
export async function glyphMamlppPiecesMain(status: (s: string) => void): Promise<void> {
  const report: PiecesReport = { done: false, rows: [], error: null };
  (window as unknown as { __glyphMamlppPieces: PiecesReport }).__glyphMamlppPieces = report;
  try {
    for (const [name, over] of CASES) {
      status(`glyph MAML++ pieces: ${name}`);
      report.rows.push(await pieceCase(name, over));
    }
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  finishReport(report, status);
}

/** Marks a check's report done: the status line, the report as JSON on the page, body[data-done]. */
export function finishReport(
  report: { done: boolean; error: string | null },
  status: (s: string) => void,
): void {
  report.done = true;
  status(report.error ? 'failed' : 'done');
  const el = document.getElementById('report');
  if (el) {
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(report, null, 1);
    el.replaceChildren(pre);
  }
  document.body.dataset.done = 'true';
}
