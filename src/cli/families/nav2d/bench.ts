/**
 * The 2-D navigation bench (`npm run bench -- --task nav2d [--runs N] [--backend wasm|cpu]`):
 * meta-iterations per second of the paper configuration (meta-batch 20, 20 trajectories of 100
 * steps per task, one inner step) for second-order MAML and FOMAML, without the pretrained
 * baseline. A meta-iteration is everything: sampling the pre- and post-update trajectories,
 * the baselines, the inner step and the meta-gradient with Adam's update. One warm-up
 * iteration, then `runs` timed ones, interleaved between the algorithms; the median is reported.
 */
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { parseExperiment, serializeExperiment, type Algo } from '../../../core/experiment';
import { familyOf } from '../../../core/families/registry';
import type { FamilyRun } from '../../../core/families/family';
import type { NodeBackend } from '../../backend';

export interface Nav2dBenchRow {
  task: 'nav2d';
  backend: NodeBackend;
  algo: Algo;
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

export async function nav2dBench(backend: NodeBackend, runs: number): Promise<Record<string, unknown>> {
  const algos: Algo[] = ['maml', 'fomaml'];
  const timed = new Map<Algo, { run: FamilyRun; seconds: number[] }>();
  for (const algo of algos) {
    const config = parseExperiment(`task=nav2d&algo=${algo}`).config;
    const run = familyOf('nav2d').createRun(config, { pretrained: false });
    await timedStep(run); // warm-up
    timed.set(algo, { run, seconds: [] });
  }
  for (let r = 0; r < runs; r++) {
    for (const t of timed.values()) t.seconds.push(await timedStep(t.run));
  }
  const rows: Nav2dBenchRow[] = [...timed].map(([algo, t]) => ({
    task: 'nav2d',
    backend,
    algo,
    config: serializeExperiment(t.run.experiment),
    metaIterationsPerSecond: 1 / median(t.seconds),
    seconds: t.seconds.map((s) => Number(s.toFixed(3))),
  }));
  for (const t of timed.values()) t.run.dispose();
  for (const row of rows) {
    process.stderr.write(
      `nav2d ${row.algo.padEnd(7)} ${backend}: ${row.metaIterationsPerSecond.toFixed(3)} meta-iterations/s\n`,
    );
  }
  return { date: new Date().toISOString(), loadAverage: loadavg()[0], rows };
}
