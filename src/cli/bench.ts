/**
 * Meta-training throughput and kernel counts on the Node backends:
 *   npm run bench -- --json bench.json [--task sinusoid|glyphs] [--engine tfjs|fused]
 *                    [--backend wasm|cpu] [--runs 5]
 * Paper sinusoid configuration (K=10, 1 inner step, second-order MAML) at meta-batch 5, 25 and
 * 50, plus the other algorithms at 25, on the tfjs backends and on the fused WebAssembly engine
 * (sinusoid only). Steps/s is the median of several timed runs after warm-up. With sinusoid rows,
 * the paper configuration also runs fused, tfjs-wasm and the PyTorch peer (scripts/peer/, when
 * PEER_PYTHON can import torch) interleaved round by round: `sideBySide` and `peer` in the JSON.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_EXPERIMENT, GLYPH_DEFAULTS, type Algo, type Experiment } from '../core/experiment';
import { GlyphRun } from '../core/families/glyphs/run';
import { kernelsPerMetaStep } from '../core/meta/profile';
import { createRegressionRun } from '../core/families/regression/lookup';
import { parseFlags, runMain } from './args';
import { NODE_BACKENDS, startBackend, type NodeBackend } from './backend';
import { measureFused, type FusedRow } from './benchFused';
import { sideBySide } from './benchSideBySide';

interface BenchResult {
  backend: NodeBackend;
  engine: 'tfjs';
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
  // warm-up: kernel setup, XNNPACK operator caches, JIT
  const warm = await timed(glyphs ? 1 : backend === 'cpu' ? 5 : 30);
  // sinusoid runs last about a second each, so the slow cpu rows keep the bench in minutes
  const stepsPerRun = glyphs ? (backend === 'cpu' ? 2 : 5) : Math.max(3, Math.round(warm));
  const rates: number[] = [];
  // a glyph meta-step takes seconds (on cpu, ten): fewer timed runs keep the bench in minutes
  const timedRuns = glyphs ? Math.min(runs, backend === 'cpu' ? 1 : 3) : runs;
  for (let r = 0; r < timedRuns; r++) rates.push(await timed(stepsPerRun));
  const kernels = await kernelsPerMetaStep(run);
  run.dispose();
  return {
    backend,
    engine: 'tfjs',
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

const TASK_CHOICES = ['sinusoid', 'glyphs'] as const;
const ENGINE_CHOICES = ['tfjs', 'fused'] as const;

function row(r: BenchResult | FusedRow): string {
  const cols = [
    r.backend.padEnd(9),
    r.engine.padEnd(6),
    r.task.split(' ')[0]!.padEnd(9),
    r.algo.padEnd(8),
    String(r.batch).padStart(5),
    String(r.k).padStart(3),
    String(r.inner).padStart(6),
    r.metaStepsPerSecond.toFixed(1).padStart(21),
    String(r.kernelsPerStep).padStart(13),
  ];
  return `${cols.join(' ')}\n`;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    json: { type: 'string' },
    backend: { type: 'string', choices: NODE_BACKENDS },
    task: { type: 'string', choices: TASK_CHOICES },
    engine: { type: 'string', choices: ENGINE_CHOICES },
    runs: { type: 'int', min: 1, max: 50 },
  });
  const backends = flags.backend ? [flags.backend as NodeBackend] : [...NODE_BACKENDS];
  const runs = (flags.runs as number | undefined) ?? 5;
  const sinusoidCases: Experiment[] = [
    ...[5, 25, 50].map((batch) => ({ ...DEFAULT_EXPERIMENT, batch })),
    ...(['fomaml', 'metasgd', 'reptile'] as const).map((algo) => ({ ...DEFAULT_EXPERIMENT, algo })),
  ];
  // few-shot glyphs, second-order MAML through the conv net; kernels must not grow with the batch
  const glyphCases = [2, 4, 8].map((batch) => ({ ...GLYPH_DEFAULTS, batch, query: 3 }));
  const task = flags.task as (typeof TASK_CHOICES)[number] | undefined;
  const engines = flags.engine ? [flags.engine as string] : [...ENGINE_CHOICES];
  const withSinusoid = task !== 'glyphs';
  const cases = [...(withSinusoid ? sinusoidCases : []), ...(task !== 'sinusoid' ? glyphCases : [])];
  const results: (BenchResult | FusedRow)[] = [];
  process.stderr.write(
    'backend   engine task      algo     batch   K  inner  meta-steps/s (median)  kernels/step\n',
  );
  const report = (r: BenchResult | FusedRow) => {
    results.push(r);
    process.stderr.write(row(r));
  };
  if (engines.includes('fused') && withSinusoid) {
    for (const c of sinusoidCases) report(await measureFused(c, runs, median));
  }
  if (engines.includes('tfjs')) {
    for (const backend of backends) {
      await startBackend(backend);
      for (const c of cases) report(await measure(backend, c, runs));
    }
  }
  const out: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, results };
  if (withSinusoid) {
    // fused vs tfjs-wasm vs the PyTorch peer, interleaved round by round (same machine load)
    const side = await sideBySide(runs, median);
    out.sideBySide = side;
    const m = side.median;
    process.stderr.write(
      `side by side (${side.rounds} interleaved rounds, medians): fused ${m.fused}, tfjs-wasm ${m.tfjsWasm}, ` +
        `PyTorch ${m.peer ?? 'skipped'} meta-steps/s\n`,
    );
    if ('skipped' in side.peerInfo) {
      process.stderr.write(`peer: skipped (${side.peerInfo.skipped})\n`);
      out.peer = side.peerInfo;
    } else if (m.peer !== null) {
      const ratio = Number((m.fused / m.peer).toFixed(2));
      out.peer = { ...side.peerInfo, metaStepsPerSecond: m.peer, runs: side.peer, ratio };
      process.stderr.write(
        `peer: PyTorch ${side.peerInfo.torch}, ${side.peerInfo.threads} thread; fused/peer ${ratio}\n`,
      );
    }
  }
  if (typeof flags.json === 'string') {
    writeFileSync(flags.json, `${JSON.stringify(out, null, 2)}\n`);
    process.stderr.write(`wrote ${flags.json}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  }
}

runMain(main);
