import * as tf from '@tensorflow/tfjs';
import { FusedMlpEngine, type FusedState } from '../core/engines/fused/fusedMlp';
import { loadFused } from '../core/engines/fused/wasmModule';
import { FusedWebgpuMlp } from '../core/engines/webgpu/fusedWebgpuMlp';
import { batchTensors } from '../core/families/regression/evaluate';
import type { RegressionBatch } from '../core/families/regression/tasks';
import { JointLearner } from '../core/meta/learners';
import { lslrSize, type MamlppSchedule } from '../core/meta/mamlppSchedule';
import { Mlp } from '../core/models/mlp';
import { Rng } from '../core/random';
import { countDispatches, type Tuning } from './fused';
import { minus, relError } from './reference';
import type { Row } from './report';
import { probeTasks } from './workload';

/**
 * MAML++ on the fused WGSL engine against the fused WebAssembly engine (itself checked against
 * the tfjs MetaLearner in test/mamlpp.test.ts) from the same θ, learned rates, schedule position
 * and batches: the meta-gradient of θ and of the rates in both phases, Adam steps across every
 * schedule switch (the baseline against tfjs's JointLearner at constant β), and states moved
 * between the engines and resumed.
 */
const BETA = 0.001;

interface PpCase {
  name: string;
  sizes: number[];
  tasks: number;
  inner: number;
  support: number;
  query: number;
  alpha: number;
  /** meta-steps already applied: the schedules' clock */
  n: number;
  schedule: MamlppSchedule;
}

// annealing weights (n < msl) in both phases; one case after the multi-step loss has ended
const anneal = (firstOrder: number): MamlppSchedule => ({ msl: 20, firstOrder, span: 40 });
const pp = (name: string, hidden: number[], tasks: number, inner: number, extra: Partial<PpCase> = {}) => ({
  name,
  sizes: [1, ...hidden, 1],
  tasks,
  inner,
  support: 10,
  query: 10,
  alpha: 0.05,
  n: 3,
  schedule: anneal(0),
  ...extra,
});

/**
 * Gradient cases in pairs: the same θ, rates and weights in the first- and second-order phase.
 * The 1-64-1 net at 5 steps is ill-conditioned at rates up to 0.075 (WebAssembly and tfjs differ
 * by 2.5e-6 in the loss alone, SwiftShader by 4e-5), so it runs at rates up to 0.03.
 */
export const MAMLPP_GRADIENT_CASES: PpCase[] = [1, 2, 5].flatMap((inner) => {
  const [hidden, tasks]: [number[], number] =
    inner === 1 ? [[40, 40], 25] : inner === 2 ? [[32, 30], 7] : [[40, 40], 3];
  const base = `MAML++ ${inner} step${inner > 1 ? 's' : ''}`;
  return [
    pp(`${base}, first order`, hidden, tasks, inner, { schedule: anneal(10) }),
    pp(`${base}, second order`, hidden, tasks, inner),
  ];
});
MAMLPP_GRADIENT_CASES.push(
  pp('MAML++ 4 layers, 2 steps, after the multi-step loss', [16, 16, 16, 16], 7, 2, { n: 25 }),
  pp('MAML++ 1 layer, 5 steps', [64], 3, 5, { alpha: 0.02 }),
);

/** 12 Adam steps from n = 0 across first→second order (3), the loss weights' end (6), β's (10). */
export const MAMLPP_STEP_CASE: PpCase = pp('MAML++ 12 Adam steps + pretrained', [40, 40], 7, 2, {
  n: 0,
  schedule: { msl: 6, firstOrder: 3, span: 10 },
});
const STEPS = 12;

interface PpData {
  theta0: Float32Array;
  rates0: Float32Array;
  batches: RegressionBatch[];
}

function dataOf(k: PpCase, batches: number): PpData {
  const model = new Mlp(k.sizes);
  const theta0 = model.init(Rng.stream(7, 'init'));
  const rng = Rng.stream(7, 'rates');
  // varied per tensor and step, so a rate read from the wrong row or tensor shows
  const rates0 = Float32Array.from(
    { length: lslrSize(2 * (k.sizes.length - 1)) },
    () => rng.uniform(0.5, 1.5) * k.alpha,
  );
  const taskRng = Rng.stream(7, 'train');
  const list = Array.from({ length: batches }, () =>
    probeTasks().sampleBatch(taskRng, k.tasks, k.support, k.query),
  );
  return { theta0, rates0, batches: list };
}

const settings = (k: PpCase) => ({
  sizes: k.sizes,
  algo: 'mamlpp' as const,
  alpha: k.alpha,
  beta: BETA,
  inner: k.inner,
  schedule: k.schedule,
});

