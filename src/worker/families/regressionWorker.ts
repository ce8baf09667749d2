/**
 * The regression families' worker part: predictions for the task view's task (the fans), the live
 * evaluation (MSE after 0..10 inner steps) under a time share, the first-order vs second-order
 * comparison now and then, and the parameter-space view.
 */
import * as tf from '@tensorflow/tfjs';
import type { FamilyRun } from '../../core/families/family';
import {
  batchTensors,
  DEFAULT_EVAL,
  evaluate,
  makeEvalTasks,
  type EvalMethod,
} from '../../core/families/regression/evaluate';
import type { RegressionRun } from '../../core/families/regression/run';
import { testDiffers, type Split } from '../../core/families/regression/distribution';
import { VIEW_GRID_POINTS, viewGrid, type RegressionBatch } from '../../core/families/regression/tasks';
import { adaptationPredictions } from '../../core/meta/innerLoop';
import { regressionMetaModel } from '../../core/meta/learners';
import { orderCompareTasks } from '../../core/families/regression/orderTasks';
import { compareOrders } from '../../core/meta/orderCompare';
import { METHODS, type FamilyRequest, type MethodName } from '../protocol';
import { regressionThetaModel } from './regressionTheta';
import { ThetaView } from '../theta/view';
import type { ThetaViewModel } from '../theta/model';
import type { FamilyWorker, HostServices } from './familyWorker';
import type { EvalCurveData, ViewTask } from './regressionMessages';
import { OrdersSchedule, ordersReply } from './ordersSchedule';
import { WalkKeeper } from './walkKeeper';

/** the task view refreshes at most this often while training (its three fans are the page's heaviest redraw) */
const PREDICT_MS = 500;
/** the live evaluation runs at least this far apart while training */
const EVAL_MIN_MS = 3000;
/**
 * and takes at most this share of the worker's time: it is the largest piece of side work (about
 * a second for 100 tasks on the 2-core machine), and at a fifth it took the whole side budget
 */
const EVAL_SHARE = 0.1;
/** inner steps of the adaptation curve (the paper's Figure 3) */
const EVAL_STEPS = DEFAULT_EVAL.steps;
/** tasks in its fixed held-out batch (the paper's meta-batch) */
const ORDERS_TASKS = 25;

const now = () => performance.now();

export class RegressionWorker implements FamilyWorker {
  private task: ViewTask | null = null;
  private taskDirty = false;
  private taskRequested = false;
  private lastPredictAt = -Infinity;
  private readonly evalBatches = new Map<Split, { key: string; batch: RegressionBatch }>();
  private evalDirty = true;
  private lastEvalAt = -Infinity;
  private evalInterval = EVAL_MIN_MS;
  private ordersBatch: { key: string; batch: RegressionBatch } | null = null;
  private readonly orders = new OrdersSchedule();
  private readonly theta: ThetaView;
  private readonly walk: WalkKeeper;

  constructor(
    private readonly host: HostServices,
    /** tasks in the live evaluation */
    private readonly evalTasks: number,
  ) {
    this.theta = new ThetaView(host.post, (fn) => host.inference(fn));
    this.walk = new WalkKeeper(host);
  }

  private modelOf: { run: RegressionRun; model: ThetaViewModel<RegressionBatch> } | null = null;

  private get run(): RegressionRun {
    return this.host.run() as RegressionRun;
  }

  get busy(): boolean {
    return this.taskDirty || this.evalDirty || this.orders.pending || this.theta.busy || this.walk.busy;
  }

  /** the page showed a new task (or moved a point), or asked for a walk: done whatever the budget */
  get urgent(): boolean {
    return this.taskRequested || this.walk.pending;
  }

  /** (the first task's predictions and evaluation come with init, in one turn of `work`) */
  get opening(): boolean {
    return this.taskRequested;
  }

  request(req: FamilyRequest): void {
    if (req.kind === 'walk' || req.kind === 'walkUpdate' || req.kind === 'walkCancel') {
      this.walk.request(req);
      return;
    }
    if (req.kind !== 'task') return;
    this.task = req.task;
    this.taskDirty = true;
    this.taskRequested = true;
    this.theta.markDirty();
  }

