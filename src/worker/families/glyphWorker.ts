/**
 * The glyph family's worker part: the lab's task view (a held-out task's class probabilities
 * after each inner step, for every initialisation), the accuracy evaluation, and the drawing pad
 * (adapt to the user's drawings, classify a new one). Requests run one at a time between training
 * steps, in the order they came.
 */
import * as tf from '@tensorflow/tfjs';
import type { FamilyRun } from '../../core/families/family';
import { classInnerStep } from '../../core/families/glyphs/classification';
import { IMAGE_SIZE } from '../../core/families/glyphs/data/rasterize';
import { GlyphEvaluation } from '../../core/families/glyphs/evaluation';
import type { GlyphRun } from '../../core/families/glyphs/run';
import type { InnerRate } from '../../core/meta/innerLoop';
import { broadcastTasks } from '../../core/models/classifier';
import { softmax } from '../../core/ops/softmax';
import { Rng } from '../../core/random';
import type { FamilyRequest } from '../protocol';
import type { ThetaSubject } from '../theta/messages';
import type { FamilyWorker, HostServices } from './familyWorker';
import { GlyphThetaPart } from './glyphTheta';
import { GLYPH_METHODS, type GlyphMethod, type GlyphRequest } from './glyphMessages';
import { GlyphMetaStep } from './glyphMetaStep';
import { GlyphEngineCheck } from './glyphEngineCheck';
import { probabilityPath } from './glyphPaths';
import { SharePacer } from '../host/sideBudget';
import { addWork, timeWork } from '../host/workProfile';

/** query images per class in the task view (few enough to see them all) */
const VIEW_QUERY = 2;
/**
 * the held-out evaluation's share of the worker's time while training, after its first task: its
 * tfjs pieces each cost about a fused meta-step or more (paused, it runs at full speed)
 */
export const EVAL_SHARE = 0.1;
/** inner steps of an evaluation the page did not size */
const EVAL_STEPS = 5;
const S = IMAGE_SIZE;

interface Adapted {
  id: number;
  ways: number;
  maml: tf.Tensor;
  random: tf.Tensor;
  /** the user's support images [1, N·K, 28, 28, 1]: a new drawing is classified in a batch with them */
  support: tf.Tensor5D;
}

export class GlyphWorker implements FamilyWorker {
  private readonly queue: GlyphRequest[] = [];
  private adapted: Adapted | null = null;
  /** the evaluation under way: the page's id, and the task shape it was asked for */
  private evaluation: { id: number; ways: number; shots: number; job: GlyphEvaluation } | null = null;
  private readonly theta: GlyphThetaPart;
  /** the walk-through and the first-order vs second-order comparison */
  private readonly meta: GlyphMetaStep;
  /** the fused engine's programs compiled before training, or the reason it does not train */
  private readonly engine = new GlyphEngineCheck();
  private readonly evalPacer = new SharePacer(EVAL_SHARE);

  constructor(private readonly host: HostServices) {
    this.theta = new GlyphThetaPart(host);
    this.meta = new GlyphMetaStep(host);
  }

  private get run(): GlyphRun {
    return this.host.run() as GlyphRun;
  }

  /** the current run, or null between runs */
  private get currentRun(): GlyphRun | null {
    try {
      return this.run;
    } catch {
      return null;
    }
  }

  get busy(): boolean {
    return (
      this.queue.length > 0 ||
      this.evaluation !== null ||
      this.theta.busy ||
      this.meta.busy ||
      this.engine.pending(this.currentRun)
    );
  }

  /** every glyph request comes from the page */
  get urgent(): boolean {
    return this.queue.length > 0 || this.meta.pending || this.engine.pending(this.currentRun);
  }

  /** a task asked for, or an evaluation that has not sent its first curves (one task) */
  get opening(): boolean {
    // (its curves go to the page as each task is scored: none yet while none is)
    return this.queue.length > 0 || this.evaluation?.job.scored === 0;
  }

  request(req: FamilyRequest): void {
    if (this.meta.request(req)) return;
    if (req.kind === 'showTask' || req.kind === 'adapt' || req.kind === 'classify') this.queue.push(req);
  }

