/**
 * The glyph accuracy evaluation as a job done in pieces: held-out N-way tasks, each
 * initialisation (MAML's θ, the pretrained body with a fresh head, the random θ) fine-tuned on
 * the support set for 0..steps inner steps and scored on the query set. Every initialisation is
 * copied when the job starts, so a job spread over a stretch of training still describes one θ
 * (that of `step`); one piece is one initialisation on one chunk of tasks, so a worker can run
 * the job between training steps and handle its messages in between.
 */
import * as tf from '@tensorflow/tfjs';
import type { InnerRate } from '../../meta/innerLoop';
import { meanCi } from '../../meta/statistics';
import { Rng } from '../../random';
import { classAdaptationCurve, classBatchTensors, type ClassBatch } from './classification';
import type { GlyphRun } from './run';

export interface ClassEvalProtocol {
  tasks: number;
  steps: number;
  seed: number;
  /** tasks evaluated per piece (bounds memory and the length of one piece) */
  chunk?: number;
}

export interface AccuracyCurve {
  /** mean query accuracy after 0..steps inner steps */
  accuracy: number[];
  ci95: number[];
  /** mean query cross-entropy */
  loss: number[];
}

interface Start {
  name: string;
  theta: tf.Tensor;
  rate: InnerRate;
}

export class GlyphEvaluation {
  /** the meta-step whose θ this job evaluates */
  readonly step: number;
  private readonly starts: Start[];
  private readonly rng: Rng;
  private readonly cols: number;
  private readonly chunk: number;
  private readonly acc: Float32Array[];
  private readonly loss: Float32Array[];
  /** tasks scored by every initialisation so far, the current chunk and the next initialisation on it */
  private done = 0;
  private batch: { n: number; t: ClassBatch } | null = null;
  private method = 0;
  private disposed = false;

  constructor(
    private readonly run: GlyphRun,
    private readonly p: ClassEvalProtocol,
  ) {
    this.step = run.stepCount;
    this.rng = Rng.stream(p.seed, 'eval');
    const alpha = run.experiment.alpha;
    const rate = run.learner.innerRate();
    const head = run.model.init(Rng.stream(p.seed, 'fresh-head'));
    this.starts = [
      {
        name: 'maml',
        theta: tf.clone(run.learner.theta),
        rate: typeof rate === 'number' ? rate : tf.clone(rate),
      },
    ];
    if (run.pretrainer) {
      this.starts.push({ name: 'pretrained', theta: run.pretrainer.withHead(run.model, head), rate: alpha });
    }
    this.starts.push({ name: 'random', theta: tf.clone(run.randomTheta), rate: alpha });
    this.cols = p.steps + 1;
    this.chunk = Math.max(1, p.chunk ?? 25);
    this.acc = this.starts.map(() => new Float32Array(p.tasks * this.cols));
    this.loss = this.starts.map(() => new Float32Array(p.tasks * this.cols));
  }

  get tasks(): number {
    return this.p.tasks;
  }

  get steps(): number {
    return this.p.steps;
  }

  get finished(): boolean {
    return this.done >= this.p.tasks;
  }

  /** tasks every initialisation has been scored on so far */
  get scored(): number {
    return this.done;
  }

  /** whether the last piece finished a task (the curves so far changed) */
  get taskDone(): boolean {
    return this.method === 0 && this.done > 0;
  }

  /** One piece: one initialisation on the current chunk of tasks. */
  async next(): Promise<void> {
    if (this.disposed) throw new Error('this evaluation was disposed');
    if (this.finished) return;
    if (!this.batch) {
      const n = Math.min(this.chunk, this.p.tasks - this.done);
      this.batch = { n, t: classBatchTensors(this.run.nextBatch('test', this.rng, n)) };
    }
    const start = this.starts[this.method] as Start;
    const curve = classAdaptationCurve(this.run.model, start.theta, start.rate, this.batch.t, this.p.steps);
    try {
      this.acc[this.method]?.set(await curve.accuracy.data(), this.done * this.cols);
      this.loss[this.method]?.set(await curve.loss.data(), this.done * this.cols);
    } finally {
      tf.dispose([curve.accuracy, curve.loss]);
    }
    this.method += 1;
    if (this.method === this.starts.length) {
      this.method = 0;
      this.done += this.batch.n;
      this.disposeBatch();
    }
  }

  /**
   * Mean curves with 95% intervals per initialisation, over all the tasks once finished; `soFar`
   * allows them over the tasks scored so far (from the first: its interval is 0 until a second
   * task gives a spread, which the page says).
   */
  result(soFar = false): Record<string, AccuracyCurve> {
    if (!this.finished && !(soFar && this.done >= 1)) throw new Error('the evaluation has not finished');
    const out: Record<string, AccuracyCurve> = {};
    this.starts.forEach((s, i) => {
      const a = meanCi(this.acc[i] as Float32Array, this.done, this.cols);
      out[s.name] = {
        accuracy: a.mean,
        ci95: a.ci95,
        loss: meanCi(this.loss[i] as Float32Array, this.done, this.cols).mean,
      };
    });
    return out;
  }

  private disposeBatch(): void {
    if (this.batch) tf.dispose([this.batch.t.xs, this.batch.t.ys, this.batch.t.xq, this.batch.t.yq]);
    this.batch = null;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeBatch();
    for (const s of this.starts) tf.dispose(typeof s.rate === 'number' ? [s.theta] : [s.theta, s.rate]);
  }
}

/** The whole evaluation at once (the CLI, reports, tests). */
export async function evaluateGlyphs(
  run: GlyphRun,
  p: ClassEvalProtocol,
): Promise<Record<string, AccuracyCurve>> {
  const job = new GlyphEvaluation(run, p);
  try {
    while (!job.finished) await job.next();
    return job.result();
  } finally {
    job.dispose();
  }
}
