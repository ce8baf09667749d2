import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { FusedWebgpuMlp, type FusedOptions } from '../core/engines/webgpu/fusedWebgpuMlp';
import { deviceLimits } from '../core/engines/webgpu/device';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { benchConfig, benchFused, benchTfjs } from './bench';
import { caseData, GRADIENT_CASES, STEP_CASES } from './cases';
import { reptileAdamF64 } from './float64Reptile';
import { fallbackChecks, fusedGradient, fusedSteps, leakCheck, type Tuning } from './fused';
import {
  minus,
  referenceGradient,
  referenceSteps,
  relError,
  type GradResult,
  type StepsResult,
} from './reference';
import { render, type CheckReport, type Row } from './report';
import { runChecks } from './runChecks';
import { glyphMain } from './glyph';
import { glyphRunMain } from './glyphRunCheck';
import { glyphMamlppPiecesMain } from './glyphMamlppPieces';
import { glyphMamlppMain } from './glyphMamlpp';
import { glyphMamlppRunMain } from './glyphMamlppRun';
import { MAMLPP_STEP_CASE, mamlppGradientRows, mamlppStepReference, mamlppStepRows } from './mamlpp';

/**
 * Engine check page: does the fused WebGPU meta-step agree with the tfjs reference on this device,
 * how many dispatches does a step take, and how fast is it? References run on tfjs-cpu first;
 * the fused engine then runs on tfjs-webgpu in the same page from the same θ and batches.
 * URL: ?cases=0 skips the comparisons (?cases=mamlpp runs only MAML++'s), ?bench=0 the speed runs
 * (fused, tfjs on webgpu and wasm).
 */
const TOLERANCE = 1e-5;
const params = new URLSearchParams(location.search);
const runCases = params.get('cases') !== '0';
const onlyMamlpp = params.get('cases') === 'mamlpp';
const runBench = params.get('bench') !== '0';
const report: CheckReport = {
  done: false,
  tolerance: TOLERANCE,
  adapter: null,
  limits: null,
  rows: [],
  dispatches: [],
  leak: null,
  fallbacks: [],
  runs: [],
  rates: [],
  benchConfig: null,
  error: null,
};
const w = window as unknown as { __engineCheck: CheckReport };
w.__engineCheck = report;

function status(text: string) {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

async function switchBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name)
    throw new Error(`tf.setBackend('${name}') failed (tfjs runs on ${tf.getBackend()})`);
}

async function adapterInfo(): Promise<Record<string, string> | null> {
  const gpu = (
    navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }
  ).gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter?.info) return null;
  const i = adapter.info;
  return {
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    device: i.device ?? '',
    description: i.description ?? '',
  };
}

function gradRow(
  name: string,
  algo: string,
  detail: string,
  fused: GradResult,
  ref: GradResult,
  firstOrder: GradResult | null,
): Row {
  const errTheta = relError(fused.theta, ref.theta);
  const errAlpha = ref.alpha && fused.alpha ? relError(fused.alpha, ref.alpha) : null;
  const errLoss = Math.abs(fused.loss - ref.loss) / Math.abs(ref.loss);
  const worst = Math.max(errTheta, errAlpha ?? 0, errLoss);
  // how far first-order MAML is from the reference: an engine that dropped the Hessian term
  // would be off by this much, so it must be far above the tolerance for the check to mean much
  const hessianShare = firstOrder ? relError(firstOrder.theta, ref.theta) : null;
  return {
    name,
    algo,
    detail,
    errTheta,
    errAlpha,
    errPretrained: null,
    errLoss,
    hessianShare,
    pass: worst <= TOLERANCE,
  };
}