  /** One turn of side work: the page's next request, else a piece of the evaluation, else the rest. */
  async work(): Promise<void> {
    if (this.engine.pending(this.currentRun)) {
      await this.engine.work(this.run, (msg) => this.host.post(msg));
      return;
    }
    const req = this.queue.shift();
    if (req?.kind === 'showTask')
      await timeWork('task view', () => this.showTask(req.id, req.counter, req.steps));
    else if (req?.kind === 'adapt')
      await timeWork('drawing pad', () => this.adapt(req.id, req.ways, req.shots, req.images, req.steps));
    else if (req?.kind === 'classify')
      await timeWork('drawing pad', () => this.classify(req.id, req.adaptId, req.image));
    else if (this.evaluation && !this.meta.pending && this.evaluationDue) {
      // (a walk the page asked for goes first)
      const running = this.host.running();
      await timeWork('evaluation piece', () => this.evalPacer.run(() => this.evaluationPiece(), running));
      return;
    }
    await timeWork('walk and orders', () => this.meta.work(this.run, this.host.running()));
    // the θ view's reports and landscape chunks run when no request of the page waits
    if (!req) await timeWork('θ view', () => this.theta.work());
  }

  /**
   * An evaluation's next piece may run: its first task at once (the page's first curves), the
   * rest within EVAL_SHARE of the time while training.
   */
  private get evaluationDue(): boolean {
    return this.evaluation?.job.scored === 0 || this.evalPacer.ready(this.host.running());
  }

  captureStep(run: FamilyRun): void {
    const t0 = performance.now();
    this.theta.capture(run as GlyphRun);
    addWork('θ view capture', performance.now() - t0);
  }

  flushCaptures(stepsPerSecond: number): Promise<void> {
    return timeWork('θ view flush', () => this.theta.flush(stepsPerSecond));
  }

  discardCaptures(): void {
    this.theta.discardCaptures();
  }

  markDirty(): void {
    this.theta.markDirty();
    this.meta.markDirty();
  }

  /** a new run: the networks adapted to the user's drawings belong to the old one */
  runReplaced(): void {
    this.disposeAdapted();
    // the page asks again for the new run (its `ready`)
    this.dropEvaluation();
    this.theta.clear();
    this.meta.runReplaced();
  }

  setThetaView(subject: ThetaSubject, random: boolean): void {
    this.theta.setView(subject, random);
  }

  requestLandscape(id: number, resolution: number): void {
    this.theta.requestLandscape(id, resolution);
  }

  private rateOf(method: GlyphMethod): InnerRate {
    const run = this.run;
    return method === 'maml' ? run.learner.innerRate() : this.host.config().alpha;
  }

  /** θ for each initialisation (the pretrained one with a fresh N-way head); caller disposes. */
  private startThetas(): Record<GlyphMethod, tf.Tensor> {
    const run = this.run;
    const config = this.host.config();
    const head = run.model.init(Rng.stream(config.seed, 'fresh-head'));
    return tf.tidy(() => ({
      maml: tf.clone(run.learner.theta),
      pretrained: run.pretrainer ? run.pretrainer.withHead(run.model, head) : tf.clone(run.randomTheta),
      random: tf.clone(run.randomTheta),
    }));
  }

  /**
   * An evaluation the page asked for starts here, at the current θ, and goes on in `work()` one
   * piece (one initialisation on one task) at a time: while training, as side work within its
   * budget; paused, between the page's messages. A newer request replaces an unfinished one.
   */
  evaluate(tasks: number, stepsAsked: number | undefined, idAsked: number | null): Promise<void> {
    const config = this.host.config();
    const steps = stepsAsked ?? EVAL_STEPS;
    this.dropEvaluation();
    this.evaluation = {
      id: idAsked ?? 0,
      ways: config.ways,
      shots: config.k,
      job: new GlyphEvaluation(this.run, { tasks, steps, seed: config.seed, chunk: 1 }),
    };
    return Promise.resolve();
  }

  /**
   * One piece of the evaluation under way. Each time a task is done the page gets the curves so
   * far, so they appear after one task (3 pieces) and tighten as tasks come
   * in (an interval from the second task on).
   */
  private async evaluationPiece(): Promise<void> {
    const e = this.evaluation;
    if (!e) return;
    await e.job.next();
    const job = e.job;
    if (!job.taskDone) return;
    const curves = job.result(true);
    if (job.finished) this.dropEvaluation();
    const pick = (m: GlyphMethod) => curves[m] ?? { accuracy: [], ci95: [], loss: [] };
    this.host.post({
      kind: 'family',
      reply: {
        kind: 'glyphEval',
        id: e.id,
        step: job.step,
        tasks: job.scored,
        asked: job.tasks,
        steps: job.steps,
        ways: e.ways,
        shots: e.shots,
        curves: { maml: pick('maml'), pretrained: pick('pretrained'), random: pick('random') },
      },
    });
    if (job.finished) this.meta.evaluationDone();
  }

  private dropEvaluation(): void {
    this.evaluation?.job.dispose();
    this.evaluation = null;
  }

