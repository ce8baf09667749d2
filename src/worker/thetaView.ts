/**
 * The worker's side of the parameter-space view. The maths is the core's projection module; what
 * this adds is scheduling around training:
 *  - θ is captured inside a training chunk as a device-side clone (no read-back in the loop) when
 *    a snapshot is due, and the clones are read back together, asynchronously, after the chunk;
 *  - the plane, the current θ's coordinates and the inner-loop paths of the displayed tasks are
 *    reported a few times a second at most, less often when computing them is slow;
 *  - the loss landscape is computed one small chunk at a time, between training chunks.
 * State changes from messages only set flags; the host's pump applies them between awaits, so a
 * landscape is never disposed while a chunk of it is being computed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../core/experiment';
import { batchTensors } from '../core/families/regression/evaluate';
import { adaptationCurve, type InnerRate } from '../core/meta/innerLoop';
import type { RegressionRun } from '../core/families/regression/run';
import {
  innerPaths,
  landscapeSpan,
  LossLandscape,
  projectPoint,
  SnapshotBuffer,
  trajectoryPlane,
  type TrajectoryPlane,
} from '../core/projection';
import { Rng } from '../core/random';
import type { RegressionBatch } from '../core/families/regression/tasks';
import type {
  FromWorker,
  LandscapeReport,
  ThetaPaths,
  ThetaReport,
  ThetaSubject,
  ViewTask,
} from './protocol';
import { allFinite } from './runState';

/** fixed tasks of the seed shown beside the task view's own */
export const SHOWN_TASKS = 4;
/** points on which each shown task's loss is measured (the task view's task: on its true curve) */
const QUERY_POINTS = 50;
/** tasks the landscape's losses average over */
const LANDSCAPE_TASKS = 10;
/** grid points × tasks per landscape chunk: one chunk takes tens of milliseconds on wasm */
const LANDSCAPE_WORK = 64;
/** θ reports at most this often while training ... */
const THETA_MIN_MS = 400;
/** ... and at most 1/8 of the time: the interval grows with what a report costs */
const THETA_COST_SHARE = 8;
/** landscape progress messages at most this often */
const PROGRESS_MS = 100;
/** floats of snapshots per trajectory: 256 snapshots of the paper's 1-40-40-1 network */
const SNAPSHOT_FLOATS = 512 * 1024;

/** Runs read-only work on the inference backend (wasm beside WebGPU training, else the same). */
export type Inference = <T>(fn: () => Promise<T>) => Promise<T>;

interface Capture {
  step: number;
  maml: tf.Tensor;
  pretrained: tf.Tensor | null;
}

interface LandscapeJob {
  meta: Omit<LandscapeReport, 'x' | 'y' | 'pre' | 'post'>;
  land: LossLandscape;
  cursor: number;
  lastProgressAt: number;
}

const now = () => performance.now();

async function read(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return a.length > 0 ? s / a.length : NaN;
}

const fmt = (x: number) => String(Number(x.toPrecision(3)));

/** The θ of one subject, read back, with the inner learning rate it adapts with. */
interface Subject {
  name: ThetaSubject;
  theta: Float32Array;
  /** a number, or Meta-SGD's learned per-parameter vector */
  rate: number | Float32Array;
  rateText: string;
}

export class ThetaView {
  private subject: ThetaSubject = 'maml';
  private random = false;
  private wanted: { subject: ThetaSubject; random: boolean } | null = null;
  private params = 0;
  private trails: Record<ThetaSubject, SnapshotBuffer> = {
    maml: new SnapshotBuffer(),
    pretrained: new SnapshotBuffer(),
  };
  private planes: Record<ThetaSubject, TrajectoryPlane | null> = { maml: null, pretrained: null };
  private captures: Capture[] = [];
  /** step of the newest capture not yet read back (NaN when none is pending) */
  private capturedAt = NaN;
  private dirty = true;
  private lastReportAt = -Infinity;
  private interval = THETA_MIN_MS;
  private shown: { key: string; batch: RegressionBatch } | null = null;
  private landscapeRequest: { id: number; resolution: number } | null = null;
  private job: LandscapeJob | null = null;

