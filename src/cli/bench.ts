/**
 * Meta-training throughput on the Node backends:
 *   npm run bench -- --json bench.json [--task sinusoid|glyphs|nav2d] [--engine tfjs|fused]
 *                    [--backend wasm|cpu] [--runs 5] [--threads N (glyphs: fused on 1 and N threads)]
 * Sinusoids (this file): the paper configuration (K=10, 1 inner step, second-order MAML) at
 * meta-batch 5, 25 and 50, plus the other algorithms at 25, on the tfjs backends and on the fused
 * WebAssembly engine. Steps/s is the median of several timed runs after warm-up. The paper
 * configuration also runs fused, tfjs-wasm and the PyTorch peer (scripts/peer/, when PEER_PYTHON
 * can import torch) interleaved round by round: `sideBySide` and `peer` in the JSON.
 * Glyphs: families/glyphs/bench.ts (`--task glyphs`; without --task its document goes under `glyphs`).
 * 2-D navigation: families/nav2d/bench.ts (`--task nav2d` only: its meta-iterations take seconds).
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_EXPERIMENT, type Algo, type Experiment } from '../core/experiment';
import { kernelsPerMetaStep } from '../core/meta/profile';
import { createRegressionRun } from '../core/families/regression/lookup';
import { parseFlags, runMain } from './args';
import { NODE_BACKENDS, startBackend, type NodeBackend } from './backend';
import { measureFused, type FusedRow } from './benchFused';
import { glyphBench } from './families/glyphs/bench';
import { nav2dBench } from './families/nav2d/bench';
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
  const run = createRegressionRun(config, { pretrained: false });
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
  const warm = await timed(backend === 'cpu' ? 5 : 30);
  // runs last about a second each, so the slow cpu rows keep the bench in minutes
  const stepsPerRun = Math.max(3, Math.round(warm));
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) rates.push(await timed(stepsPerRun));
  const kernels = await kernelsPerMetaStep(run);
  run.dispose();
  return {
    backend,
    engine: 'tfjs',
    task: 'sinusoid',
    algo: config.algo,
    batch: config.batch,
    k: config.k,
    inner: config.inner,
    metaStepsPerSecond: Number(median(rates).toFixed(1)),
    runs: rates.map((r) => Number(r.toFixed(1))),
    kernelsPerStep: kernels.total,
  };
}

const TASK_CHOICES = ['sinusoid', 'glyphs', 'nav2d'] as const;
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

/** The sinusoid rows, then fused, tfjs-wasm and the PyTorch peer side by side. */
async function sinusoidBench(
  backends: readonly NodeBackend[],
  engines: readonly string[],
  runs: number,
): Promise<Record<string, unknown>> {
  const cases: Experiment[] = [
    ...[5, 25, 50].map((batch) => ({ ...DEFAULT_EXPERIMENT, batch })),
    ...(['fomaml', 'metasgd', 'reptile'] as const).map((algo) => ({ ...DEFAULT_EXPERIMENT, algo })),
  ];
  const results: (BenchResult | FusedRow)[] = [];
  process.stderr.write(
    'backend   engine task      algo     batch   K  inner  meta-steps/s (median)  kernels/step\n',
  );
  const report = (r: BenchResult | FusedRow) => {
    results.push(r);
    process.stderr.write(row(r));
  };
  if (engines.includes('fused')) {
    for (const c of cases) report(await measureFused(c, runs, median));
  }
  if (engines.includes('tfjs')) {
    for (const backend of backends) {
      await startBackend(backend);
      for (const c of cases) report(await measure(backend, c, runs));
    }
  }
  const out: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, results };
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
  return out;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    json: { type: 'string' },
    backend: { type: 'string', choices: NODE_BACKENDS },
    task: { type: 'string', choices: TASK_CHOICES },
    engine: { type: 'string', choices: ENGINE_CHOICES },
    runs: { type: 'int', min: 1, max: 50 },
    threads: { type: 'int', min: 1, max: 256 },
  });
  const backend = flags.backend as NodeBackend | undefined;
  const runs = (flags.runs as number | undefined) ?? 5;
  const task = flags.task as (typeof TASK_CHOICES)[number] | undefined;
  const engine = flags.engine as string | undefined;
  // glyphs: tfjs on wasm unless --backend says otherwise (a tfjs-cpu glyph step takes seconds)
  const glyphs = () =>
    glyphBench({
      rounds: runs,
      engines: engine ? [engine] : null,
      tfjsBackends: [backend ?? 'wasm'],
      threads: flags.threads as number | undefined,
    });
  let out: Record<string, unknown>;
  if (task === 'glyphs') {
    out = await glyphs();
  } else if (task === 'nav2d') {
    await startBackend(backend ?? 'wasm');
    const nav2dEngines = engine ? [engine as (typeof ENGINE_CHOICES)[number]] : undefined;
    out = await nav2dBench(backend ?? 'wasm', flags.runs === undefined ? 3 : runs, nav2dEngines);
  } else {
    out = await sinusoidBench(backend ? [backend] : NODE_BACKENDS, engine ? [engine] : ENGINE_CHOICES, runs);
    if (task === undefined) out.glyphs = await glyphs();
  }
  if (typeof flags.json === 'string') {
    writeFileSync(flags.json, `${JSON.stringify(out, null, 2)}\n`);
    process.stderr.write(`wrote ${flags.json}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  }
}

runMain(main);