function stepsRow(
  name: string,
  algo: string,
  detail: string,
  theta0: Float32Array,
  alpha0: Float32Array | null,
  fused: StepsResult,
  ref: StepsResult,
  f64: Float64Array | null,
): Row {
  // compare what the steps changed, not θ itself (θ would hide an error in small updates)
  let errTheta = relError(minus(fused.theta, theta0), minus(ref.theta, theta0));
  let note = '';
  if (f64) {
    // Reptile: f32 against f32 is ill-conditioned (see float64Reptile.ts); both against f64
    const truth = minus(f64, theta0);
    const tfjsErr = relError(minus(ref.theta, theta0), truth);
    note = ` · Δθ against float64: tfjs ${tfjsErr.toExponential(2)}, fused vs tfjs ${errTheta.toExponential(2)}`;
    errTheta = relError(minus(fused.theta, theta0), truth);
  }
  const errAlpha =
    alpha0 && fused.alpha && ref.alpha
      ? relError(minus(fused.alpha, alpha0), minus(ref.alpha, alpha0))
      : null;
  const errPretrained = relError(minus(fused.pretrained, theta0), minus(ref.pretrained, theta0));
  const errLoss = Math.max(
    relError(fused.metaLosses, ref.metaLosses),
    relError(fused.pretrainedLosses, ref.pretrainedLosses),
  );
  const worst = Math.max(errTheta, errAlpha ?? 0, errPretrained, errLoss);
  return {
    name,
    algo,
    detail: detail + note,
    errTheta,
    errAlpha,
    errPretrained,
    errLoss,
    hessianShare: null,
    pass: worst <= TOLERANCE,
  };
}

const detailOf = (k: (typeof GRADIENT_CASES)[number]) =>
  `${k.sizes.join('-')}, T ${k.tasks}, K ${k.support}, Q ${k.query}, inner ${k.inner}, α ${k.alpha}`;

/** MAML++ against the fused WebAssembly engine (and the baseline against tfjs), for one tuning. */
async function mamlppComparisons(
  ref: Awaited<ReturnType<typeof mamlppStepReference>>,
  tuning: Tuning,
  suffix: string,
) {
  status(`fused: MAML++${suffix}…`);
  report.rows.push(...(await mamlppGradientRows(tuning, suffix, TOLERANCE)));
  const steps = await mamlppStepRows(ref, tuning, suffix, TOLERANCE);
  report.rows.push(...steps.rows);
  report.dispatches.push({ name: MAMLPP_STEP_CASE.name + suffix, ...steps.dispatches });
  render(report);
}

async function comparisons(): Promise<void> {
  status('tfjs-cpu reference…');
  await switchBackend('cpu');
  const ppRef = await mamlppStepReference();
  const refGrads: GradResult[] = [];
  const refFirstOrder: (GradResult | null)[] = [];
  for (const k of onlyMamlpp ? [] : GRADIENT_CASES) {
    const d = caseData(k);
    refGrads.push(await referenceGradient(k, d.theta0, d.alpha0, d.batches[0]!));
    const fo =
      k.algo === 'maml'
        ? await referenceGradient({ ...k, algo: 'fomaml' }, d.theta0, null, d.batches[0]!)
        : null;
    refFirstOrder.push(fo);
  }
  const refSteps: StepsResult[] = [];
  for (const k of onlyMamlpp ? [] : STEP_CASES) {
    const d = caseData(k, 3);
    refSteps.push(await referenceSteps(k, d.theta0, d.alpha0, d.batches));
  }
  await switchBackend('webgpu');
  // the adapter's own tuning, and the GPU tuning (64 invocations, activations in workgroup
  // memory) wherever that differs, so both code paths are checked on any adapter
  const gpu: Tuning = { workgroup: 64, workgroupMemory: true };
  const probe = new FusedWebgpuMlp(
    { sizes: [1, 1, 1], algo: 'maml', alpha: 0, beta: 0, inner: 1 },
    new Float32Array(4),
  );
  const own = probe.tuning;
  probe.dispose();
  const tunings: [string, Tuning][] = [['', {}]];
  if (own.workgroup !== gpu.workgroup || own.workgroupMemory !== gpu.workgroupMemory)
    tunings.push([' · GPU tuning', gpu]);
  for (const [suffix, tuning] of tunings) {
    await mamlppComparisons(ppRef, tuning, suffix);
    if (onlyMamlpp) continue;
    for (const [i, k] of GRADIENT_CASES.entries()) {
      status(`fused: ${k.name}${suffix}…`);
      const d = caseData(k);
      const fused = await fusedGradient(k, d.theta0, d.alpha0, d.batches[0]!, tuning);
      report.rows.push(
        gradRow(k.name + suffix, k.algo, detailOf(k), fused, refGrads[i]!, refFirstOrder[i] ?? null),
      );
      render(report);
    }
    for (const [i, k] of STEP_CASES.entries()) {
      status(`fused: ${k.name}${suffix}…`);
      const d = caseData(k, 3);
      const fused = await fusedSteps(k, d.theta0, d.alpha0, d.batches, tuning);
      const f64 =
        k.algo === 'reptile' ? reptileAdamF64(k.sizes, d.theta0, d.batches, k.alpha, k.inner, 0.001) : null;
      report.rows.push(
        stepsRow(k.name + suffix, k.algo, detailOf(k), d.theta0, d.alpha0, fused, refSteps[i]!, f64),
      );
      report.dispatches.push({
        name: k.name + suffix,
        counted: Math.max(...fused.dispatches),
        declared: fused.declared,
      });
      render(report);
    }
  }
  if (onlyMamlpp) return;
  status('tensor leak check…');
  report.leak = await leakCheck(STEP_CASES[1]!);
  status('fallback checks…');
  report.fallbacks = await fallbackChecks();
  status('whole runs…');
  report.runs = await runChecks();
}