  constructor(
    private readonly post: (msg: FromWorker) => void,
    private readonly inference: Inference,
  ) {}

  /** Work is waiting even while training is paused. */
  get busy(): boolean {
    return this.dirty || this.wanted !== null || this.landscapeRequest !== null || this.job !== null;
  }

  get landscapeActive(): boolean {
    return this.landscapeRequest !== null || this.job !== null;
  }

  /** Something the view shows changed (θ stopped moving, the task, α, the inner steps). */
  markDirty(): void {
    this.dirty = true;
  }

  setView(subject: ThetaSubject, random: boolean): void {
    this.wanted = { subject, random };
  }

  requestLandscape(id: number, resolution: number): void {
    this.landscapeRequest = { id, resolution: Math.max(3, Math.min(61, Math.floor(resolution))) };
  }

  /** A new run or a restored θ: the trajectories start again. */
  clear(): void {
    this.discardCaptures();
    this.trails.maml.clear();
    this.trails.pretrained.clear();
    this.planes = { maml: null, pretrained: null };
    this.cancelLandscape();
    this.landscapeRequest = null;
    this.dirty = true;
  }

  /** Apply the view settings asked for since the last pump iteration. */
  applyView(): void {
    const w = this.wanted;
    if (!w) return;
    this.wanted = null;
    if (w.subject !== this.subject) this.cancelLandscape();
    this.subject = w.subject;
    this.random = w.random;
    this.dirty = true;
  }

  /** Called after every training step: keep θ on the device when a snapshot is due. */
  capture(run: RegressionRun): void {
    this.ensureTrails(run.model.numParams);
    const trail = this.trails.maml;
    const step = run.stepCount;
    const last = Number.isNaN(this.capturedAt) ? trail.lastStep : this.capturedAt;
    const due = Number.isNaN(last) || step - last >= trail.interval;
    if (!due) return;
    this.captures.push({
      step,
      maml: tf.clone(run.learner.theta),
      pretrained: run.pretrainer ? tf.clone(run.pretrainer.theta) : null,
    });
    this.capturedAt = step;
  }

  /** After a training chunk: read the captured θ back in one transfer and record them. */
  async flush(): Promise<void> {
    const caps = this.captures.splice(0);
    this.capturedAt = NaN;
    if (caps.length === 0) return;
    const tensors = caps.flatMap((c) => (c.pretrained ? [c.maml, c.pretrained] : [c.maml]));
    const stacked = tf.stack(tensors);
    let values: Float32Array;
    try {
      values = await read(stacked);
    } finally {
      tf.dispose([stacked, ...tensors]);
    }
    const p = this.params;
    let o = 0;
    for (const c of caps) {
      const maml = values.subarray(o, o + p);
      o += p;
      const pre = c.pretrained ? values.subarray(o, o + p) : null;
      if (pre) o += p;
      if (!allFinite(maml) || (pre && !allFinite(pre))) continue;
      // both trails share the schedule: the pretrained one records whenever the MAML one does
      if (this.trails.maml.record(c.step, maml) && pre) this.trails.pretrained.push(c.step, pre);
    }
    this.dirty = true;
  }

  discardCaptures(): void {
    for (const c of this.captures.splice(0)) tf.dispose([c.maml, ...(c.pretrained ? [c.pretrained] : [])]);
    this.capturedAt = NaN;
  }

  reportDue(running: boolean, t: number): boolean {
    return this.dirty && (!running || t - this.lastReportAt >= this.interval);
  }

