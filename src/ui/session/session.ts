/**
 * The session, for every task family: reads the link the page was opened with, owns the training
 * worker, turns its messages into store updates, and restarts it on the next backend down when it
 * fails, resuming from the last θ the page holds. What only one family needs (its view requests,
 * a θ of its own to load, its replies) is that family's session part.
 */
import {
  BACKENDS,
  candidates,
  type BackendName,
  type BackendRequest,
  type FromWorker,
  type Snapshot,
  type ToWorker,
  type GpuFault,
  type RunCurve,
} from '../../worker/protocol';
import { familyOf } from '../shell/families';
import { FrameInbox } from '../kit/frameInbox';
import { dataArrived } from '../import/arrivedData';
import type { SessionPart } from '../shell/family';
import type { TrainerPort } from '../shell/port';
import type { Autosave, RunFileReply } from '../runs/autosave';
import { showReport, thetaLoaded } from './reports';
import { SessionRuns } from './sessionRuns';
import { useStore, type Store } from '../shell/store';
import { writeAddressBar } from '../shell/url';

/** What the page knows of the worker's backend and engine while a worker starts or switches: nothing yet. */
const STARTING = {
  phase: 'starting',
  backend: null,
  engine: null,
  rates: null,
  autoChoice: null,
  backendNote: null,
} as const;

export function partOf(s: Store): SessionPart {
  return familyOf(s.config.task).session;
}

interface StartOptions {
  backend: BackendRequest;
  resume: Snapshot | null;
  replayTo: number | null;
}

const store = useStore;

type TaskFileMessage = Extract<ToWorker, { kind: 'taskFile' }>;

function withoutRead(msg: TaskFileMessage): TaskFileMessage {
  const kept = { ...msg };
  delete kept.read;
  return kept;
}

class Session implements TrainerPort {
  /** run files: written by the worker (downloads, autosave), opened in it */
  private readonly runs = new SessionRuns({ post: (m) => this.post(m), requestId: () => this.nextRequest++ });
  /** the worker's messages, applied to the store together once per frame (one render per frame) */
  private readonly inbox = new FrameInbox<FromWorker>((msg) => this.receive(msg));
  private worker: Worker | null = null;
  /** the backend a crash would fall back from: the one obtained, or the first one tried */
  private current: BackendName | null = null;
  private requested: BackendRequest = 'auto';
  private snapshotWaiters = new Map<number, (s: Snapshot) => void>();
  private nextRequest = 1;
  private generation = 0;
  /** the imported data last given to the worker: a replaced worker gets it before its init */
  private data: Extract<ToWorker, { kind: 'taskFile' }> | null = null;

