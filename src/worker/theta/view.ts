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
import type { Experiment } from '../../core/experiment';
import { projectPoint, SnapshotBuffer, trajectoryPlane, type TrajectoryPlane } from '../../core/projection';
import type { FromWorker, InnerRatesReport, ThetaReport, ThetaSubject, ViewTask } from '../protocol';
import { allFinite } from '../runState';
import { advanceLandscapeJob, startLandscapeJob, type LandscapeJob } from './landscape';
import type { ThetaViewModel } from './model';
import { mamlppRatesReport, metasgdRatesReport } from './rates';
import { read } from './read';
import { subjectOf, type Subject } from './subject';

/** θ reports at most as often as the family allows (400 ms for regression) ... */
const THETA_MIN_MS = 400;
/** ... and at most 1/8 of the time, or the family's share: the interval grows with what a report costs */
const THETA_SHARE = 1 / 8;
/** floats of snapshots per trajectory: 256 snapshots of the paper's 1-40-40-1 network */
const SNAPSHOT_FLOATS = 512 * 1024;
/**
 * Multiply-adds per second of training the trails' Gram updates may take (a snapshot costs its
 * trail's length × P): about 4% of a core in JavaScript. A trail shorter than MIN_KEPT is never
 * coarsened, so even a short fast run draws a path of a few dozen points.
 */
const GRAM_MACS_PER_SECOND = 40e6;
const MIN_KEPT = 32;

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
  private shown: { key: string; tasks: unknown } | null = null;
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
  capture(model: ThetaViewModel): void {
    this.ensureTrails(model.numParams);
    const trail = this.trails.maml;
    const step = model.stepCount;
    const last = Number.isNaN(this.capturedAt) ? trail.lastStep : this.capturedAt;
    const due = Number.isNaN(last) || step - last >= trail.interval;
    if (!due) return;
    const { maml, pretrained } = model.tensors();
    this.captures.push({
      step,
      maml: tf.clone(maml),
      pretrained: pretrained ? tf.clone(pretrained) : null,
    });
    this.capturedAt = step;
  }

  /**
   * After a training chunk: read the captured θ back in one transfer and record them. Given the
   * training rate, the trails are coarsened (evenly spaced still) until their Gram updates fit
   * GRAM_MACS_PER_SECOND: a fast engine trains rather than records.
   */
  async flush(stepsPerSecond?: number): Promise<void> {
    if (stepsPerSecond !== undefined) this.limitRecords(stepsPerSecond);
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

  private limitRecords(stepsPerSecond: number): void {
    const { maml, pretrained } = this.trails;
    const trails = pretrained.length > 0 ? 2 : 1;
    const cost = () => (stepsPerSecond / maml.interval) * maml.length * maml.size * trails;
    while (maml.length >= MIN_KEPT && cost() > GRAM_MACS_PER_SECOND) {
      maml.coarsen();
      // both trails share the schedule
      if (pretrained.length > 0) pretrained.coarsen();
    }
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
    model: ThetaViewModel,
    config: Experiment,
    task: ViewTask | null,
    running: boolean,
  ): Promise<void> {
    const t0 = now();
    this.dirty = false;
    this.lastReportAt = t0;
    const { subject, rates } = await this.currentSubject(model, config, running);
    if (!subject) return;
    const plane = this.planeOf(subject.name);
    if (!plane) return;
    const shown = this.shownTasks(model, config);
    const steps = model.pathSteps(config, task);
    const paths = await this.inference(() =>
      model.paths(plane, subject.theta, subject.rate, shown, task, steps),
    );
    const random = this.random
      ? await this.inference(() => model.paths(plane, model.theta0, config.alpha, shown, task, steps))
      : null;
    const { taskParams, paramsPerTask, taskNames } = model.describeShown(shown, task);
    const trail = this.trails[subject.name];
    const report: ThetaReport = {
      subject: subject.name,
      step: model.stepCount,
      numParams: model.numParams,
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
      paramsPerTask,
      ...(taskNames ? { taskNames } : {}),
      paths,
      random,
      rates: subject.name === 'maml' ? rates : null,
    };
    this.post({ kind: 'theta', ...report });
    const share = model.reportShare ?? THETA_SHARE;
    this.interval = Math.max(THETA_MIN_MS, model.reportMs, (now() - t0) / share);
  }

  /** Start a requested landscape, or compute the next chunk of the one in progress. */
  async landscapeStep(model: ThetaViewModel, config: Experiment, running: boolean): Promise<void> {
    if (this.landscapeRequest) {
      const req = this.landscapeRequest;
      this.landscapeRequest = null;
      this.cancelLandscape();
      const resolution = Math.min(req.resolution, model.maxLandscapeResolution);
      await this.startLandscape(model, config, running, req.id, resolution);
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
    model: ThetaViewModel,
    config: Experiment,
    running: boolean,
    id: number,
    resolution: number,
  ): Promise<void> {
    const { subject } = await this.currentSubject(model, config, running);
    const plane = subject ? this.planeOf(subject.name) : null;
    if (!subject || !plane) {
      this.post({ kind: 'notice', level: 'warning', message: 'No finite θ to compute a landscape around.' });
      this.post({ kind: 'landscapeProgress', id, done: 0, total: 0 });
      return;
    }
    const job = await startLandscapeJob(model, config, subject, plane, id, resolution, this.inference);
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
    model: ThetaViewModel,
    config: Experiment,
    running: boolean,
  ): Promise<{ subject: Subject | null; rates: InnerRatesReport | null }> {
    this.ensureTrails(model.numParams);
    const live = model.tensors();
    const [theta, pre, alpha, lslr] = await Promise.all([
      read(live.maml),
      live.pretrained ? read(live.pretrained) : Promise.resolve(null),
      live.alpha ? read(live.alpha) : Promise.resolve(null),
      live.rates ? read(live.rates) : Promise.resolve(null),
    ]);
    const trail = this.trails.maml;
    const finite = allFinite(theta) && (!pre || allFinite(pre));
    if (finite && (trail.length === 0 || (!running && trail.lastStep < model.stepCount))) {
      trail.push(model.stepCount, theta);
      if (pre) this.trails.pretrained.push(model.stepCount, pre);
    }
    const rates = lslr
      ? mamlppRatesReport(lslr, config)
      : alpha
        ? metasgdRatesReport(alpha, model.tensorSizes?.(config) ?? null, config)
        : null;
    const sizes = lslr ? (model.lslrSizes?.(config) ?? null) : null;
    const learned = lslr && sizes ? { lslr, sizes } : null;
    return { subject: subjectOf(this.subject, config, theta, pre, alpha, learned), rates };
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
  private shownTasks(model: ThetaViewModel, config: Experiment): unknown {
    const key = model.shownKey(config);
    if (!this.shown || this.shown.key !== key) this.shown = { key, tasks: model.sampleShown(config) };
    return this.shown.tasks;
  }
}