  async work(): Promise<void> {
    const t = now();
    const running = this.host.running();
    await this.walk.work(this.run, running);
    if (running && t - this.lastPredictAt > PREDICT_MS) this.taskDirty = true;
    if (this.taskDirty) await this.predict();
    if (running ? now() - this.lastEvalAt > this.evalInterval : this.evalDirty) {
      await this.evaluate(this.evalTasks, undefined, null);
    }
    if (this.orders.due(running, now())) await this.compareOrders();
    this.theta.applyView();
    const config = this.host.config();
    if (this.theta.reportDue(running, now()))
      await this.theta.report(this.thetaModel(this.run), config, this.task, running);
    if (this.theta.landscapeActive)
      await this.theta.landscapeStep(this.thetaModel(this.run), config, running);
  }

  captureStep(run: FamilyRun): void {
    this.theta.capture(this.thetaModel(run as RegressionRun));
  }

  /** The θ view's reading of a run, made once per run (it is asked for after every step). */
  private thetaModel(run: RegressionRun): ThetaViewModel<RegressionBatch> {
    if (this.modelOf?.run !== run) this.modelOf = { run, model: regressionThetaModel(run) };
    return this.modelOf.model;
  }

  flushCaptures(stepsPerSecond: number): Promise<void> {
    return this.theta.flush(stepsPerSecond);
  }

  discardCaptures(): void {
    this.theta.discardCaptures();
  }

  markDirty(): void {
    this.taskDirty = true;
    this.evalDirty = true;
    this.orders.markDirty();
    this.theta.markDirty();
    if (this.host.running()) this.lastEvalAt = -Infinity;
  }

  runReplaced(): void {
    this.evalBatches.clear();
    this.ordersBatch = null;
    this.theta.clear();
    this.markDirty();
  }

  setThetaView(subject: 'maml' | 'pretrained', random: boolean): void {
    this.theta.setView(subject, random);
  }

  requestLandscape(id: number, resolution: number): void {
    this.theta.requestLandscape(id, resolution);
  }

  /**
   * Run read-only work on the run's three initialisations: directly, or on wasm beside WebGPU
   * (θ is read back asynchronously and copied; nothing here touches the WebGPU tensors).
   */
  private async withMethods<T>(fn: (methods: EvalMethod[]) => Promise<T>): Promise<T> {
    const run = this.run;
    if (!this.host.usesSideWasm()) return fn(run.methods());
    const snap = await this.host.snapshot();
    const alpha = this.host.config().alpha;
    return this.host.inference(async () => {
      const created: tf.Tensor[] = [];
      const t = (a: Float32Array) => {
        const x = tf.tensor1d(a);
        created.push(x);
        return x;
      };
      try {
        const methods: EvalMethod[] = [
          { name: 'maml', theta: t(snap.theta), rate: snap.alpha ? t(snap.alpha) : alpha },
        ];
        if (snap.pretrained) methods.push({ name: 'pretrained', theta: t(snap.pretrained), rate: alpha });
        methods.push({ name: 'random', theta: t(run.theta0), rate: alpha });
        return await fn(methods);
      } finally {
        tf.dispose(created);
      }
    });
  }

  private async predict(): Promise<void> {
    const run = this.run;
    const task = this.task;
    this.taskDirty = false;
    this.taskRequested = false;
    this.lastPredictAt = now();
    if (!task) return;
    const k = Math.min(task.xs.length, task.ys.length);
    const steps = k > 0 ? task.steps : 0;
    const grid = viewGrid(run.tasks.xRange);
    const fans = await this.withMethods(async (methods) => {
      const out: Partial<Record<MethodName, Float32Array>> = {};
      const xs = tf.tensor3d(task.xs.slice(0, k), [1, k, 1]);
      const ys = tf.tensor3d(task.ys.slice(0, k), [1, k, 1]);
      const g = tf.tensor3d(grid, [1, VIEW_GRID_POINTS, 1]);
      try {
        for (const m of methods) {
          const pred = adaptationPredictions(run.model, m.theta, m.stepRates ?? m.rate, xs, ys, g, steps);
          try {
            out[m.name as MethodName] = (await pred.data()) as Float32Array;
          } finally {
            pred.dispose();
          }
        }
      } finally {
        tf.dispose([xs, ys, g]);
      }
      return out;
    });
    const empty = new Float32Array((steps + 1) * VIEW_GRID_POINTS).fill(NaN);
    const reply = {
      kind: 'predictions' as const,
      taskId: task.id,
      step: run.stepCount,
      grid,
      steps,
      fans: {
        maml: fans.maml ?? empty,
        pretrained: fans.pretrained ?? empty.slice(),
        random: fans.random ?? empty.slice(),
      },
    };
    this.host.post({ kind: 'family', reply });
  }