  /** Post the trajectory, the current θ and the paths of the displayed tasks. */
  async report(
    run: RegressionRun,
    config: Experiment,
    task: ViewTask | null,
    running: boolean,
  ): Promise<void> {
    const t0 = now();
    this.dirty = false;
    this.lastReportAt = t0;
    const subject = await this.currentSubject(run, config, running);
    if (!subject) return;
    const plane = this.planeOf(subject.name);
    if (!plane) return;
    const shown = this.shownTasks(run, config);
    const steps = Math.max(1, config.inner, task?.steps ?? 0);
    const paths = await this.inference(() =>
      this.pathsFrom(run, plane, subject.theta, subject.rate, shown, task, steps),
    );
    const random = this.random
      ? await this.inference(() => this.pathsFrom(run, plane, run.theta0, config.alpha, shown, task, steps))
      : null;
    const family = run.tasks;
    const ppt = family.paramsPerTask;
    const taskParams = new Float32Array((task ? ppt : 0) + shown.batch.taskParams.length);
    if (task) taskParams.set(task.params.subarray(0, ppt));
    taskParams.set(shown.batch.taskParams, task ? ppt : 0);
    const trail = this.trails[subject.name];
    const report: ThetaReport = {
      subject: subject.name,
      step: run.stepCount,
      numParams: run.model.numParams,
      count: plane.count,
      steps: plane.steps.slice(),
      coords: plane.coords.slice(),
      interval: trail.interval,
      explained: [plane.explained[0], plane.explained[1]],
      rank: plane.rank,
      current: projectPoint(plane, subject.theta),
      rate: subject.rateText,
      trainedSteps: config.inner,
      viewTaskId: task ? task.id : null,
      taskParams,
      paramsPerTask: ppt,
      paths,
      random,
    };
    this.post({ kind: 'theta', ...report });
    this.interval = Math.max(THETA_MIN_MS, THETA_COST_SHARE * (now() - t0));
  }

  /** Start a requested landscape, or compute the next chunk of the one in progress. */
  async landscapeStep(run: RegressionRun, config: Experiment, running: boolean): Promise<void> {
    if (this.landscapeRequest) {
      const req = this.landscapeRequest;
      this.landscapeRequest = null;
      this.cancelLandscape();
      await this.startLandscape(run, config, running, req.id, req.resolution);
      return;
    }
    const job = this.job;
    if (!job) return;
    await this.inference(() => job.land.computeChunkAsync(job.cursor));
    job.cursor += 1;
    const total = job.land.chunkCount;
    const t = now();
    if (job.cursor >= total || t - job.lastProgressAt >= PROGRESS_MS) {
      job.lastProgressAt = t;
      this.post({ kind: 'landscapeProgress', id: job.meta.id, done: job.cursor, total });
    }
    if (job.cursor < total) return;
    const { land } = job;
    this.job = null;
    land.dispose();
    this.post({
      kind: 'landscape',
      ...job.meta,
      x: land.x.slice(),
      y: land.y.slice(),
      pre: land.pre.slice(),
      post: land.post.slice(),
    });
  }

  private cancelLandscape(): void {
    this.job?.land.dispose();
    this.job = null;
  }