/** The WebAssembly engine at the case's schedule position (its state, to hand to the WGSL engine). */
function wasmAt(k: PpCase, d: PpData, pretrained: boolean): { engine: FusedMlpEngine; state: FusedState } {
  const engine = FusedMlpEngine.createSync(settings(k), d.theta0, { alpha0: d.rates0, pretrained });
  const s = engine.state();
  s.thetaAdam.t = k.n;
  (s.alphaAdam as { t: number }).t = k.n;
  engine.restore(s);
  return { engine, state: engine.state() };
}

interface Grad {
  loss: number;
  theta: Float32Array;
  rates: Float32Array;
}

async function gpuGradient(k: PpCase, d: PpData, state: FusedState, tuning: Tuning): Promise<Grad> {
  const gpu = new FusedWebgpuMlp(settings(k), d.theta0, { alpha0: d.rates0, ...tuning });
  try {
    await gpu.prepare({ tasks: k.tasks, support: k.support, query: k.query });
    gpu.restore(state);
    const g = gpu.metaGradient(d.batches[0]!);
    const out = {
      loss: (await g.loss.data())[0] as number,
      theta: (await g.theta.data()) as Float32Array,
      rates: (await (g.alpha as tf.Tensor).data()) as Float32Array,
    };
    tf.dispose([g.loss, g.theta, g.alpha as tf.Tensor]);
    return out;
  } finally {
    gpu.dispose();
  }
}

const detailOf = (k: PpCase) =>
  `${k.sizes.join('-')}, T ${k.tasks}, K ${k.support}, Q ${k.query}, inner ${k.inner}, n ${k.n}, ` +
  `msl ${k.schedule.msl}, firstOrder ${k.schedule.firstOrder}`;

/** The gradient rows: θ's and the rates' meta-gradient and the loss against the WebAssembly engine. */
export async function mamlppGradientRows(tuning: Tuning, suffix: string, tolerance: number): Promise<Row[]> {
  await loadFused();
  const rows: Row[] = [];
  let firstOrder: Float32Array | null = null;
  for (const k of MAMLPP_GRADIENT_CASES) {
    const d = dataOf(k, 1);
    const { engine, state } = wasmAt(k, d, false);
    const ref = engine.metaGradient(d.batches[0]!);
    engine.dispose();
    const got = await gpuGradient(k, d, state, tuning);
    const errTheta = relError(got.theta, ref.theta);
    const errAlpha = relError(got.rates, ref.alpha as Float32Array);
    const errLoss = Math.abs(got.loss - ref.loss) / Math.abs(ref.loss);
    // a second-order case follows its first-order twin: what dropping the Hessian term would cost
    const second = k.schedule.firstOrder <= k.n;
    const hessianShare = second && firstOrder ? relError(firstOrder, ref.theta) : null;
    firstOrder = second ? null : ref.theta;
    const pass = Math.max(errTheta, errAlpha, errLoss) <= tolerance;
    rows.push({
      name: k.name + suffix,
      algo: 'mamlpp',
      detail: detailOf(k),
      errTheta,
      errAlpha,
      errPretrained: null,
      errLoss,
      hessianShare,
      pass,
    });
  }
  return rows;
}

/** θ, rates, baseline and losses after steps, and the state half-way (for the resume checks). */
interface Trained {
  theta: Float32Array;
  rates: Float32Array;
  pretrained: Float32Array;
  losses: number[];
  half: FusedState;
  dispatches: number[];
  declared: number;
}

/** The reference of the step case: the WebAssembly engine's θ and rates, tfjs's baseline (run on tfjs-cpu). */
export async function mamlppStepReference(): Promise<Trained> {
  await loadFused();
  const k = MAMLPP_STEP_CASE;
  const d = dataOf(k, STEPS);
  // its own baseline (stepped at MAML++'s β) only rides along, so the state moves with one
  const { engine } = wasmAt(k, d, true);
  const joint = new JointLearner(new Mlp(k.sizes), d.theta0, { alpha: k.alpha, beta: BETA, inner: k.inner });
  const losses: number[] = [];
  let half: FusedState | null = null;
  for (const [i, b] of d.batches.entries()) {
    if (i === STEPS / 2) half = engine.state();
    losses.push(engine.step(b).meta);
    const t = batchTensors(b);
    const p = joint.step(t);
    losses.push((await p.data())[0] as number);
    tf.dispose([p, t.xs, t.ys, t.xq, t.yq]);
  }
  const out = {
    theta: engine.theta(),
    rates: engine.alphaVec() as Float32Array,
    pretrained: (await joint.theta.data()) as Float32Array,
    losses,
    half: half as FusedState,
    dispatches: [],
    declared: 0,
  };
  engine.dispose();
  joint.dispose();
  return out;
}

