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
import type { RegressionRun } from '../core/families/regression/run';
import { projectPoint, SnapshotBuffer, trajectoryPlane, type TrajectoryPlane } from '../core/projection';
import { Rng } from '../core/random';
import type { RegressionBatch } from '../core/families/regression/tasks';
import type { FromWorker, ThetaReport, ThetaSubject, ViewTask } from './protocol';
import { allFinite } from './runState';
import { advanceLandscapeJob, startLandscapeJob, type LandscapeJob } from './thetaLandscape';
import { pathsFrom, QUERY_POINTS, read } from './thetaPaths';
import { subjectOf, type Subject } from './thetaSubject';

/** fixed tasks of the seed shown beside the task view's own */
export const SHOWN_TASKS = 4;
/** θ reports at most this often while training ... */
const THETA_MIN_MS = 400;
/** ... and at most 1/8 of the time: the interval grows with what a report costs */
const THETA_COST_SHARE = 8;
/** floats of snapshots per trajectory: 256 snapshots of the paper's 1-40-40-1 network */
const SNAPSHOT_FLOATS = 512 * 1024;

/** Runs read-only work on the inference backend (wasm beside WebGPU training, else the same). */
export type Inference = <T>(fn: () => Promise<T>) => Promise<T>;

interface Capture {
  step: number;
  maml: tf.Tensor;
  pretrained: tf.Tensor | null;
}

const now = () => performance.now();

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
      pathsFrom(run, plane, subject.theta, subject.rate, shown, task, steps),
    );
    const random = this.random
      ? await this.inference(() => pathsFrom(run, plane, run.theta0, config.alpha, shown, task, steps))
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
    if (await advanceLandscapeJob(job, (msg) => this.post(msg), this.inference)) this.job = null;
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
    const job = await startLandscapeJob(run, config, subject, plane, id, resolution, this.inference);
    this.job = job;
    this.post({ kind: 'landscapeProgress', id, done: 0, total: job.land.chunkCount });
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
    return subjectOf(this.subject, config, theta, pre, alpha);
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
}
