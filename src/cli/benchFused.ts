/**
 * Bench rows for the fused WebAssembly engine (src/core/engines/fused): the same sinusoid task
 * stream and configuration as the tfjs rows, batch sampling included in the timed loop.
 */
import { layerSizes, type Algo, type Experiment } from '../core/experiment';
import { FusedMlpEngine } from '../core/engines/fused/fusedMlp';
import { Mlp } from '../core/models/mlp';
import { Rng } from '../core/random';
import { sinusoid } from '../core/families/sinusoid/sampler';

export interface FusedRow {
  backend: 'wasm-simd';
  engine: 'fused';
  task: 'sinusoid';
  algo: Algo;
  batch: number;
  k: number;
  inner: number;
  metaStepsPerSecond: number;
  runs: number[];
  /** calls into wasm per meta-step */
  kernelsPerStep: number;
}

export async function measureFused(
  config: Experiment,
  runs: number,
  median: (xs: number[]) => number,
): Promise<FusedRow> {
  const sizes = layerSizes(config);
  const engine = await FusedMlpEngine.create(
    { sizes, algo: config.algo, alpha: config.alpha, beta: config.beta, inner: config.inner },
    new Mlp(sizes).init(Rng.stream(config.seed, 'init')),
  );
  const rng = Rng.stream(config.seed, 'train');
  const timed = (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) engine.step(sinusoid.sampleBatch(rng, config.batch, config.k, config.query));
    return n / ((performance.now() - t0) / 1000);
  };
  // V8 first runs wasm on its baseline compiler and tiers hot functions up later: warm up first
  timed(300);
  const stepsPerRun = Math.max(50, Math.round(timed(50) / 2)); // about half a second per run
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) rates.push(timed(stepsPerRun));
  const before = engine.wasmCalls;
  engine.step(sinusoid.sampleBatch(rng, config.batch, config.k, config.query));
  const kernelsPerStep = engine.wasmCalls - before;
  engine.dispose();
  return {
    backend: 'wasm-simd',
    engine: 'fused',
    task: 'sinusoid',
    algo: config.algo,
    batch: config.batch,
    k: config.k,
    inner: config.inner,
    metaStepsPerSecond: Number(median(rates).toFixed(1)),
    runs: rates.map((r) => Number(r.toFixed(1))),
    kernelsPerStep,
  };
}
