/**
 * The fused WebGPU engine inside a whole regression run, as the page's worker drives it: the
 * run picks it on WebGPU, trains the tfjs reference's curve (MAML++ also the WebAssembly
 * engine's, with its learned rates), resumes bit-identically from its exported state, survives
 * live changes (algorithm, K, inner steps) and falls back for an over-limit network.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../core/experiment';
import { familyOf } from '../core/families/registry';
import { loadFused } from '../core/engines/fused/wasmModule';
import type { RegressionRun } from '../core/families/regression/run';
import { minus, relError } from './reference';
import { probeDefaults } from './workload';

export interface RunCheck {
  name: string;
  pass: boolean;
  detail: string;
}

type Change = Partial<Experiment> | 'step';

function runOf(config: Experiment, engine: 'fused' | 'tfjs'): RegressionRun {
  return familyOf(config.task).createRun(config, { engine, pretrained: true }) as RegressionRun;
}

/** Plays a script of steps and live changes; θ, the baseline's θ, MAML++'s rates and every loss at the end. */
async function play(run: RegressionRun, script: Change[]) {
  const losses: number[] = [];
  for (const c of script) {
    if (c === 'step') {
      const l = run.step();
      losses.push(...(await l.meta.data()), ...(l.pretrained ? await l.pretrained.data() : []));
      tf.dispose([l.meta, l.pretrained ?? []].flat());
    } else if (!run.update({ ...run.experiment, ...c })) {
      throw new Error(`the run refused a live change: ${JSON.stringify(c)}`);
    }
  }
  const theta = (await run.learner.theta.data()) as Float32Array;
  const pretrained = run.pretrainer ? ((await run.pretrainer.theta.data()) as Float32Array) : null;
  const rates = run.learner.rates ? Float32Array.from(await run.learner.rates.data()) : null;
  return { theta: Float32Array.from(theta), pretrained, rates, losses };
}

const steps = (n: number): Change[] => Array.from({ length: n }, () => 'step' as const);
const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

/**
 * The reference a run on WebGPU is compared with, on tfjs-cpu: tfjs kernels or the fused
 * WebAssembly engine, each with the pretrained baseline.
 */
type Reference = 'tfjs' | 'fused';

/** MAML++'s rates: the error of their change from α (the rates themselves are all near α). */
function ratesError(got: Float32Array | null, want: Float32Array | null, alpha: number): number {
  if (!got && !want) return 0;
  if (!got || !want) return Infinity;
  const start = new Float32Array(want.length).fill(alpha);
  return relError(minus(got, start), minus(want, start));
}

/** Against the reference: the same script from the same seed, to `tolerance` relative. */
async function againstReference(
  name: string,
  config: Experiment,
  script: Change[],
  tolerance: number,
  reference: Reference = 'tfjs',
): Promise<RunCheck> {
  await tf.setBackend('cpu');
  const ref = runOf(config, reference);
  const want = await play(ref, script);
  ref.dispose();
  await tf.setBackend('webgpu');
  const run = runOf(config, 'fused');
  const onGpu = run.onGpu;
  await run.prepare();
  const got = await play(run, script);
  run.dispose();
  const errTheta = relError(got.theta, want.theta);
  const errPre =
    want.pretrained && got.pretrained
      ? relError(got.pretrained, want.pretrained)
      : want.pretrained || got.pretrained
        ? Infinity
        : 0;
  const errRates = ratesError(got.rates, want.rates, config.alpha);
  const errLoss = relError(got.losses, want.losses);
  const worst = Math.max(errTheta, errPre, errRates, errLoss);
  const rates = want.rates ? `, rates ${errRates.toExponential(2)}` : '';
  return {
    name,
    pass: onGpu && worst <= tolerance,
    detail: `${onGpu ? 'fused WebGPU' : 'NOT on the GPU engine'} against ${reference === 'tfjs' ? 'tfjs' : 'WebAssembly'}; θ ${errTheta.toExponential(2)}, baseline ${errPre.toExponential(2)}${rates}, losses ${errLoss.toExponential(2)} (tolerance ${tolerance})`,
  };
}

/** Train 3, export, restore into a new run, train 3 — against 6 straight: equal to the bit. */
async function resumeCheck(config: Experiment): Promise<RunCheck> {
  await tf.setBackend('webgpu');
  const straight = runOf(config, 'fused');
  const want = await play(straight, steps(6));
  straight.dispose();
  const first = runOf(config, 'fused');
  await play(first, steps(3));
  const state = await first.exportState();
  first.dispose();
  const second = runOf(config, 'fused');
  second.restoreState(state);
  const got = await play(second, steps(3));
  const onGpu = second.onGpu;
  second.dispose();
  const ratesSame = got.rates && want.rates ? same(got.rates, want.rates) : got.rates === want.rates;
  const pass =
    onGpu &&
    ratesSame &&
    same(got.theta, want.theta) &&
    same(got.losses, want.losses.slice(-got.losses.length));
  const rates = want.rates ? `, rates ${ratesSame ? 'equal to the bit' : 'differ'}` : '';
  return {
    name: `resume from exportState is bit-identical (${config.algo})`,
    pass,
    detail: `θ ${same(got.theta, want.theta) ? 'equal to the bit' : `differs by ${relError(got.theta, want.theta).toExponential(2)}`}${rates}`,
  };
}

export async function runChecks(): Promise<RunCheck[]> {
  await loadFused();
  const base: Experiment = { ...probeDefaults(), batch: 5, seed: 7 };
  const out: RunCheck[] = [];
  out.push(await againstReference('MAML run, 8 steps', base, steps(8), 1e-4));
  out.push(
    await againstReference(
      'Meta-SGD run, then FOMAML, then K 5 and 2 inner steps (live changes)',
      { ...base, algo: 'metasgd' },
      [...steps(3), { algo: 'fomaml' }, ...steps(2), { k: 5, inner: 2 }, ...steps(2)],
      1e-4,
    ),
  );
  // MAML++ across its schedules' switches (multi-step loss, second order) and a change of inner steps
  const pp: Experiment = { ...base, algo: 'mamlpp', inner: 2, msl: 3, firstOrder: 4, span: 10 };
  const ppScript: Change[] = [...steps(5), { inner: 3 }, ...steps(3)];
  const ppName = 'MAML++ run across its schedules, then 3 inner steps (live change)';
  out.push(await againstReference(`${ppName}, against tfjs`, pp, ppScript, 1e-4));
  out.push(await againstReference(`${ppName}, against WebAssembly`, pp, ppScript, 1e-4, 'fused'));
  out.push(await resumeCheck(base));
  out.push(await resumeCheck({ ...base, algo: 'metasgd' }));
  out.push(await resumeCheck(pp));
  await tf.setBackend('webgpu');
  const big = runOf(
    { ...base, hidden: [256, 256, 256, 256], batch: 100, k: 50, query: 100, inner: 10 },
    'fused',
  );
  out.push({
    name: 'a network over the device limits trains on the WebAssembly engine instead',
    pass: !big.onGpu && big.engine === 'fused',
    detail: big.onGpu ? 'stayed on the GPU engine' : `${big.engine} engine, on WebAssembly`,
  });
  big.dispose();
  return out;
}
