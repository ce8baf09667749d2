/**
 * The training host: a thin loop around the core's RegressionRun. It owns no maths of its own; it
 * schedules steps in short chunks (so messages are handled between them), reads losses back
 * asynchronously, throttles reports, evaluates and predicts on request, and guards against
 * divergence. Every change of state happens inside one `pump` loop, so nothing interleaves with a
 * half-finished step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../core/experiment';
import { DEFAULT_EVAL, evaluate, makeEvalTasks, type EvalMethod } from '../core/families/regression/evaluate';
import { adaptationPredictions } from '../core/meta/innerLoop';
import type { RegressionRun } from '../core/families/regression/run';
import { createRegressionRun } from '../core/families/regression/lookup';
import type { RegressionBatch } from '../core/families/regression/tasks';
import { restartReason } from '../core/families/restart';
import { chooseBackend, measureWasmBeside, raceBackends } from './backend';
import { divergenceAdvice } from './divergence';
import {
  METHODS,
  type BackendName,
  type BackendRequest,
  type EvalCurveData,
  type FromWorker,
  type MethodName,
  type Snapshot,
  type ToWorker,
  type ViewTask,
} from './protocol';
import { runFromSnapshot, snapshotFinite, takeSnapshot, copySnapshot } from './runState';
import { ThetaView } from './thetaView';

/** reports at most every 50 ms (20 per second) */
const REPORT_MS = 50;
/** the task view refreshes at most this often while training */
const PREDICT_MS = 250;
/** θ is snapshotted (kept as the last finite θ and sent to the page) this often while training */
const SNAPSHOT_MS = 1000;
/** the live evaluation runs at least this far apart, and takes at most ~20% of the time */
const EVAL_MIN_MS = 3000;
/** points on the task view's x grid */
const GRID_POINTS = 200;
/** inner steps of the adaptation curve (the paper's Figure 3) */
const EVAL_STEPS = DEFAULT_EVAL.steps;

type Post = (msg: FromWorker) => void;

const now = () => performance.now();

/** Yield to the event loop so queued messages are handled (a macrotask, without timer clamping). */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

export class TrainerHost {
  private run: RegressionRun | null = null;
  private config: Experiment | null = null;
  private backend: BackendName = 'cpu';
  private ready = false;
  private pumping = false;
  private failed = false;

  private running = false;
  private stepRequests = 0;
  private replayTo: number | null = null;
  private pendingConfig: Experiment | null = null;
  private pendingReset = false;

  private task: ViewTask | null = null;
  private taskDirty = false;
  private lastPredictAt = -Infinity;

  private evalTasks = 100;
  private evalBatch: { key: string; batch: RegressionBatch } | null = null;
  private evalDirty = false;
  private evalRequest: number | null = null;
  private lastEvalAt = -Infinity;
  private evalInterval = EVAL_MIN_MS;

  private lastGood: Snapshot | null = null;
  private snapshotRequests: number[] = [];
  private snapshotDue = false;
  private lastSnapshotAt = 0;

  private pendingLosses: number[] = [];
  private pendingPretrained: number[] = [];
  private reportDue = false;
  private lastReportAt = -Infinity;
  private elapsedMs = 0;
  private rateWindow: { t: number; step: number }[] = [];
  private stepsPerSec = 0;

  /**
   * On WebGPU, wasm runs beside it for small read-only work (task-view predictions, evaluation):
   * per-kernel overhead dominates those, and they must not wait behind the GPU queue.
   */
  private sideWasm = false;
  private wasmRate: number | null = null;
  /** timing the first real WebGPU steps, after `skip` warm-up steps, to compare with wasm */
  private probe: { skip: number; steps: number; ms: number } | null = null;

  /** the parameter-space view: θ trajectories, inner-loop paths, loss landscape */
  private readonly theta: ThetaView;
  /** auto mode with WebGPU available: the backends are timed against each other on this workload */
  private racing = false;

  constructor(private readonly post: Post) {
    this.theta = new ThetaView(post, (fn) => this.inference(fn));
  }

