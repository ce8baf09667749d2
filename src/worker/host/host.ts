/**
 * The one worker host, for every task family: a thin loop around the core's FamilyRun. It owns no
 * maths of its own; it chooses backends (and races them in auto mode), schedules steps in short
 * chunks so messages are handled between them, reads losses back asynchronously, throttles
 * reports, snapshots θ, guards against divergence, replays share links, loads θ files, and gives the
 * family's part (families/) its side work. Every change of state happens in one `pump` loop.
 */
import * as tf from '@tensorflow/tfjs';
import type { FamilyRun } from '../../core/families/family';
import { chooseBackend } from '../backend';
import { divergenceAdvice } from '../../core/wording/divergence';
import { causeGpuFault, deviceLostReason, watchGpuDevice } from '../gpuFaults';
import type { FamilyWorker } from '../families/familyWorker';
import type { ToWorker } from '../protocol';
import { writeRunFile } from '../runFiles';
import { copySnapshot, runFromSnapshot, snapshotFinite, takeSnapshot } from '../runState';
import { embeddedData } from './runData';
import { readTaskFile, type TaskFileHost } from './taskFile';
import { LoopState, now, yieldToEvents, type Lifecycle, type Post } from './loopState';
import { RunKeeper } from './runKeeper';
import { timeWork } from './workProfile';

