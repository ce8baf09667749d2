/**
 * Meta-training throughput and kernel counts on the Node backends:
 *   npm run bench -- --json bench.json [--backend wasm|cpu] [--runs 5]
 * Paper sinusoid configuration (K=10, 1 inner step, second-order MAML) at meta-batch 5, 25 and
 * 50, plus the other algorithms at 25. Steps/s is the median of several timed runs after warm-up.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_EXPERIMENT, GLYPH_DEFAULTS, type Algo, type Experiment } from '../core/experiment';
import { GlyphRun } from '../core/families/glyphs/run';
import { kernelsPerMetaStep } from '../core/meta/profile';
import { createRegressionRun } from '../core/families/regression/lookup';
import { parseFlags, runMain } from './args';
import { NODE_BACKENDS, startBackend, type NodeBackend } from './backend';

interface BenchResult {
  backend: NodeBackend;
  task: string;
  algo: Algo;
  batch: number;
  k: number;
  inner: number;
  metaStepsPerSecond: number;
  runs: number[];
  kernelsPerStep: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function measure(backend: NodeBackend, config: Experiment, runs: number): Promise<BenchResult> {
  const glyphs = config.task === 'glyphs';
  const run = glyphs
    ? new GlyphRun(config, { pretrained: false })
    : createRegressionRun(config, { pretrained: false });
  const stepsPerRun = glyphs ? (backend === 'cpu' ? 2 : 5) : backend === 'cpu' ? 20 : 150;
  const timed = async (n: number) => {
    const t0 = performance.now();
    let last: tf.Scalar | null = null;
    for (let i = 0; i < n; i++) {
      const { meta } = run.step();
      last?.dispose();
      last = meta;
    }
    await last?.data(); // wait for the device to finish before stopping the clock
    last?.dispose();
    return n / ((performance.now() - t0) / 1000);
  };
  await timed(glyphs ? 1 : 30); // warm-up: kernel setup, XNNPACK operator caches, JIT
  const rates: number[] = [];
  // a glyph meta-step takes seconds (on cpu, ten): fewer timed runs keep the bench in minutes
  const timedRuns = glyphs ? Math.min(runs, backend === 'cpu' ? 1 : 3) : runs;
  for (let r = 0; r < timedRuns; r++) rates.push(await timed(stepsPerRun));
  const kernels = await kernelsPerMetaStep(run);
  run.dispose();
  return {
    backend,
    task: glyphs ? `glyphs ${config.ways}-way ${config.k}-shot, ${config.query} queries/class` : 'sinusoid',
    algo: config.algo,
    batch: config.batch,
    k: config.k,
    inner: config.inner,
    metaStepsPerSecond: Number(median(rates).toFixed(1)),
    runs: rates.map((r) => Number(r.toFixed(1))),
    kernelsPerStep: kernels.total,
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    json: { type: 'string' },
    backend: { type: 'string', choices: NODE_BACKENDS },
    runs: { type: 'int', min: 1, max: 50 },
  });
  const backends = flags.backend ? [flags.backend as NodeBackend] : [...NODE_BACKENDS];
  const runs = (flags.runs as number | undefined) ?? 5;
  const cases: Experiment[] = [
    ...[5, 25, 50].map((batch) => ({ ...DEFAULT_EXPERIMENT, batch })),
    ...(['fomaml', 'metasgd', 'reptile'] as const).map((algo) => ({ ...DEFAULT_EXPERIMENT, algo })),
    // few-shot glyphs, second-order MAML through the conv net; kernels must not grow with the batch
    ...[2, 4, 8].map((batch) => ({ ...GLYPH_DEFAULTS, batch, query: 3 })),
  ];
  const results: BenchResult[] = [];
  process.stderr.write('backend  task      algo      batch  K  inner  meta-steps/s (median)  kernels/step\n');
  for (const backend of backends) {
    await startBackend(backend);
    for (const c of cases) {
      const r = await measure(backend, c, runs);
      results.push(r);
      process.stderr.write(
        `${backend.padEnd(8)} ${r.task.split(' ')[0]!.padEnd(9)} ${r.algo.padEnd(9)} ${String(r.batch).padStart(5)} ${String(r.k).padStart(2)} ${String(r.inner).padStart(6)}  ${r.metaStepsPerSecond.toFixed(1).padStart(21)}  ${String(r.kernelsPerStep).padStart(12)}\n`,
      );
    }
  }
  const out = { date: new Date().toISOString(), node: process.version, results };
  if (typeof flags.json === 'string') {
    writeFileSync(flags.json, `${JSON.stringify(out, null, 2)}\n`);
    process.stderr.write(`wrote ${flags.json}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  }
}

runMain(main);