  handle(msg: ToWorker): void {
    if (this.failed) return;
    switch (msg.kind) {
      case 'init':
        void this.init(msg).catch((e) => this.fail(e));
        return;
      case 'play':
        if (!this.running) this.rateWindow = [];
        this.running = true;
        this.replayTo = null;
        this.reportDue = true;
        break;
      case 'pause':
        this.stopRunning();
        break;
      case 'step':
        if (!this.running) this.stepRequests += 1;
        break;
      case 'reset':
        this.pendingReset = true;
        this.stopRunning();
        break;
      case 'config':
        this.pendingConfig = msg.config;
        break;
      case 'task':
        this.task = msg.task;
        this.taskDirty = true;
        this.theta.markDirty();
        break;
      case 'thetaView':
        this.theta.setView(msg.subject, msg.random);
        break;
      case 'landscape':
        this.theta.requestLandscape(msg.id, msg.resolution);
        break;
      case 'evaluate':
        this.evalRequest = msg.tasks;
        break;
      case 'snapshot':
        this.snapshotRequests.push(msg.requestId);
        break;
      case 'crash':
        // thrown outside any promise so it reaches the worker's error event, like a real fault
        setTimeout(() => {
          throw new Error('simulated worker crash (test hook)');
        });
        return;
    }
    void this.pump();
  }

  private stopRunning(): void {
    const was = this.running || this.replayTo !== null;
    this.running = false;
    this.replayTo = null;
    this.stepRequests = 0;
    if (was) this.afterPause();
  }

  /** Once training stops, everything shown should describe the θ it stopped at. */
  private afterPause(): void {
    this.reportDue = true;
    this.taskDirty = true;
    this.evalDirty = true;
    this.snapshotDue = true;
    this.theta.markDirty();
  }

  private async init(msg: Extract<ToWorker, { kind: 'init' }>): Promise<void> {
    this.config = msg.config;
    this.evalTasks = msg.evalTasks;
    this.task = msg.task;
    const choice = await chooseBackend(msg.backend, msg.wasmPath);
    this.backend = choice.backend;
    // auto: start on wasm (the first views appear at once), then time both and train on the faster
    this.racing = msg.backend === 'auto' && choice.backend === 'webgpu';
    if (this.racing && (await tf.setBackend('wasm')) && tf.getBackend() === 'wasm') this.backend = 'wasm';
    else this.racing = false;
    this.run = runFromSnapshot(msg.config, msg.resume);
    const first = await takeSnapshot(this.run);
    this.lastGood = snapshotFinite(first) ? first : null;
    this.postReady(choice.fallback, msg.backend);
    if (msg.replayTo !== null && msg.replayTo > this.run.stepCount) {
      this.replayTo = msg.replayTo;
      this.running = true;
    }
    this.reportDue = true;
    this.evalDirty = true;
    this.snapshotDue = true;
    if (this.backend === 'webgpu') {
      // forced WebGPU: its per-kernel overhead can make it slower than wasm for this small
      // network, so measure wasm now, WebGPU on the first real training steps, and say so
      this.wasmRate = await measureWasmBeside(() => createRegressionRun(msg.config));
      this.sideWasm = this.wasmRate !== null;
      this.probe = { skip: 2, steps: 0, ms: 0 };
    }
    await this.predict();
    if (this.racing) {
      await this.evaluateNow(this.evalTasks);
      await this.race(msg.config, msg.backend);
    }
    this.ready = true;
    this.rateWindow = [];
    await this.pump();
  }

  private postReady(fallback: string | null, requested: BackendRequest): void {
    this.post({
      kind: 'ready',
      backend: this.backend,
      requested,
      fallback,
      numParams: this.runOrThrow.numParams,
      step: this.runOrThrow.stepCount,
    });
  }