/** The WGSL engine from the start (or from `from`, at step `from.thetaAdam.t`) to STEPS. */
async function gpuSteps(d: PpData, tuning: Tuning, from: FusedState | null): Promise<Trained> {
  const k = MAMLPP_STEP_CASE;
  const gpu = new FusedWebgpuMlp(settings(k), d.theta0, { alpha0: d.rates0, pretrained: true, ...tuning });
  try {
    await gpu.prepare({ tasks: k.tasks, support: k.support, query: k.query });
    if (from) gpu.restore(from);
    const losses: number[] = [];
    const dispatches: number[] = [];
    let half: FusedState | null = null;
    for (let i = from?.thetaAdam.t ?? 0; i < STEPS; i++) {
      if (i === STEPS / 2) half = await gpu.state();
      const { value, count } = countDispatches(() => gpu.step(d.batches[i]!));
      dispatches.push(count);
      losses.push((await value.meta.data())[0] as number, (await value.pretrained!.data())[0] as number);
      tf.dispose([value.meta, value.pretrained!]);
    }
    const s = await gpu.state();
    const declared = gpu.dispatchesPerStep();
    return {
      theta: s.theta,
      rates: s.alpha!,
      pretrained: s.pretrained!,
      losses,
      half: half ?? s,
      dispatches,
      declared,
    };
  } finally {
    gpu.dispose();
  }
}

/** The same steps on the WebAssembly engine from a state (θ and rates; its own baseline is not compared). */
function wasmFrom(d: PpData, from: FusedState): { theta: Float32Array; rates: Float32Array } {
  const k = MAMLPP_STEP_CASE;
  const engine = FusedMlpEngine.createSync(settings(k), d.theta0, { alpha0: d.rates0, pretrained: true });
  engine.restore(from);
  for (let i = from.thetaAdam.t; i < STEPS; i++) engine.step(d.batches[i]!);
  const out = { theta: engine.theta(), rates: engine.alphaVec() as Float32Array };
  engine.dispose();
  return out;
}

const bits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/**
 * The step rows: 12 steps against the reference; a WebAssembly state continued on WebGPU and a
 * WebGPU state continued on WebAssembly (to the tolerance); a WebGPU state resumed on WebGPU
 * (bit for bit). Returns the rows and the step's dispatch count.
 */
export async function mamlppStepRows(
  ref: Trained,
  tuning: Tuning,
  suffix: string,
  tolerance: number,
): Promise<{ rows: Row[]; dispatches: { counted: number; declared: number } }> {
  const k = MAMLPP_STEP_CASE;
  const d = dataOf(k, STEPS);
  const fresh = await gpuSteps(d, tuning, null);
  const delta = (a: Float32Array, b: Float32Array, at: Float32Array) => relError(minus(a, at), minus(b, at));
  const row = (
    name: string,
    detail: string,
    e: [number, number, number | null, number],
    exact = false,
  ): Row => ({
    name: name + suffix,
    algo: 'mamlpp',
    detail,
    errTheta: e[0],
    errAlpha: e[1],
    errPretrained: e[2],
    errLoss: e[3],
    hessianShare: null,
    pass: exact
      ? Math.max(e[0], e[1], e[2] ?? 0, e[3]) === 0
      : Math.max(e[0], e[1], e[2] ?? 0, e[3]) <= tolerance,
  });
  const rows = [
    row(k.name, detailOf(k), [
      delta(fresh.theta, ref.theta, d.theta0),
      delta(fresh.rates, ref.rates, d.rates0),
      delta(fresh.pretrained, ref.pretrained, d.theta0),
      relError(fresh.losses, ref.losses),
    ]),
  ];
  const wasmToGpu = await gpuSteps(d, tuning, ref.half);
  rows.push(
    row('MAML++ state WebAssembly → WebGPU', `steps 6-11 on WebGPU from the WebAssembly state at 6`, [
      delta(wasmToGpu.theta, ref.theta, d.theta0),
      delta(wasmToGpu.rates, ref.rates, d.rates0),
      null,
      relError(
        wasmToGpu.losses.filter((_, i) => i % 2 === 0),
        ref.losses.slice(STEPS).filter((_, i) => i % 2 === 0),
      ),
    ]),
  );
  const gpuToWasm = wasmFrom(d, fresh.half);
  rows.push(
    row('MAML++ state WebGPU → WebAssembly', `steps 6-11 on WebAssembly from the WebGPU state at 6`, [
      delta(gpuToWasm.theta, fresh.theta, d.theta0),
      delta(gpuToWasm.rates, fresh.rates, d.rates0),
      null,
      0,
    ]),
  );
  const resumed = await gpuSteps(d, tuning, fresh.half);
  const same = (a: Float32Array, b: Float32Array) => (bits(a, b) ? 0 : relError(a, b) || Number.MIN_VALUE);
  rows.push(
    row(
      'MAML++ WebGPU resume',
      'steps 6-11 from its own state at 6, bit for bit',
      [
        same(resumed.theta, fresh.theta),
        same(resumed.rates, fresh.rates),
        same(resumed.pretrained, fresh.pretrained),
        same(Float32Array.from(resumed.losses), Float32Array.from(fresh.losses.slice(STEPS))),
      ],
      true,
    ),
  );
  return { rows, dispatches: { counted: Math.max(...fresh.dispatches), declared: fresh.declared } };
}