  private async startLandscape(
    run: RegressionRun,
    config: Experiment,
    running: boolean,
    id: number,
    resolution: number,
  ): Promise<void> {
    const subject = await this.currentSubject(run, config, running);
    const plane = subject ? this.planeOf(subject.name) : null;
    if (!subject || !plane) {
      this.post({ kind: 'notice', level: 'warning', message: 'No finite θ to compute a landscape around.' });
      this.post({ kind: 'landscapeProgress', id, done: 0, total: 0 });
      return;
    }
    const centre = projectPoint(plane, subject.theta);
    const batch = run.tasks.sampleBatch(
      Rng.stream(config.seed, 'theta-view/landscape'),
      LANDSCAPE_TASKS,
      config.k,
      config.query,
    );
    const land = await this.inference(async () => {
      const b = batchTensors(batch);
      const rate = typeof subject.rate === 'number' ? subject.rate : tf.tensor1d(subject.rate);
      try {
        // the landscape copies the batch and the rate: both can go once it is built
        return new LossLandscape({
          model: run.model,
          basis: plane,
          centre: subject.theta,
          batch: b,
          rate,
          steps: config.inner,
          span: landscapeSpan(plane, centre),
          resolution,
          chunkSize: Math.max(1, Math.floor(LANDSCAPE_WORK / LANDSCAPE_TASKS)),
        });
      } finally {
        tf.dispose(b);
        if (typeof rate !== 'number') rate.dispose();
      }
    });
    this.job = {
      meta: {
        id,
        subject: subject.name,
        step: run.stepCount,
        resolution,
        innerSteps: config.inner,
        tasks: LANDSCAPE_TASKS,
        k: config.k,
        rate: subject.rateText,
        centre,
        coords: plane.coords.slice(),
        explained: [plane.explained[0], plane.explained[1]],
      },
      land,
      cursor: 0,
      lastProgressAt: now(),
    };
    this.post({ kind: 'landscapeProgress', id, done: 0, total: land.chunkCount });
  }

  private ensureTrails(p: number): void {
    if (p === this.params) return;
    this.discardCaptures();
    this.params = p;
    const capacity = Math.max(16, Math.min(256, Math.floor(SNAPSHOT_FLOATS / p)));
    this.trails = { maml: new SnapshotBuffer({ capacity }), pretrained: new SnapshotBuffer({ capacity }) };
    this.planes = { maml: null, pretrained: null };
  }

  /**
   * Read θ (and the rate) of the subject shown. The trails always hold a start, and end at the θ
   * the page sees whenever training is stopped.
   */
  private async currentSubject(
    run: RegressionRun,
    config: Experiment,
    running: boolean,
  ): Promise<Subject | null> {
    this.ensureTrails(run.model.numParams);
    const [theta, pre, alpha] = await Promise.all([
      read(run.learner.theta),
      run.pretrainer ? read(run.pretrainer.theta) : Promise.resolve(null),
      run.learner.alphaVec ? read(run.learner.alphaVec) : Promise.resolve(null),
    ]);
    const trail = this.trails.maml;
    const finite = allFinite(theta) && (!pre || allFinite(pre));
    if (finite && (trail.length === 0 || (!running && trail.lastStep < run.stepCount))) {
      trail.push(run.stepCount, theta);
      if (pre) this.trails.pretrained.push(run.stepCount, pre);
    }
    if (this.subject === 'pretrained' && pre) {
      if (!allFinite(pre)) return null;
      return { name: 'pretrained', theta: pre, rate: config.alpha, rateText: `α = ${fmt(config.alpha)}` };
    }
    if (!allFinite(theta)) return null;
    if (alpha) {
      let abs = 0;
      for (let i = 0; i < alpha.length; i++) abs += Math.abs(alpha[i] as number);
      return {
        name: 'maml',
        theta,
        rate: alpha,
        rateText: `Meta-SGD's learned per-parameter α (mean ${fmt(mean(alpha))}, mean |α| ${fmt(abs / alpha.length)})`,
      };
    }
    return { name: 'maml', theta, rate: config.alpha, rateText: `α = ${fmt(config.alpha)}` };
  }

  private planeOf(subject: ThetaSubject): TrajectoryPlane | null {
    const trail = this.trails[subject];
    const old = this.planes[subject];
    if (old && old.version === trail.version) return old;
    const plane = trajectoryPlane(trail, { previous: old });
    this.planes[subject] = plane;
    return plane;
  }

  /** Fixed tasks of the seed (their own random stream: the training stream is not touched). */
  private shownTasks(run: RegressionRun, config: Experiment): { key: string; batch: RegressionBatch } {
    const key = `${config.task}:${config.seed}:${config.k}`;
    if (!this.shown || this.shown.key !== key) {
      const rng = Rng.stream(config.seed, 'theta-view/tasks');
      this.shown = { key, batch: run.tasks.sampleBatch(rng, SHOWN_TASKS, config.k, QUERY_POINTS) };
    }
    return this.shown;
  }