/** θ is snapshotted (kept as the last finite θ and sent to the page) this often while training */
const SNAPSHOT_MS = 1000;
/** a training chunk ends after this long, so messages and side work get their turn */
const CHUNK_MS = 30;
/** auto mode with a classifier: the page's first requests (a task, the shipped θ) go before the race */
const CLASSIFIER_RACE_DELAY_MS = 1500;
/** the race waits for the page's first views (`FamilyWorker.opening`) at most this long */
const OPENING_WAIT_MS = 10_000;

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class WorkerHost {
  private readonly loop = new LoopState();
  /** the run, its family's part and the backend plan, with the transitions between runs */
  private readonly keeper: RunKeeper;
  private ready = false;
  private pumping = false;
  private failed = false;
  private readonly lifecycle: Lifecycle[] = [];
  private readonly evalRequests: { tasks: number; steps?: number; id: number | null }[] = [];
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly snapshotRequests: number[] = [];
  private lastSnapshotAt = 0;
  /** run files the page asked for (autosave, download), written between training chunks */
  private readonly exportRequests: Extract<ToWorker, { kind: 'exportRun' }>[] = [];
  /** the task file being read: a replaced worker's first run waits for the data it was given */
  private dataRead: Promise<void> = Promise.resolve();

  /** what reading a task file needs of the host */
  private readonly taskFiles: TaskFileHost = {
    config: () => this.keeper.config,
    post: (m) => this.post(m),
    playing: () => this.loop.running,
    handle: (m) => this.handle(m),
  };

  constructor(private readonly post: Post) {
    this.keeper = new RunKeeper(post, this.loop);
  }

  /** the run that trains (null before init): read-only, for tests */
  get run(): FamilyRun | null {
    return this.keeper.run;
  }

  handle(msg: ToWorker): void {
    if (this.failed) return;
    switch (msg.kind) {
      case 'init':
        void this.init(msg).catch((e) => this.fail(e));
        return;
      case 'play':
        if (!this.loop.running) this.keeper.progress.restartRate();
        this.loop.running = true;
        this.loop.replayTo = null;
        this.keeper.progress.due = true;
        break;
      case 'replay':
        if (this.keeper.run && this.keeper.run.stepCount >= msg.to) break;
        this.loop.replayTo = msg.to;
        this.loop.running = true;
        break;
      case 'pause':
        this.keeper.stopRunning();
        this.keeper.progress.due = true;
        break;
      case 'step':
        if (!this.loop.running) this.loop.stepRequests += 1;
        break;
      case 'reset':
      case 'backend':
      case 'loadTheta':
      case 'openRun':
        this.keeper.stopRunning();
        this.lifecycle.push(msg);
        break;
      case 'config':
        this.lifecycle.push(msg);
        break;
      case 'taskFile':
        this.dataRead = readTaskFile(msg, this.taskFiles);
        return;
      case 'evaluate':
        this.evalRequests.push({
          tasks: msg.tasks,
          ...(msg.steps !== undefined ? { steps: msg.steps } : {}),
          id: msg.id ?? null,
        });
        break;
      case 'family':
        this.keeper.family?.request(msg.request);
        break;
      case 'thetaView':
        this.keeper.family?.setThetaView(msg.subject, msg.random);
        break;
      case 'landscape':
        this.keeper.family?.requestLandscape(msg.id, msg.resolution);
        break;
      case 'snapshot':
        this.snapshotRequests.push(msg.requestId);
        break;
      case 'exportRun':
        this.exportRequests.push(msg);
        break;
      case 'gpuFault':
        if (!causeGpuFault(msg.fault)) {
          this.post({ kind: 'notice', level: 'info', message: 'WebGPU is not running in the worker.' });
        }
        return;
      case 'crash':
        // thrown outside any promise so it reaches the worker's error event, like a real fault
        setTimeout(() => {
          throw new Error('simulated worker crash (test hook)');
        });
        return;
    }
    void this.pump();
  }

  private async init(msg: Extract<ToWorker, { kind: 'init' }>): Promise<void> {
    const choice = await chooseBackend(msg.backend, msg.wasmPath);
    await this.dataRead;
    this.keeper.choose(msg, choice);
    // auto: train at once on the expected-fastest engine (the fused one on wasm where the family
    // has it), then time the other contenders beside training and move to the fastest
    const webgpu = choice.backend === 'webgpu';
    await this.keeper.planEngine(msg.config.task, msg.backend, msg.engine ?? 'auto', webgpu);
    this.keeper.replaceRun(msg.config, runFromSnapshot(msg.config, msg.resume, this.keeper.plan.engine));
    await this.keeper.fallBackFromFused();
    this.keeper.thetaSource = msg.resume
      ? `a snapshot at meta-step ${msg.resume.step}`
      : `random initialisation (seed ${msg.config.seed})`;
    const first = await takeSnapshot(this.keeper.runOrThrow);
    this.loop.lastGood = snapshotFinite(first) ? first : null;
    this.keeper.postReady(false);
    if (msg.replayTo !== null && msg.replayTo > this.keeper.runOrThrow.stepCount) {
      this.loop.replayTo = msg.replayTo;
      this.loop.running = true;
    }
    this.loop.snapshotDue = true;
    if (msg.view) this.keeper.family?.request(msg.view);
    await this.keeper.plan.compareForced((e) => this.keeper.probeRun(msg.config, e));
    // (the page's first view, sent with init; side work nobody asked for waits: see SideBudget).
    // Already asked to train: the first chunk goes first, the view right after it in the loop
    if (this.keeper.family?.urgent && !this.loop.running) await this.keeper.family.work();
    if (this.keeper.plan.racing)
      this.keeper.scheduleRace(now() + (this.keeper.plan.budget.sideWasm ? 0 : CLASSIFIER_RACE_DELAY_MS));
    this.ready = true;
    this.keeper.progress.restartRate();
    await this.pump();
  }

  /** The WebGPU device was lost or reported an error: the page continues on the next backend. */
  private gpuFault(reason: string): void {
    if (this.failed || this.keeper.plan.backend !== 'webgpu') return;
    this.fail(new Error(`WebGPU stopped working: ${reason}`));
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.loop.running = false;
    if (this.keeper.plan.backend !== 'webgpu') {
      this.post({ kind: 'error', message: errorText(e), fatal: true });
      return;
    }
    // on WebGPU, an error may be how a lost device first shows: name the cause when it is that
    void deviceLostReason(300).then((lost) =>
      this.post({
        kind: 'error',
        message:
          lost && !errorText(e).includes(lost)
            ? `WebGPU stopped working: ${lost} (${errorText(e)})`
            : errorText(e),
        fatal: true,
      }),
    );
  }

  private async pump(): Promise<void> {
    if (this.pumping || !this.ready || this.failed) return;
    this.pumping = true;
    try {
      for (;;) {
        while (this.lifecycle.length > 0)
          await this.keeper.applyLifecycle(this.lifecycle.shift() as Lifecycle);
        const family = this.keeper.family as FamilyWorker;
        // (the page's requests go before the race, which takes seconds)
        if (this.raceDue && !family.urgent) await this.keeper.race();
        if (this.keeper.plan.backend === 'webgpu') watchGpuDevice((reason) => this.gpuFault(reason));
        if (this.loop.running || this.loop.stepRequests > 0) await this.trainChunk();
        this.report();
        if (this.loop.running && now() - this.lastSnapshotAt > SNAPSHOT_MS) this.loop.snapshotDue = true;
        if (this.loop.snapshotDue || this.snapshotRequests.length > 0) await this.snapshot();
        const save = this.exportRequests.shift();
        if (save) await timeWork('run file', () => this.exportRun(save));
        const ask = this.evalRequests.shift();
        if (ask) await family.evaluate(ask.tasks, ask.steps, ask.id);
        if (family.urgent || this.keeper.side.allows(this.loop.running))
          await this.keeper.side.spend(() => family.work(), this.loop.running);
        this.report();
        const idle =
          !this.loop.running &&
          this.loop.stepRequests === 0 &&
          this.lifecycle.length === 0 &&
          this.evalRequests.length === 0 &&
          // (side work nobody asked for, held for the page's first requests, wakes the loop later)
          (!family.busy || (this.keeper.side.held && !family.urgent)) &&
          !this.loop.snapshotDue &&
          this.snapshotRequests.length === 0 &&
          this.exportRequests.length === 0 &&
          !this.keeper.progress.due &&
          !this.raceDue;
        if (idle) break;
        await yieldToEvents();
      }
    } catch (e) {
      this.fail(e);
    } finally {
      this.pumping = false;
    }
    if (this.failed) return;
    // a race due later, or side work waiting out the hold
    const race =
      this.loop.raceAt === null ? Infinity : Math.max(this.loop.raceAt, this.keeper.side.heldUntil);
    const next = Math.min(race, this.keeper.family?.busy ? this.keeper.side.heldUntil : Infinity);
    if (next < Infinity) this.wakeAt(next);
  }

  /**
   * The auto race is due: not while training has yet to post its first chunk's step (the race
   * never holds the first step), not while side work is held for the page's first requests, and
   * not before the page's first views are made (`FamilyWorker.opening`: the race holds the worker
   * for seconds), unless they take very long.
   */
  private get raceDue(): boolean {
    if (this.loop.raceAt === null || now() < this.loop.raceAt || this.keeper.side.held) return false;
    if (this.loop.raceAfterStep !== null && (this.loop.running || this.loop.replayTo !== null)) return false;
    const opening = this.keeper.family?.opening || this.evalRequests.length > 0;
    return !opening || now() >= this.loop.raceAt + OPENING_WAIT_MS;
  }

  private wakeAt(t: number): void {
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        void this.pump();
      },
      Math.max(0, t - now()),
    );
  }

  private report(): void {
    const run = this.keeper.run;
    if (!run) return;
    const posted = this.keeper.progress.report(run.stepCount, this.loop.running, this.loop.replayTo);
    const after = this.loop.raceAfterStep;
    if (posted && after !== null && run.stepCount > after) this.loop.raceAfterStep = null;
  }

  private async trainChunk(): Promise<void> {
    const run = this.keeper.runOrThrow;
    const family = this.keeper.family as FamilyWorker;
    const startStep = run.stepCount;
    const metas: tf.Scalar[] = [];
    const pres: tf.Scalar[] = [];
    const maxSteps = this.keeper.plan.backend === 'webgpu' ? 4 : 256;
    const t0 = now();
    while (metas.length < maxSteps) {
      if (this.loop.replayTo !== null && run.stepCount >= this.loop.replayTo) break;
      if (!this.loop.running) {
        if (this.loop.stepRequests <= 0) break;
        this.loop.stepRequests -= 1;
      }
      // a family whose step reads back midway (rollouts) awaits its reads instead of blocking
      const l = run.stepAsync ? await run.stepAsync() : run.step();
      metas.push(l.meta);
      if (l.pretrained) pres.push(l.pretrained);
      family.captureStep(run);
      if (now() - t0 > CHUNK_MS) break;
    }
    if (metas.length > 0) {
      const stacked = tf.stack([...metas, ...pres]);
      let values: Float32Array;
      try {
        values = (await stacked.data()) as Float32Array;
      } finally {
        tf.dispose([stacked, ...metas, ...pres]);
      }
      const n = metas.length;
      const ms = now() - t0;
      const meta = Array.from(values.subarray(0, n));
      const pre = pres.length === n ? Array.from(values.subarray(n, 2 * n)) : [];
      const bad = meta.findIndex((m, i) => !Number.isFinite(m) || !Number.isFinite(pre[i] ?? 0));
      if (bad >= 0) {
        family.discardCaptures();
        await this.diverged(startStep + bad + 1, Number.isFinite(meta[bad]) ? 'pretrained' : 'meta');
        return;
      }
      this.keeper.plan.measured(n, ms);
      this.keeper.progress.chunk(run.stepCount, n, ms, meta, pre);
      await family.flushCaptures(n / (ms / 1000));
    }
    if (this.loop.replayTo !== null && run.stepCount >= this.loop.replayTo) {
      // a replayed share link has arrived: stop exactly here
      this.loop.running = false;
      this.loop.replayTo = null;
      this.keeper.afterPause();
    } else if (!this.loop.running && this.loop.stepRequests === 0 && metas.length > 0) {
      this.keeper.afterPause();
    }
  }

  private async diverged(step: number, which: 'meta' | 'pretrained'): Promise<void> {
    const config = this.keeper.configOrThrow;
    this.loop.running = false;
    this.loop.replayTo = null;
    this.loop.stepRequests = 0;
    const good = this.loop.lastGood;
    this.keeper.replaceRun(
      config,
      runFromSnapshot(config, good ? copySnapshot(good) : null, this.keeper.plan.engine),
    );
    const restored = good?.step ?? 0;
    await this.keeper.restartBookkeeping(restored, null);
    const lossName = which === 'meta' ? 'meta-loss' : "pretrained baseline's loss";
    this.post({
      kind: 'diverged',
      step,
      restoredStep: restored,
      message: `Training diverged at step ${step} (the ${lossName} became NaN or infinite). Paused and restored the last finite θ, from step ${restored}. To fix it, ${divergenceAdvice(config, which)}.`,
    });
    this.keeper.afterPause();
  }

  /** The run as a run file for the page (autosave, download): its whole state and the page's curves. */
  private async exportRun(req: Extract<ToWorker, { kind: 'exportRun' }>): Promise<void> {
    const run = this.keeper.runOrThrow;
    const reply = {
      kind: 'runFile' as const,
      requestId: req.requestId,
      step: run.stepCount,
      config: this.keeper.configOrThrow,
    };
    try {
      const data = req.embedData ? await embeddedData(reply.config.task) : null;
      const { text, summary } = await writeRunFile(run, { ...req, backend: this.keeper.plan.backend, data });
      this.post({ ...reply, text, summary, error: null });
    } catch (e) {
      this.post({ ...reply, text: null, summary: null, error: errorText(e) });
    }
  }

  private async snapshot(): Promise<void> {
    const run = this.keeper.runOrThrow;
    this.loop.snapshotDue = false;
    this.lastSnapshotAt = now();
    const snap = await timeWork('snapshot', () => takeSnapshot(run));
    if (snapshotFinite(snap)) this.loop.lastGood = snap;
    const requests = this.snapshotRequests.splice(0);
    if (requests.length === 0) requests.push(-1);
    for (const id of requests) {
      this.post({ kind: 'snapshot', requestId: id < 0 ? null : id, snapshot: copySnapshot(snap) });
    }
  }
}