  /**
   * Auto mode: time wasm and WebGPU on throwaway copies of this workload and move training to
   * the faster. The run moves in place (tfjs moves each tensor on first use), so θ, Adam's
   * moments, the task stream, the step and the curves all carry over.
   */
  private async race(config: Experiment, requested: BackendRequest): Promise<void> {
    const result = await raceBackends(() => createRegressionRun(config), this.backend, {
      wasm: { budgetMs: 1200, warmup: 2, group: 4, maxSteps: 60 },
      webgpuDeadlineMs: 6000,
    });
    this.post({
      kind: 'benchmark',
      rates: result.rates,
      choice: { winner: result.winner, bounded: result.bounded },
    });
    if (result.winner === this.backend) return;
    if (this.backend === 'webgpu') {
      // read the run's state back asynchronously first, so the move needs no synchronous GPU read
      const run = this.runOrThrow;
      await Promise.all(
        [...Object.values(tf.engine().state.registeredVariables), run.randomTheta].map((t) => t.data()),
      );
    }
    await tf.setBackend(result.winner);
    this.backend = result.winner;
    this.sideWasm = this.backend === 'webgpu' && result.rates.wasm !== undefined;
    this.postReady(null, requested);
  }

  private fail(e: unknown): void {
    this.failed = true;
    this.running = false;
    const message = e instanceof Error ? e.message : String(e);
    this.post({ kind: 'error', message, fatal: true });
  }