  /** A split's held-out tasks, kept while the settings that draw them stay the same. */
  private heldOut(split: Split, tasks: number): RegressionBatch {
    const config = this.host.config();
    const sampler = this.run.family.tasksFor(config, split);
    const key = `${config.k}:${tasks}:${sampler.range ?? ''}`;
    const kept = this.evalBatches.get(split);
    if (kept?.key === key) return kept.batch;
    const batch = makeEvalTasks(sampler, { ...DEFAULT_EVAL, tasks, k: config.k });
    this.evalBatches.set(split, { key, batch });
    return batch;
  }

  /** Every initialisation's curve on one split's held-out tasks. */
  private async curvesOn(split: Split, tasks: number): Promise<Record<MethodName, EvalCurveData>> {
    const batch = this.heldOut(split, tasks);
    const result = await this.withMethods((methods) => evaluate(this.run.model, methods, batch, EVAL_STEPS));
    const none: EvalCurveData = { mse: [], ci95: [] };
    const curves = {} as Record<MethodName, EvalCurveData>;
    for (const m of METHODS) curves[m] = result[m] ?? none;
    return curves;
  }

  /** The adaptation curves on meta-training's distribution and, where the config's differs, on the test one's. */
  async evaluate(requested: number, _steps: number | undefined, _id: number | null): Promise<void> {
    const run = this.run;
    const config = this.host.config();
    this.evalDirty = false;
    // per-task copies of θ dominate the memory: keep tasks × parameters around 4 million
    const tasks = Math.max(10, Math.min(requested, Math.floor(4e6 / run.model.numParams)));
    const t0 = now();
    const curves = await this.curvesOn('train', tasks);
    const test = testDiffers(config, run.family.schema.fields)
      ? { range: run.family.tasksFor(config, 'test').range ?? '', curves: await this.curvesOn('test', tasks) }
      : null;
    const took = now() - t0;
    this.lastEvalAt = now();
    this.evalInterval = Math.max(EVAL_MIN_MS, took / EVAL_SHARE);
    const reply = {
      kind: 'eval' as const,
      step: run.stepCount,
      requested,
      tasks,
      k: config.k,
      inner: config.inner,
      computedOn: this.host.inferenceBackend(),
      curves,
      ...(test ? { test } : {}),
    };
    this.host.post({ kind: 'family', reply });
  }

  /**
   * Second-order vs first-order MAML (and the Reptile direction) at the current θ, on a fixed
   * held-out batch of the seed: how much the Hessian term turns and scales the meta-gradient.
   */
  private async compareOrders(): Promise<void> {
    const run = this.run;
    const config = this.host.config();
    const key = `${config.seed}:${config.k}:${config.task}:${run.tasks.range ?? ''}`;
    if (!this.ordersBatch || this.ordersBatch.key !== key) {
      this.ordersBatch = { key, batch: orderCompareTasks(run.tasks, config.seed, ORDERS_TASKS, config.k) };
    }
    const tasks = this.ordersBatch.batch;
    const comparison = await this.orders.run(() =>
      this.withMethods(async (methods) => {
        const maml = methods[0] as EvalMethod;
        const batch = batchTensors(tasks);
        try {
          return await compareOrders(regressionMetaModel(run.model), maml.theta, batch, {
            rate: maml.rate,
            steps: config.inner,
          });
        } finally {
          tf.dispose([batch.xs, batch.ys, batch.xq, batch.yq]);
        }
      }),
    );
    const reply = ordersReply(run.stepCount, comparison);
    this.host.post({ kind: 'family', reply });
  }
}