  start(opts: StartOptions): void {
    this.stopWorker();
    const gen = ++this.generation;
    this.requested = opts.backend;
    this.current = null;
    // a new worker has trained nothing yet (a crashed one's last report no longer holds)
    store.setState({ workerTraining: false });
    const worker = new Worker(new URL('../../worker/trainer.worker.ts', import.meta.url), {
      type: 'module',
      name: 'maml-trainer',
    });
    this.worker = worker;
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      if (gen === this.generation) this.inbox.add(e.data);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      if (gen === this.generation) this.crashed(e.message || 'the worker failed');
    };
    const s = store.getState();
    store.setState({
      ...STARTING,
      step: opts.resume?.step ?? s.step,
      // a landscape in progress dies with the old worker
      landscapeBusy: null,
      replay: opts.replayTo !== null ? { target: opts.replayTo, from: opts.resume?.step ?? 0 } : null,
    });
    // a restarted worker trains on the page's imported data, not on a family's example
    if (this.data?.task === s.config.task) this.post({ ...this.data, config: s.config });
    this.post({
      kind: 'init',
      config: s.config,
      backend: opts.backend,
      wasmPath: new URL('tfjs/', document.baseURI).href,
      resume: opts.resume,
      replayTo: opts.replayTo,
      engine: s.engineRequest,
      ...partOf(s).init(s),
    });
    this.post({ kind: 'thetaView', subject: s.thetaSubject, random: s.showRandomPaths });
    if (s.running && opts.replayTo === null) this.post({ kind: 'play' });
  }

  private stopWorker(): void {
    this.inbox.clear();
    this.worker?.terminate();
    this.worker = null;
    for (const [, resolve] of this.snapshotWaiters) {
      const snap = store.getState().snapshot;
      if (snap) resolve(snap);
    }
    this.snapshotWaiters.clear();
    this.runs.workerStopped();
  }

  /** saves the run in this browser while it trains (and holds the latest file for crash restarts) */
  get autosave(): Autosave {
    return this.runs.autosave;
  }

  private post(msg: ToWorker, transfer: Transferable[] = []): void {
    this.worker?.postMessage(msg, transfer);
  }

  send(msg: ToWorker, transfer: Transferable[] = []): void {
    const s = store.getState();
    if (msg.kind === 'config') writeAddressBar(msg.config, s.backendRequest, s.engineRequest);
    // a restarted worker reads the file itself: what was read of it is moved to this worker
    if (msg.kind === 'taskFile') this.data = withoutRead(msg);
    this.post(msg, transfer);
  }

  snapshot(): Promise<Snapshot> {
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      this.snapshotWaiters.set(id, resolve);
      this.post({ kind: 'snapshot', requestId: id });
    });
  }

  /** The run as a run file, written by the worker (its whole state plus these curves; `embedData`: and its imported data). */
  exportRun(
    curves: RunCurve[],
    name: string | null,
    createdAt: string | null,
    embedData = false,
  ): Promise<RunFileReply> {
    return this.runs.exportRun(curves, name, createdAt, embedData);
  }

  /** A new run from a θ file the user opened (the worker checks it; a bad file changes nothing). */
  loadThetaFile(text: string, source: string): void {
    store.setState({ running: false, replay: null, share: null });
    this.post({ kind: 'loadTheta', text, source });
  }

  /** Continue a saved run (autosave: its record's id; an imported file: null) in the running worker. */
  openRun(text: string, source: string, savedId: string | null = null, restart = false): void {
    this.runs.open(text, source, savedId, restart);
  }

  /**
   * The same worker continues the run on another backend, or with another engine (the store's
   * engine request goes with it): θ, moments, baselines, step kept.
   */
  switchBackend(request: BackendRequest): void {
    const s = store.getState();
    writeAddressBar(s.config, request, s.engineRequest);
    this.requested = request;
    this.current = null;
    store.setState(STARTING);
    this.post({ kind: 'backend', request, engine: s.engineRequest });
    // a switch pauses the host while it moves the run; what the user asked for continues
    if (s.running && !s.replay) this.post({ kind: 'play' });
  }

  /** test hook: make the worker throw, as a real fault would */
  crashWorker(): void {
    this.post({ kind: 'crash' });
  }

  /** test hook: lose the worker's WebGPU device, or compile a broken shader on it */
  gpuFault(fault: GpuFault): void {
    this.post({ kind: 'gpuFault', fault });
  }

  private restartFrom(snap: Snapshot | null, backend: BackendRequest): void {
    const s = store.getState();
    const step = snap?.step ?? 0;
    s.meta.truncateAfter(step);
    s.pretrained.truncateAfter(step);
    const replayTo = s.replay && s.replay.target > step ? s.replay.target : null;
    store.setState({
      seriesVersion: s.seriesVersion + 1,
      lastLoss: s.meta.last(),
      replayBreak: s.replayBreak ?? (step > 0 ? `training resumed on another backend at step ${step}` : null),
    });
    partOf(s).rewind?.(step, false);
    // an autosave as recent as the snapshot continues exactly (Adam's moments too); a snapshot does not
    const file = this.autosave.latest(s.config, s.snapshot?.step ?? 0);
    this.start({ backend, resume: file ? null : snap, replayTo: file ? null : replayTo });
    if (file) {
      const source = `the autosave at meta-step ${file.step}`;
      this.openRun(file.text, source, this.autosave.currentId(), true);
    }
  }

  private crashed(reason: string): void {
    const s = store.getState();
    const failedOn = this.current ?? candidates(this.requested)[0] ?? 'cpu';
    const below = BACKENDS.slice(BACKENDS.indexOf(failedOn) + 1);
    const next = below[0];
    if (!next) {
      this.stopWorker();
      store.setState({ phase: 'failed', running: false });
      s.notify('error', 'Training stopped: the worker failed on every backend', [
        `Last error (on ${failedOn}): ${reason}`,
        'Reload the page to try again.',
      ]);
      return;
    }
    const snap = s.snapshot;
    const file = this.autosave.latest(s.config, s.snapshot?.step ?? 0);
    s.notify('warning', `The training worker failed on ${failedOn}`, [
      `Error: ${reason}`,
      file
        ? `Restarted it on ${next}, continuing exactly from the autosave at step ${file.step} (θ, Adam's moments, the task stream).`
        : `Restarted it on ${next}, resuming from θ at step ${snap?.step ?? 0} (Adam's moments restart).`,
    ]);
    this.restartFrom(snap, next);
  }

  /** One worker message, applied to the store (the family's part gets what is its own). */
  private receive(msg: FromWorker): void {
    const s = store.getState();
    const part = partOf(s);
    switch (msg.kind) {
      case 'ready':
        this.current = msg.backend;
        store.setState({
          phase: 'ready',
          backend: msg.backend,
          engine: msg.engine,
          backendNote: msg.fallback,
          step: msg.step,
          numParams: msg.numParams,
          thetaSource: msg.thetaSource,
        });
        part.ready?.(msg);
        break;
      case 'benchmark':
        store.setState({ rates: msg.rates, autoChoice: msg.choice });
        break;
      case 'progress':
        this.progressed(msg, part);
        break;
      case 'family':
        part.reply(msg.reply);
        break;
      case 'snapshot':
        store.setState({ snapshot: msg.snapshot });
        if (msg.requestId !== null) {
          this.snapshotWaiters.get(msg.requestId)?.(msg.snapshot);
          this.snapshotWaiters.delete(msg.requestId);
        }
        break;
      case 'rewind':
        this.rewound(msg, part);
        break;
      case 'runNotOpened':
      case 'runFile':
      case 'runOpened':
        this.runs.received(msg);
        break;
      case 'runData':
        this.data = {
          kind: 'taskFile',
          task: msg.task,
          file: msg.file,
          source: msg.name,
          ...(msg.reading ? { reading: msg.reading } : {}),
        };
        dataArrived(msg);
        break;
      case 'thetaLoaded':
        thetaLoaded(msg, part);
        break;
      case 'error':
        part.error?.();
        if (msg.fatal) this.crashed(msg.message);
        else s.notify('warning', msg.message);
        break;
      default:
        showReport(msg);
    }
  }

  /** Training progressed: the curves grow, a replay may be done, a stop is saved. */
  private progressed(msg: Extract<FromWorker, { kind: 'progress' }>, part: SessionPart): void {
    const s = store.getState();
    const n = msg.losses.length;
    for (let i = 0; i < n; i++) s.meta.push(msg.step - n + 1 + i, msg.losses[i] as number);
    if (msg.pretrainedLosses) {
      const m = msg.pretrainedLosses.length;
      for (let i = 0; i < m; i++) s.pretrained.push(msg.step - m + 1 + i, msg.pretrainedLosses[i] as number);
    }
    const replay = s.replay && msg.replayTo !== null ? s.replay : null;
    const done = s.replay !== null && msg.replayTo === null && !msg.running;
    store.setState({
      step: msg.step,
      workerTraining: msg.running,
      stepsPerSec: msg.stepsPerSec,
      elapsedMs: msg.elapsedMs,
      tensors: msg.tensors,
      replay,
      lastLoss: n > 0 ? (msg.losses[n - 1] as number) : s.lastLoss,
      seriesVersion: s.seriesVersion + (n > 0 ? 1 : 0),
      ...(done ? { running: false } : {}),
    });
    part.progress?.(msg);
    // saved once training stops, and after single steps
    if (!msg.running && (s.workerTraining || n > 0)) this.autosave.stopped();
    if (done) {
      s.notify('info', `Replayed the shared run to step ${msg.step} and paused there.`);
      part.replayDone?.();
    }
  }

  /** The run went back to a step (`fresh`: to a new run): later curve entries and views are dropped. */
  private rewound(msg: Extract<FromWorker, { kind: 'rewind' }>, part: SessionPart): void {
    const s = store.getState();
    const keep = msg.fresh ? -1 : msg.step;
    for (const series of [s.meta, s.pretrained]) series.truncateAfter(keep);
    store.setState({
      step: msg.step,
      seriesVersion: s.seriesVersion + 1,
      lastLoss: s.meta.last(),
      // the worker starts the trajectories again from here
      thetaReport: null,
      landscape: null,
      landscapeBusy: null,
      ...(msg.fresh ? { elapsedMs: 0, snapshot: null, replayBreak: null } : {}),
    });
    part.rewind?.(msg.step, msg.fresh);
    if (msg.reason) s.notify('info', msg.reason);
    if (msg.fresh) this.autosave.restarted();
  }
}

export const session = new Session();