  private async pump(): Promise<void> {
    if (this.pumping || !this.ready || this.failed) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.pendingReset) await this.applyReset();
        if (this.pendingConfig) await this.applyConfig();
        if (this.taskDirty) await this.predict();
        if (this.running || this.stepRequests > 0) await this.trainChunk();
        this.maybeReport();
        const t = now();
        if (this.running && t - this.lastSnapshotAt > SNAPSHOT_MS) this.snapshotDue = true;
        if (this.snapshotDue || this.snapshotRequests.length > 0) await this.snapshot();
        if (this.running && t - this.lastPredictAt > PREDICT_MS) this.taskDirty = true;
        if (this.evalRequest !== null) {
          const n = this.evalRequest;
          this.evalRequest = null;
          await this.evaluateNow(n);
        } else if (this.running ? t - this.lastEvalAt > this.evalInterval : this.evalDirty) {
          await this.evaluateNow(this.evalTasks);
        }
        this.maybeReport();
        await this.thetaWork();
        const idle =
          !this.running &&
          this.stepRequests === 0 &&
          !this.taskDirty &&
          !this.evalDirty &&
          this.evalRequest === null &&
          !this.snapshotDue &&
          this.snapshotRequests.length === 0 &&
          !this.pendingConfig &&
          !this.pendingReset &&
          !this.reportDue &&
          !this.theta.busy;
        if (idle) break;
        await yieldToEvents();
      }
    } catch (e) {
      this.fail(e);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The parameter-space view's share of a pump iteration: a throttled report, and one chunk of
   * a requested loss landscape (so training and the landscape take turns).
   */
  private async thetaWork(): Promise<void> {
    const run = this.runOrThrow;
    const config = this.config;
    if (!config) return;
    this.theta.applyView();
    if (this.theta.reportDue(this.running, now())) {
      await this.theta.report(run, config, this.task, this.running);
    }
    if (this.theta.landscapeActive) await this.theta.landscapeStep(run, config, this.running);
  }

  private get runOrThrow(): RegressionRun {
    if (!this.run) throw new Error('the run is not initialised');
    return this.run;
  }

  private replaceRun(run: RegressionRun): void {
    this.run?.dispose();
    this.run = run;
    this.evalBatch = null;
  }

  private async applyReset(): Promise<void> {
    this.pendingReset = false;
    const config = this.pendingConfig ?? this.config;
    if (!config) return;
    this.pendingConfig = null;
    this.config = config;
    this.replaceRun(createRegressionRun(config));
    await this.restartBookkeeping(0, null);
  }

  private async applyConfig(): Promise<void> {
    const next = this.pendingConfig;
    const prev = this.config;
    this.pendingConfig = null;
    if (!next || !prev) return;
    const run = this.runOrThrow;
    this.config = next;
    const what = restartReason(prev, next);
    // the winner depends on the network's size and the meta-batch: time them again
    const rerace = this.racing && (next.hidden.join() !== prev.hidden.join() || next.batch !== prev.batch);
    if (what !== null) {
      this.replaceRun(createRegressionRun(next));
      await this.restartBookkeeping(0, `${what}: a new network, so meta-training restarts from step 0`);
      if (!this.racing && this.backend === 'webgpu' && next.hidden.join() !== prev.hidden.join()) {
        // the WebGPU-vs-wasm verdict depends on the network's size: measure again
        this.wasmRate = await measureWasmBeside(() => createRegressionRun(next));
        this.sideWasm = this.wasmRate !== null;
        this.probe = { skip: 2, steps: 0, ms: 0 };
        this.post({ kind: 'benchmark', rates: {}, choice: null });
      }
    } else if (next.algo !== prev.algo) {
      // switching algorithm keeps θ; read it asynchronously rather than via the core's dataSync
      const snap = await takeSnapshot(run);
      this.replaceRun(runFromSnapshot(next, { ...snap, alpha: null }));
      this.post({
        kind: 'notice',
        level: 'info',
        message: `Algorithm switched to ${next.algo} at step ${snap.step}: θ is kept, the optimiser's moments restart.`,
      });
    } else {
      run.update(next);
      if (next.k !== prev.k) this.evalBatch = null;
    }
    if (rerace) await this.race(next, 'auto');
    this.taskDirty = true;
    this.evalDirty = true;
    this.theta.markDirty();
    if (this.running) this.lastEvalAt = -Infinity;
    this.reportDue = true;
  }

  /** After the run was replaced by one at `step`: forget what came after it and say so. */
  private async restartBookkeeping(step: number, reason: string | null): Promise<void> {
    this.pendingLosses = [];
    this.pendingPretrained = [];
    this.rateWindow = [];
    if (step === 0) this.elapsedMs = 0;
    this.post({ kind: 'rewind', step, reason });
    // a new run or a restored θ: the trajectories start again from here
    this.theta.clear();
    const run = this.runOrThrow;
    const snap = await takeSnapshot(run);
    this.lastGood = snapshotFinite(snap) ? snap : null;
    this.taskDirty = true;
    this.evalDirty = true;
    this.snapshotDue = true;
    this.reportDue = true;
  }

  private async trainChunk(): Promise<void> {
    const run = this.runOrThrow;
    const startStep = run.stepCount;
    const metas: tf.Scalar[] = [];
    const pres: tf.Scalar[] = [];
    const maxSteps = this.backend === 'webgpu' ? 4 : 256;
    const t0 = now();
    while (metas.length < maxSteps) {
      if (this.replayTo !== null && run.stepCount >= this.replayTo) break;
      if (!this.running) {
        if (this.stepRequests <= 0) break;
        this.stepRequests -= 1;
      }
      const l = run.step();
      metas.push(l.meta);
      if (l.pretrained) pres.push(l.pretrained);
      this.theta.capture(run);
      if (now() - t0 > 30) break;
    }
    if (metas.length > 0) {
      const stacked = tf.stack([...metas, ...pres]);
      let values: Float32Array;
      try {
        values = (await stacked.data()) as Float32Array;
      } finally {
        tf.dispose([stacked, ...metas, ...pres]);
      }
      const t1 = now();
      this.elapsedMs += t1 - t0;
      const n = metas.length;
      this.measureProbe(n, t1 - t0);
      for (let i = 0; i < n; i++) {
        const m = values[i] as number;
        const p = pres.length === n ? (values[n + i] as number) : 0;
        if (!Number.isFinite(m) || !Number.isFinite(p)) {
          this.theta.discardCaptures();
          await this.diverged(startStep + i + 1, Number.isFinite(m) ? 'pretrained' : 'meta');
          return;
        }
        this.pendingLosses.push(m);
        if (pres.length === n) this.pendingPretrained.push(p);
      }
      await this.theta.flush();
      this.rateWindow.push({ t: t1, step: run.stepCount });
      while (this.rateWindow.length > 2 && t1 - (this.rateWindow[0] as { t: number }).t > 2000) {
        this.rateWindow.shift();
      }
      const first = this.rateWindow[0];
      if (first && t1 - first.t > 150)
        this.stepsPerSec = (run.stepCount - first.step) / ((t1 - first.t) / 1000);
      else if (this.rateWindow.length === 1 && t1 > t0) this.stepsPerSec = n / ((t1 - t0) / 1000);
      this.reportDue = true;
    }
    if (this.replayTo !== null && run.stepCount >= this.replayTo) {
      // a replayed share link has arrived: stop exactly here
      this.running = false;
      this.replayTo = null;
      this.afterPause();
    } else if (!this.running && this.stepRequests === 0 && metas.length > 0) {
      this.afterPause();
    }
  }

  private measureProbe(steps: number, ms: number): void {
    const p = this.probe;
    if (!p) return;
    if (p.skip > 0) {
      p.skip -= steps;
      return;
    }
    p.steps += steps;
    p.ms += ms;
    if (p.steps >= 8 || p.ms >= 4000) {
      this.probe = null;
      const rates: Partial<Record<BackendName, number>> = { webgpu: p.steps / (p.ms / 1000) };
      if (this.wasmRate !== null) rates.wasm = this.wasmRate;
      this.post({ kind: 'benchmark', rates, choice: null });
    }
  }

  /**
   * Run read-only work on the run's three initialisations: directly, or on wasm beside WebGPU
   * (θ is read back asynchronously and copied; nothing here touches the WebGPU tensors).
   */
  private async withInference<T>(fn: (methods: EvalMethod[]) => Promise<T>): Promise<T> {
    const run = this.runOrThrow;
    const config = this.config;
    if (!this.sideWasm || !config) return fn(run.methods());
    const snap = await takeSnapshot(run);
    await tf.setBackend('wasm');
    const created: tf.Tensor[] = [];
    const t = (a: Float32Array) => {
      const x = tf.tensor1d(a);
      created.push(x);
      return x;
    };
    try {
      const methods: EvalMethod[] = [
        { name: 'maml', theta: t(snap.theta), rate: snap.alpha ? t(snap.alpha) : config.alpha },
      ];
      if (snap.pretrained)
        methods.push({ name: 'pretrained', theta: t(snap.pretrained), rate: config.alpha });
      methods.push({ name: 'random', theta: t(run.theta0), rate: config.alpha });
      return await fn(methods);
    } finally {
      tf.dispose(created);
      await tf.setBackend('webgpu');
    }
  }

  /** Run `fn` (which makes its own tensors from arrays) on wasm beside WebGPU, else directly. */
  private async inference<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.sideWasm) return fn();
    await tf.setBackend('wasm');
    try {
      return await fn();
    } finally {
      await tf.setBackend('webgpu');
    }
  }

  private get inferenceBackend(): BackendName {
    return this.sideWasm ? 'wasm' : this.backend;
  }

  private async diverged(step: number, which: 'meta' | 'pretrained'): Promise<void> {
    const config = this.config;
    if (!config) return;
    this.running = false;
    this.replayTo = null;
    this.stepRequests = 0;
    const good = this.lastGood;
    this.replaceRun(runFromSnapshot(config, good ? copySnapshot(good) : null));
    const restored = good?.step ?? 0;
    await this.restartBookkeeping(restored, null);
    const lossName = which === 'meta' ? 'meta-loss' : "pretrained baseline's loss";
    this.post({
      kind: 'diverged',
      step,
      restoredStep: restored,
      message: `Training diverged at step ${step} (the ${lossName} became NaN or infinite). Paused and restored the last finite θ, from step ${restored}. To fix it, ${divergenceAdvice(config, which)}.`,
    });
    this.afterPause();
  }

  private maybeReport(): void {
    if (!this.reportDue || !this.run) return;
    const t = now();
    if (this.running && t - this.lastReportAt < REPORT_MS) return;
    this.lastReportAt = t;
    this.reportDue = false;
    const losses = Float32Array.from(this.pendingLosses);
    const pre = this.pendingPretrained.length > 0 ? Float32Array.from(this.pendingPretrained) : null;
    this.pendingLosses = [];
    this.pendingPretrained = [];
    this.post({
      kind: 'progress',
      step: this.run.stepCount,
      running: this.running,
      stepsPerSec: this.stepsPerSec,
      elapsedMs: this.elapsedMs,
      losses,
      pretrainedLosses: pre,
      replayTo: this.replayTo,
      tensors: tf.memory().numTensors,
    });
  }

  private async snapshot(): Promise<void> {
    const run = this.runOrThrow;
    this.snapshotDue = false;
    this.lastSnapshotAt = now();
    const snap = await takeSnapshot(run);
    if (snapshotFinite(snap)) this.lastGood = snap;
    const requests = this.snapshotRequests.splice(0);
    if (requests.length === 0) requests.push(-1);
    for (const id of requests) {
      this.post({ kind: 'snapshot', requestId: id < 0 ? null : id, snapshot: copySnapshot(snap) });
    }
  }

  private async predict(): Promise<void> {
    const run = this.runOrThrow;
    const task = this.task;
    this.taskDirty = false;
    this.lastPredictAt = now();
    if (!task) return;
    const k = Math.min(task.xs.length, task.ys.length);
    const steps = k > 0 ? task.steps : 0;
    const [x0, x1] = run.tasks.xRange;
    const grid = new Float32Array(GRID_POINTS);
    for (let i = 0; i < GRID_POINTS; i++) grid[i] = x0 + ((x1 - x0) * i) / (GRID_POINTS - 1);
    const fans = await this.withInference(async (methods) => {
      const out: Partial<Record<MethodName, Float32Array>> = {};
      const xs = tf.tensor3d(task.xs.slice(0, k), [1, k, 1]);
      const ys = tf.tensor3d(task.ys.slice(0, k), [1, k, 1]);
      const g = tf.tensor3d(grid, [1, GRID_POINTS, 1]);
      try {
        for (const m of methods) {
          const pred = adaptationPredictions(run.model, m.theta, m.rate, xs, ys, g, steps);
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
    const empty = new Float32Array((steps + 1) * GRID_POINTS).fill(NaN);
    this.post({
      kind: 'predictions',
      taskId: task.id,
      step: run.stepCount,
      grid,
      steps,
      fans: {
        maml: fans.maml ?? empty,
        pretrained: fans.pretrained ?? empty.slice(),
        random: fans.random ?? empty.slice(),
      },
    });
  }

  private async evaluateNow(requested: number): Promise<void> {
    const run = this.runOrThrow;
    const config = this.config;
    if (!config) return;
    this.evalDirty = false;
    // per-task copies of θ dominate the memory: keep tasks × parameters around 4 million
    const tasks = Math.max(10, Math.min(requested, Math.floor(4e6 / run.model.numParams)));
    const key = `${config.k}:${tasks}`;
    if (!this.evalBatch || this.evalBatch.key !== key) {
      this.evalBatch = {
        key,
        batch: makeEvalTasks(run.tasks, { ...DEFAULT_EVAL, tasks, k: config.k }),
      };
    }
    const t0 = now();
    const batch = this.evalBatch.batch;
    const result = await this.withInference((methods) => evaluate(run.model, methods, batch, EVAL_STEPS));
    const took = now() - t0;
    this.lastEvalAt = now();
    this.evalInterval = Math.max(EVAL_MIN_MS, 5 * took);
    const none: EvalCurveData = { mse: [], ci95: [] };
    const curves = {} as Record<MethodName, EvalCurveData>;
    for (const m of METHODS) curves[m] = result[m] ?? none;
    this.post({
      kind: 'eval',
      step: run.stepCount,
      requested,
      tasks,
      k: config.k,
      inner: config.inner,
      computedOn: this.inferenceBackend,
      curves,
    });
  }
}
