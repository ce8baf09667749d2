/**
 * The 2-D navigation bench (`npm run bench -- --task nav2d [--runs N] [--backend wasm|cpu]
 * [--engine tfjs|fused]`): meta-iterations per second of the paper configuration (meta-batch 20,
 * 20 trajectories of 100 steps per task, one inner step) for second-order MAML and FOMAML with
 * Adam on each engine (tfjs kernels on the backend, and the fused WebAssembly engine), and
 * second-order MAML with TRPO on the fused engine (on tfjs kernels a TRPO iteration takes
 * minutes), side by side in one process, without the pretrained baseline. A meta-iteration is
 * everything: sampling the pre- and post-update trajectories, the baselines, the inner step and
 * the meta-gradient with the meta-optimiser's update. One warm-up iteration, then `runs` timed ones, interleaved between the rows;
 * the median is reported.
 */
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { parseExperiment, serializeExperiment, type Algo } from '../../../core/experiment';
import type { MetaOptimiser } from '../../../core/families/nav2d/schema';
import { familyOf } from '../../../core/families/registry';
import type { FamilyRun } from '../../../core/families/family';
import type { NodeBackend } from '../../backend';

export type Nav2dEngine = 'tfjs' | 'fused';

export interface Nav2dBenchRow {
  task: 'nav2d';
  /** the tfjs backend (the fused engine runs in its own WebAssembly instance whatever it is) */
  backend: NodeBackend;
  engine: Nav2dEngine;
  algo: Algo;
  metaopt: MetaOptimiser;
  config: string;
  /** median over the timed iterations */
  metaIterationsPerSecond: number;
  /** seconds of each timed iteration */
  seconds: number[];
}

async function timedStep(run: FamilyRun): Promise<number> {
  const t0 = performance.now();
  const losses = await (run.stepAsync?.() ?? run.step());
  await losses.meta.data();
  tf.dispose([losses.meta, losses.pretrained as tf.Tensor]);
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** The rows of an engine: algorithm and meta-optimiser. */
function variants(engine: Nav2dEngine): [Algo, MetaOptimiser][] {
  const adam: [Algo, MetaOptimiser][] = [
    ['maml', 'adam'],
    ['fomaml', 'adam'],
  ];
  return engine === 'fused' ? [...adam, ['maml', 'trpo']] : adam;
}

interface Timed {
  engine: Nav2dEngine;
  algo: Algo;
  metaopt: MetaOptimiser;
  run: FamilyRun;
  seconds: number[];
}

export async function nav2dBench(
  backend: NodeBackend,
  runs: number,
  engines: readonly Nav2dEngine[] = ['fused', 'tfjs'],
): Promise<Record<string, unknown>> {
  const family = familyOf('nav2d');
  if (engines.includes('fused')) await family.loadFusedEngine?.();
  const timed: Timed[] = [];
  for (const engine of engines) {
    for (const [algo, metaopt] of variants(engine)) {
      const config = parseExperiment(`task=nav2d&algo=${algo}&metaopt=${metaopt}`).config;
      const run = family.createRun(config, { pretrained: false, engine });
      if (run.engine !== engine) throw new Error(`nav2d bench: the ${engine} engine did not load`);
      await timedStep(run); // warm-up
      timed.push({ engine, algo, metaopt, run, seconds: [] });
    }
  }
  for (let r = 0; r < runs; r++) {
    for (const t of timed) t.seconds.push(await timedStep(t.run));
  }
  const rows: Nav2dBenchRow[] = timed.map((t) => ({
    task: 'nav2d',
    backend,
    engine: t.engine,
    algo: t.algo,
    metaopt: t.metaopt,
    config: serializeExperiment(t.run.experiment),
    metaIterationsPerSecond: Number((1 / median(t.seconds)).toFixed(4)),
    seconds: t.seconds.map((s) => Number(s.toFixed(3))),
  }));
  for (const t of timed) t.run.dispose();
  for (const row of rows) {
    const on = row.engine === 'fused' ? 'fused wasm' : `tfjs ${backend}`;
    process.stderr.write(
      `nav2d ${row.algo.padEnd(7)} ${row.metaopt.padEnd(5)} ${on.padEnd(10)}: ${row.metaIterationsPerSecond.toFixed(3)} meta-iterations/s\n`,
    );
  }
  return { date: new Date().toISOString(), loadAverage: loadavg()[0], rows };
}