/**
 * Rounds of: fused alone and with the pretrained baseline (and any tuning variants) on WebGPU,
 * then the tfjs path on wasm alone and with the baseline; tfjs on WebGPU once (it is slow).
 * ?repeat=3 interleaves three rounds, so a busy machine shows up as spread, not as a ranking.
 */
async function bench(): Promise<void> {
  // tuning variants: ?wg=16,128 other task workgroup sizes, ?shared=0 also activations in storage
  const sizes = (params.get('wg') ?? '').split(',').filter(Boolean).map(Number);
  const variants: FusedOptions[] = sizes.map((workgroup) => ({ workgroup }));
  if (params.get('blocked') === '0') variants.push({ blocked: false });
  if (params.get('shared') === '0') {
    variants.push(
      { workgroupMemory: false },
      ...sizes.map((workgroup) => ({ workgroup, workgroupMemory: false })),
    );
  }
  const config = benchConfig(params);
  report.benchConfig = config;
  setWasmPaths(new URL('tfjs/', document.baseURI).href);
  const repeat = Number(params.get('repeat') ?? 1);
  for (let i = 0; i < repeat; i++) {
    await switchBackend('webgpu');
    status(`timing fused WebGPU (round ${i + 1} of ${repeat})…`);
    report.rates.push(await benchFused(config, 3, 40), await benchFused(config, 3, 40, { pretrained: true }));
    for (const v of variants) report.rates.push(await benchFused(config, 3, 40, v));
    if (i === 0) {
      status('timing tfjs on WebGPU…');
      report.rates.push(await benchTfjs(config, 1, 3));
    }
    status(`timing tfjs on wasm (round ${i + 1} of ${repeat})…`);
    await switchBackend('wasm');
    report.rates.push(await benchTfjs(config, 5, 60), await benchTfjs(config, 5, 60, true));
    render(report);
  }
}

async function main(): Promise<void> {
  try {
    await switchBackend('webgpu');
    report.adapter = await adapterInfo();
    report.limits = deviceLimits(tf.backend() as unknown as WebGPUBackend);
    // ?glyph=1: the fused WGSL glyph engine's checks instead (report on window.__glyphCheck)
    if (params.get('glyph') === '1') return await glyphMain(report.adapter?.architecture ?? null, status);
    // ?glyph=run: the glyph run on it, the pretrained baseline, the fallbacks (window.__glyphRunCheck)
    if (params.get('glyph') === 'run')
      return await glyphRunMain(report.adapter?.architecture ?? null, status);
    // ?glyph=mamlpp-pieces: the WGSL of the glyph engine's MAML++ pieces (window.__glyphMamlppPieces)
    if (params.get('glyph') === 'mamlpp-pieces') return await glyphMamlppPiecesMain(status);
    // ?glyph=mamlpp: MAML++'s meta-step on it against the WebAssembly engine (window.__glyphMamlpp)
    if (params.get('glyph') === 'mamlpp') return await glyphMamlppMain(status);
    // ?glyph=mamlpp-run: a MAML++ glyph run on it beside the WebAssembly one (window.__glyphMamlppRun)
    if (params.get('glyph') === 'mamlpp-run') return await glyphMamlppRunMain(status);
    render(report);
    if (runCases) await comparisons();
    if (runBench) await bench();
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  report.done = true;
  status(report.error ? 'failed' : 'done');
  render(report);
}

void main();
