/**
 * The glyph accuracy evaluation as a job done in pieces: held-out N-way tasks, each
 * initialisation (MAML's θ, the pretrained body with a fresh head, the random θ) fine-tuned on
 * the support set for 0..steps inner steps and scored on the query set. Every initialisation is
 * copied when the job starts, so a job spread over a stretch of training still describes one θ
 * (that of `step`); one piece is one initialisation on one chunk of tasks, so a worker can run
 * the job between training steps and handle its messages in between. A run on the fused
 * WebAssembly engine is scored there too (FusedGlyphScorer: the same tasks and maths as the tfjs
 * adaptation curve, in one wasm call per task); others on tfjs kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { InnerRate, StepRates } from '../../meta/innerLoop';
import { isStepNorm } from './stepNorm';
import type { Classifier } from '../../models/classifier';
import { meanCi } from '../../meta/statistics';
import { wasmGlyphSettings } from '../../engines/fusedGlyph/settings';
import { FusedGlyphScorer, type ScoreRate } from '../../engines/fusedGlyph/scoring';
import { FusedLearner } from '../../engines/engineViews';
import { Rng } from '../../random';
import { classAdaptationCurve, classBatchTensors, type ClassBatch } from './classification';
import type { GlyphBatch } from './data/sampler';
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
  /** the network it is (MAML++'s θ keeps per-step batch-norm sets, the baselines do not) */
  model: Classifier;
  theta: tf.Tensor;
  /** one rate for every step, or MAML++'s learned rates per step */
  rate: InnerRate | StepRates;
  /** θ and the rate as numbers, read once for the fused scorer */
  read?: { theta: Float32Array; rate: ScoreRate };
}

/** a chunk of tasks: as drawn (the fused scorer) and as tensors (tfjs), each made when first used */
interface Chunk {
  n: number;
  raw: GlyphBatch;
  t: ClassBatch | null;
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
  private batch: Chunk | null = null;
  private readonly scorer: FusedGlyphScorer | null;
  private method = 0;
  private disposed = false;

  constructor(
    private readonly run: GlyphRun,
    private readonly p: ClassEvalProtocol,
  ) {
    this.step = run.stepCount;
    this.rng = Rng.stream(p.seed, 'eval');
    const alpha = run.experiment.alpha;
    // the baselines are the plain network, fine-tuned alike whatever the meta-learner's network
    const plain = isStepNorm(run.model) ? run.model.base : run.model;
    const head = plain.init(Rng.stream(p.seed, 'fresh-head'));
    const meta = {
      name: 'maml',
      model: run.model,
      theta: tf.clone(run.learner.theta),
      rate: learnedRate(run),
    };
    this.starts = [meta];
    if (run.pretrainer) {
      const theta = run.pretrainer.withHead(plain, head);
      this.starts.push({ name: 'pretrained', model: plain, theta, rate: alpha });
    }
    const random = tf.slice(run.randomTheta, 0, plain.numParams);
    this.starts.push({ name: 'random', model: plain, theta: random, rate: alpha });
    this.cols = p.steps + 1;
    this.chunk = Math.max(1, p.chunk ?? 25);
    this.acc = this.starts.map(() => new Float32Array(p.tasks * this.cols));
    this.loss = this.starts.map(() => new Float32Array(p.tasks * this.cols));
    this.scorer = run.learner instanceof FusedLearner ? fusedScorer(run, this.chunk, p.steps) : null;
  }

  /** where the scores are computed */
  get engine(): 'fused' | 'tfjs' {
    return this.scorer ? 'fused' : 'tfjs';
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
      this.batch = { n, raw: this.run.nextBatch('test', this.rng, n), t: null };
    }
    const start = this.starts[this.method] as Start;
    const scores = this.scorer
      ? await this.scoreFused(this.scorer, start, this.batch.raw)
      : await this.scoreTfjs(start, this.batch);
    this.acc[this.method]?.set(scores.accuracy, this.done * this.cols);
    this.loss[this.method]?.set(scores.loss, this.done * this.cols);
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

  private async scoreFused(
    scorer: FusedGlyphScorer,
    start: Start,
    raw: GlyphBatch,
  ): Promise<{ accuracy: Float32Array; loss: Float32Array }> {
    if (!start.read) {
      const theta = (await start.theta.data()) as Float32Array;
      start.read = { theta, rate: await rateNumbers(start.rate) };
    }
    return scorer.score(start.read.theta, start.read.rate, raw, this.p.steps);
  }

  private async scoreTfjs(
    start: Start,
    chunk: Chunk,
  ): Promise<{ accuracy: Float32Array; loss: Float32Array }> {
    const t = (chunk.t ??= classBatchTensors(chunk.raw));
    const curve = classAdaptationCurve(start.model, start.theta, start.rate, t, this.p.steps);
    try {
      return {
        accuracy: (await curve.accuracy.data()) as Float32Array,
        loss: (await curve.loss.data()) as Float32Array,
      };
    } finally {
      tf.dispose([curve.accuracy, curve.loss]);
    }
  }

  private disposeBatch(): void {
    const t = this.batch?.t;
    if (t) tf.dispose([t.xs, t.ys, t.xq, t.yq]);
    this.batch = null;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeBatch();
    this.scorer?.dispose();
    for (const s of this.starts) {
      const rates = typeof s.rate === 'number' ? [] : s.rate instanceof tf.Tensor ? [s.rate] : s.rate.perStep;
      tf.dispose([s.theta, ...rates]);
    }
  }
}

/** The meta-learned start's inner rate as copies: α, Meta-SGD's vector or MAML++'s rates per step. */
function learnedRate(run: GlyphRun): InnerRate | StepRates {
  const steps = 'stepRates' in run.learner ? run.learner.stepRates() : null;
  if (steps) return { perStep: steps.perStep.map((r) => tf.clone(r)) };
  const rate = run.learner.innerRate();
  return typeof rate === 'number' ? rate : tf.clone(rate);
}

/** A start's rate as numbers for the fused scorer: α, α per parameter, or per step (MAML++). */
async function rateNumbers(rate: InnerRate | StepRates): Promise<ScoreRate> {
  if (typeof rate === 'number') return rate;
  if (rate instanceof tf.Tensor) return (await rate.data()) as Float32Array;
  return Promise.all(rate.perStep.map(async (r) => (await r.data()) as Float32Array));
}

/** A fused scorer for the run's network and evaluation batches, or null where it cannot hold them. */
function fusedScorer(run: GlyphRun, chunk: number, steps: number): FusedGlyphScorer | null {
  const c = run.experiment;
  try {
    const batch = { ways: c.ways, shots: c.k, query: c.query, maxTasks: chunk };
    const scorer = FusedGlyphScorer.createSync(wasmGlyphSettings(c), batch, c.algo === 'mamlpp');
    if (steps <= scorer.stepsLimit) return scorer;
    scorer.dispose();
  } catch {
    // (the tfjs kernels score what the engine cannot hold)
  }
  return null;
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
