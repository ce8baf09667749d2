import * as tf from '@tensorflow/tfjs';
import { FusedWebgpuMlp, type FusedOptions } from '../core/engines/webgpu/fusedWebgpuMlp';
import { batchTensors } from '../core/families/regression/evaluate';
import { JointLearner, MetaLearner } from '../core/meta/learners';
import type { Algo } from '../core/experiment';
import { Mlp } from '../core/models/mlp';
import { Rng } from '../core/random';
import { probeTasks } from './workload';

/**
 * Meta-steps per second, by default for the paper configuration (1-40-40-1, 25 tasks, K 10, Q 10,
 * one inner step, second-order MAML, Adam), batches sampled in the loop as training does. Each
 * timed run ends by reading the last loss back, so queued GPU work is inside the clock. The page's
 * URL may change it: ?algo=fomaml&hidden=64,64&tasks=5&support=20&query=20&inner=2.
 */
export interface BenchConfig {
  algo: Algo;
  sizes: number[];
  tasks: number;
  support: number;
  query: number;
  inner: number;
  alpha: number;
  beta: number;
}

export const PAPER: BenchConfig = {
  algo: 'maml',
  sizes: [1, 40, 40, 1],
  tasks: 25,
  support: 10,
  query: 10,
  inner: 1,
  alpha: 0.01,
  beta: 0.001,
};

export function benchConfig(params: URLSearchParams): BenchConfig {
  const c = { ...PAPER };
  const num = (k: 'tasks' | 'support' | 'query' | 'inner') => {
    const v = params.get(k);
    if (v !== null) c[k] = Number(v);
  };
  (['tasks', 'support', 'query', 'inner'] as const).forEach(num);
  const algo = params.get('algo');
  if (algo === 'maml' || algo === 'fomaml' || algo === 'metasgd' || algo === 'reptile') c.algo = algo;
  const hidden = params.get('hidden');
  if (hidden) c.sizes = [1, ...hidden.split(',').map(Number), 1];
  return c;
}

export interface Rate {
  engine: string;
  backend: string;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
}

function rate(engine: string, steps: number, ms: number): Rate {
  return { engine, backend: tf.getBackend(), steps, seconds: ms / 1000, stepsPerSecond: (steps * 1000) / ms };
}

/**
 * Milliseconds for `steps` meta-steps after `warmup` untimed ones; each step's loss is disposed
 * once the next exists and the last is read back, so the device queue cannot run ahead of the clock.
 */
async function timeSteps(step: () => tf.Scalar, warmup: number, steps: number): Promise<number> {
  const run = async (n: number) => {
    let last: tf.Scalar | null = null;
    for (let i = 0; i < n; i++) {
      const loss = step();
      last?.dispose();
      last = loss;
    }
    await last?.data();
    last?.dispose();
  };
  await run(warmup);
  const t0 = performance.now();
  await run(steps);
  return performance.now() - t0;
}

const theta0 = (c: BenchConfig) => new Mlp(c.sizes).init(Rng.stream(1, 'init'));

export async function benchFused(
  c: BenchConfig,
  warmup: number,
  steps: number,
  opts: FusedOptions = {},
): Promise<Rate> {
  const rng = Rng.stream(1, 'train');
  const tasks = probeTasks();
  const engine = new FusedWebgpuMlp(c, theta0(c), opts);
  await engine.prepare(c);
  const ms = await timeSteps(
    () => {
      const { meta, pretrained } = engine.step(tasks.sampleBatch(rng, c.tasks, c.support, c.query));
      pretrained?.dispose();
      return meta;
    },
    warmup,
    steps,
  );
  engine.dispose();
  const t = engine.tuning;
  const base = opts.pretrained ? 'fused WGSL + pretrained' : 'fused WGSL';
  const label = `${base} (workgroup ${t.workgroup}, ${t.workgroupMemory ? 'workgroup memory' : 'storage'}${t.blocked === false ? ', scalar' : ''})`;
  return rate(label, steps, ms);
}

/** The project's tfjs path: MetaLearner (and the JointLearner baseline, as ExperimentRun does). */
export async function benchTfjs(
  c: BenchConfig,
  warmup: number,
  steps: number,
  pretrained = false,
): Promise<Rate> {
  const rng = Rng.stream(1, 'train');
  const tasks = probeTasks();
  const model = new Mlp(c.sizes);
  const learner = new MetaLearner(model, c.algo, theta0(c), c);
  const joint = pretrained ? new JointLearner(model, theta0(c), c) : null;
  const ms = await timeSteps(
    () => {
      const t = batchTensors(tasks.sampleBatch(rng, c.tasks, c.support, c.query));
      const loss = learner.step(t);
      joint?.step(t).dispose();
      tf.dispose(t);
      return loss;
    },
    warmup,
    steps,
  );
  learner.dispose();
  joint?.dispose();
  return rate(pretrained ? 'tfjs MetaLearner + JointLearner' : 'tfjs MetaLearner', steps, ms);
}
