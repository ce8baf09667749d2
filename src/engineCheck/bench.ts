import * as tf from '@tensorflow/tfjs';
import { FusedWebgpuMlp, type FusedOptions } from '../core/engines/webgpu/fusedWebgpuMlp';
import { batchTensors } from '../core/meta/evaluate';
import { JointLearner, MetaLearner } from '../core/meta/learners';
import { Mlp } from '../core/models/mlp';
import { Rng } from '../core/random';
import { sinusoid } from '../core/tasks/sinusoid';

/**
 * Meta-steps per second for the paper configuration (1-40-40-1, 25 tasks, K 10, Q 10, one inner
 * step, second-order MAML, Adam), batches sampled in the loop as training does. Each timed run
 * ends by reading the last loss back, so queued GPU work is inside the clock.
 */
export const PAPER = {
  sizes: [1, 40, 40, 1],
  tasks: 25,
  support: 10,
  query: 10,
  inner: 1,
  alpha: 0.01,
  beta: 0.001,
};

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

const theta0 = () => new Mlp(PAPER.sizes).init(Rng.stream(1, 'init'));

export async function benchFused(warmup: number, steps: number, opts: FusedOptions = {}): Promise<Rate> {
  const rng = Rng.stream(1, 'train');
  const engine = new FusedWebgpuMlp({ ...PAPER, algo: 'maml' }, theta0(), opts);
  await engine.prepare(PAPER);
  const run = async (n: number) => {
    let last: tf.Scalar | null = null;
    for (let i = 0; i < n; i++) {
      const { meta, pretrained } = engine.step(
        sinusoid.sampleBatch(rng, PAPER.tasks, PAPER.support, PAPER.query),
      );
      pretrained?.dispose();
      last?.dispose();
      last = meta;
    }
    await last?.data();
    last?.dispose();
  };
  await run(warmup);
  const t0 = performance.now();
  await run(steps);
  const ms = performance.now() - t0;
  engine.dispose();
  const t = engine.tuning;
  const base = opts.pretrained ? 'fused WGSL + pretrained' : 'fused WGSL';
  const label = `${base} (workgroup ${t.workgroup}, ${t.workgroupMemory ? 'workgroup memory' : 'storage'})`;
  return rate(label, steps, ms);
}

/** The project's tfjs path: MetaLearner (and the JointLearner baseline, as ExperimentRun does). */
export async function benchTfjs(warmup: number, steps: number, pretrained = false): Promise<Rate> {
  const rng = Rng.stream(1, 'train');
  const model = new Mlp(PAPER.sizes);
  const learner = new MetaLearner(model, 'maml', theta0(), PAPER);
  const joint = pretrained ? new JointLearner(model, theta0(), PAPER) : null;
  const run = async (n: number) => {
    let last: tf.Scalar | null = null;
    for (let i = 0; i < n; i++) {
      const t = batchTensors(sinusoid.sampleBatch(rng, PAPER.tasks, PAPER.support, PAPER.query));
      const loss = learner.step(t);
      joint?.step(t).dispose();
      tf.dispose(t);
      last?.dispose();
      last = loss;
    }
    await last?.data();
    last?.dispose();
  };
  await run(warmup);
  const t0 = performance.now();
  await run(steps);
  const ms = performance.now() - t0;
  learner.dispose();
  joint?.dispose();
  return rate(pretrained ? 'tfjs MetaLearner + JointLearner' : 'tfjs MetaLearner', steps, ms);
}