  /**
   * Inner-loop paths from θ for the task view's task (first, when there is one) and the shown
   * tasks, with each task's query MSE after every step. Tensors are made here, from arrays, so it
   * runs on whichever backend `inference` selected.
   */
  private async pathsFrom(
    run: RegressionRun,
    plane: TrajectoryPlane,
    theta: Float32Array,
    rate: number | Float32Array,
    shown: { batch: RegressionBatch },
    task: ViewTask | null,
    steps: number,
  ): Promise<ThetaPaths> {
    const { model, tasks: family } = run;
    const created: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      created.push(t);
      return t;
    };
    const parts: { coords: Float32Array; losses: Float32Array }[] = [];
    try {
      const thetaT = keep(tf.tensor1d(theta));
      const rateT: InnerRate = typeof rate === 'number' ? rate : keep(tf.tensor1d(rate));
      const pathsAndLosses = async (
        xs: tf.Tensor3D,
        ys: tf.Tensor3D,
        xq: tf.Tensor3D,
        yq: tf.Tensor3D,
        n: number,
      ): Promise<void> => {
        const p = await innerPaths(model, plane, thetaT, xs, ys, rateT, n);
        const curve = adaptationCurve(model, thetaT, rateT, xs, ys, xq, yq, n);
        let losses: Float32Array;
        try {
          losses = await read(curve);
        } finally {
          curve.dispose();
        }
        parts.push({ coords: p.coords, losses });
      };
      if (task) {
        const k = Math.min(task.xs.length, task.ys.length);
        const [x0, x1] = family.xRange;
        const gx = Float32Array.from(
          { length: QUERY_POINTS },
          (_, i) => x0 + ((x1 - x0) * i) / (QUERY_POINTS - 1),
        );
        const gy = gx.map((x) => family.truth(task.params, 0, x));
        const xq = keep(tf.tensor3d(gx, [1, QUERY_POINTS, 1]));
        const yq = keep(tf.tensor3d(gy, [1, QUERY_POINTS, 1]));
        if (k > 0) {
          const xs = keep(tf.tensor3d(task.xs.slice(0, k), [1, k, 1]));
          const ys = keep(tf.tensor3d(task.ys.slice(0, k), [1, k, 1]));
          await pathsAndLosses(xs, ys, xq, yq, steps);
        } else {
          // no support points, nothing to adapt on: the path stays at θ
          const none = keep(tf.zeros([1, 1, 1])) as tf.Tensor3D;
          const loss = tf.tidy(() => adaptationCurve(model, thetaT, rateT, none, none, xq, yq, 0));
          const at = await read(loss);
          loss.dispose();
          const start = projectPoint(plane, theta);
          const coords = new Float32Array(2 * (steps + 1));
          for (let s = 0; s <= steps; s++) coords.set(start, 2 * s);
          parts.push({ coords, losses: new Float32Array(steps + 1).fill(at[0] as number) });
        }
      }
      const b = batchTensors(shown.batch);
      created.push(b.xs, b.ys, b.xq, b.yq);
      await pathsAndLosses(b.xs, b.ys, b.xq, b.yq, steps);
    } finally {
      tf.dispose(created);
    }
    const tasks = (task ? 1 : 0) + shown.batch.tasks;
    const coords = new Float32Array(tasks * (steps + 1) * 2);
    const losses = new Float32Array(tasks * (steps + 1));
    let oc = 0;
    let ol = 0;
    for (const part of parts) {
      coords.set(part.coords, oc);
      losses.set(part.losses, ol);
      oc += part.coords.length;
      ol += part.losses.length;
    }
    return { start: projectPoint(plane, theta), tasks, steps, coords, losses };
  }
}