  private async showTask(id: number, counter: number, steps: number): Promise<void> {
    const run = this.run;
    const config = this.host.config();
    const rng = Rng.stream(config.seed, `glyph-view-task-${counter}`);
    const b = run.source.sample(rng, 1, {
      split: 'test',
      ways: config.ways,
      shots: config.k,
      query: VIEW_QUERY,
    });
    const n = b.ways;
    const xs = tf.tensor5d(b.xs, [1, n * b.shots, S, S, 1]);
    const ys = tf.tensor2d(b.ys, [1, n * b.shots], 'int32');
    const xq = tf.tensor5d(b.xq, [1, n * b.query, S, S, 1]);
    const thetas = this.startThetas();
    try {
      const probs = {} as Record<GlyphMethod, Float32Array>;
      for (const m of GLYPH_METHODS) {
        probs[m] = await probabilityPath(this.run.model, thetas[m], this.rateOf(m), xs, ys, xq, steps, n);
      }
      const names = Array.from(b.classes, (c) => run.source.className(c));
      this.host.post({
        kind: 'family',
        reply: {
          kind: 'task',
          id,
          counter,
          step: run.stepCount,
          ways: n,
          shots: b.shots,
          query: b.query,
          steps,
          xs: b.xs,
          ys: b.ys,
          xq: b.xq,
          yq: b.yq,
          names,
          probs,
        },
      });
    } finally {
      tf.dispose([xs, ys, xq, thetas.maml, thetas.pretrained, thetas.random]);
    }
  }

  disposeAdapted(): void {
    if (this.adapted) tf.dispose([this.adapted.maml, this.adapted.random, this.adapted.support]);
    this.adapted = null;
  }

  private async adapt(id: number, ways: number, shots: number, images: Float32Array, steps: number) {
    const run = this.run;
    if (ways > run.model.ways)
      throw new Error(`the network has ${run.model.ways} outputs, fewer than ${ways} classes`);
    const count = ways * shots;
    const labels = Int32Array.from({ length: count }, (_, i) => Math.floor(i / shots));
    const xs = tf.tensor5d(images, [1, count, S, S, 1]);
    const ys = tf.tensor2d(labels, [1, count], 'int32');
    const thetas = this.startThetas();
    try {
      const adaptFrom = (theta: tf.Tensor, rate: InnerRate) => {
        let p: tf.Tensor = tf.tidy(() => broadcastTasks(theta, 1));
        for (let s = 0; s < steps; s++) {
          const next = tf.tidy(() => classInnerStep(run.model, p, xs, ys, rate));
          p.dispose();
          p = next;
        }
        return p;
      };
      const maml = adaptFrom(thetas.maml, this.rateOf('maml'));
      const random = adaptFrom(thetas.random, this.rateOf('random'));
      this.disposeAdapted();
      this.adapted = { id, ways, maml, random, support: tf.clone(xs) };
      const accuracy = async (p: tf.Tensor) => {
        const a = tf.tidy(() => {
          const logits = tf.slice(run.model.apply(run.model.unflatten(p), xs), [0, 0, 0], [1, -1, ways]);
          return tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(ys, 'int32')), 'float32'));
        });
        const v = (await a.data())[0] ?? NaN;
        a.dispose();
        return v;
      };
      this.host.post({
        kind: 'family',
        reply: {
          kind: 'adapted',
          id,
          ways,
          steps,
          supportAccuracy: { maml: await accuracy(maml), random: await accuracy(random) },
        },
      });
    } finally {
      tf.dispose([xs, ys, thetas.maml, thetas.pretrained, thetas.random]);
    }
  }

  private async classify(id: number, adaptId: number, image: Float32Array): Promise<void> {
    const run = this.run;
    const a = this.adapted;
    if (!a || a.id !== adaptId) return;
    // the conv net's batch norm uses the batch's own statistics (as in meta-training), so one image
    // alone would be normalised to nothing: classify it in a batch with the support drawings
    const x = tf.tidy(() => tf.concat([a.support, tf.tensor5d(image, [1, 1, S, S, 1])], 1) as tf.Tensor5D);
    const last = x.shape[1] - 1;
    try {
      const probsOf = async (p: tf.Tensor) => {
        const t = tf.tidy(() =>
          softmax(tf.slice(run.model.apply(run.model.unflatten(p), x), [0, last, 0], [1, 1, a.ways])),
        );
        const d = (await t.data()) as Float32Array;
        t.dispose();
        return d;
      };
      this.host.post({
        kind: 'family',
        reply: {
          kind: 'classified',
          id,
          adaptId,
          probs: { maml: await probsOf(a.maml), random: await probsOf(a.random) },
        },
      });
    } finally {
      x.dispose();
    }
  }
}
