/**
 * The session, for every task family: reads the link the page was opened with, owns the training
 * worker, turns its messages into store updates, and restarts it on the next backend down when it
 * fails, resuming from the last θ the page holds. What only one family needs (the task view's
 * task, the glyph lab's shipped θ, the family's replies) is that family's session part.
 */
import {
  BACKENDS,
  candidates,
  type BackendName,
  type BackendRequest,
  type FamilyReply,
  type FamilyRequest,
  type FromWorker,
  type Snapshot,
  type ToWorker,
  type GpuFault,
} from '../worker/protocol';
import { labSession } from './families/glyphs/labSession';
import { regressionSession } from './families/regression/sessionPart';
import { uiFamilyOf } from './families/registry';
import { FrameInbox } from './frameInbox';
import { installPort, type TrainerPort } from './port';
import { useStore, type Store } from './store';
import { decodeWeights } from './thetaCodec';
import { readLink, writeAddressBar, type PageLink } from './url';
import { parameterCount, sampleViewTask } from './viewTask';

/** What a family adds to the session (see families/<family>/). */
export interface SessionPart {
  /** the family's part of the worker's init: its first view request, the live evaluation's size */
  init(s: Store): { view: FamilyRequest | null; evalTasks: number };
  /** the page opened with this link and the worker was started */
  opened?(link: PageLink): void;
  ready?(msg: Extract<FromWorker, { kind: 'ready' }>): void;
  progress?(msg: Extract<FromWorker, { kind: 'progress' }>): void;
  /** a share link's replay arrived at its step */
  replayDone?(): void;
  thetaLoaded?(): void;
  reply(reply: FamilyReply): void;
  /** the run went back to `step`: drop what the family keeps of later steps */
  rewind?(step: number): void;
  /** the worker reported an error: nothing it was doing for the family will answer */
  error?(): void;
}

const PARTS: Record<'regression' | 'lab', SessionPart> = { regression: regressionSession, lab: labSession };

function partOf(s: Store): SessionPart {
  return PARTS[uiFamilyOf(s.config.task).page];
}

interface StartOptions {
  backend: BackendRequest;
  resume: Snapshot | null;
  replayTo: number | null;
}

const store = useStore;
/** θ carried in a link may come from a long run: any step up to this is accepted */
const MAX_SHARED_STEP = 1_000_000_000;

class Session implements TrainerPort {
  /** the worker's messages, applied to the store together once per frame (one render per frame) */
  private readonly inbox = new FrameInbox<FromWorker>((msg) => this.receive(msg));
  private worker: Worker | null = null;
  /** the backend a crash would fall back from: the one obtained, or the first one tried */
  private current: BackendName | null = null;
  private requested: BackendRequest = 'auto';
  private snapshotWaiters = new Map<number, (s: Snapshot) => void>();
  private nextRequest = 1;
  private generation = 0;

  start(opts: StartOptions): void {
    this.stopWorker();
    const gen = ++this.generation;
    this.requested = opts.backend;
    this.current = null;
    const worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), {
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
      phase: 'starting',
      backend: null,
      rates: null,
      autoChoice: null,
      backendNote: null,
      step: opts.resume?.step ?? s.step,
      // a landscape in progress dies with the old worker
      landscapeBusy: null,
      replay: opts.replayTo !== null ? { target: opts.replayTo, from: opts.resume?.step ?? 0 } : null,
    });
    this.post({
      kind: 'init',
      config: s.config,
      backend: opts.backend,
      wasmPath: new URL('tfjs/', document.baseURI).href,
      resume: opts.resume,
      replayTo: opts.replayTo,
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
  }

  private post(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  send(msg: ToWorker): void {
    if (msg.kind === 'config') writeAddressBar(msg.config, store.getState().backendRequest);
    this.post(msg);
  }

  snapshot(): Promise<Snapshot> {
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      this.snapshotWaiters.set(id, resolve);
      this.post({ kind: 'snapshot', requestId: id });
    });
  }

  /** The same worker continues the run on another backend (θ, moments, baselines, step kept). */
  switchBackend(request: BackendRequest): void {
    const s = store.getState();
    writeAddressBar(s.config, request);
    this.requested = request;
    this.current = null;
    store.setState({ phase: 'starting', backend: null, rates: null, autoChoice: null, backendNote: null });
    this.post({ kind: 'backend', request });
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
      replayBreak:
        s.replayBreak ??
        (step > 0 ? `training resumed from a snapshot at step ${step}, with fresh optimiser moments` : null),
    });
    partOf(s).rewind?.(step);
    this.start({ backend, resume: snap, replayTo });
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
    s.notify('warning', `The training worker failed on ${failedOn}`, [
      `Error: ${reason}`,
      `Restarted it on ${next}, resuming from θ at step ${snap?.step ?? 0} (Adam's moments restart).`,
    ]);
    this.restartFrom(snap, next);
  }

  private receive(msg: FromWorker): void {
    const s = store.getState();
    const part = partOf(s);
    switch (msg.kind) {
      case 'ready':
        this.current = msg.backend;
        store.setState({
          phase: 'ready',
          backend: msg.backend,
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
      case 'progress': {
        const n = msg.losses.length;
        for (let i = 0; i < n; i++) s.meta.push(msg.step - n + 1 + i, msg.losses[i] as number);
        if (msg.pretrainedLosses) {
          const m = msg.pretrainedLosses.length;
          for (let i = 0; i < m; i++)
            s.pretrained.push(msg.step - m + 1 + i, msg.pretrainedLosses[i] as number);
        }
        const replay = s.replay && msg.replayTo !== null ? s.replay : null;
        const done = s.replay !== null && msg.replayTo === null && !msg.running;
        store.setState({
          step: msg.step,
          stepsPerSec: msg.stepsPerSec,
          elapsedMs: msg.elapsedMs,
          tensors: msg.tensors,
          replay,
          lastLoss: n > 0 ? (msg.losses[n - 1] as number) : s.lastLoss,
          seriesVersion: s.seriesVersion + (n > 0 ? 1 : 0),
          ...(done ? { running: false } : {}),
        });
        part.progress?.(msg);
        if (done) {
          s.notify('info', `Replayed the shared run to step ${msg.step} and paused there.`);
          part.replayDone?.();
        }
        break;
      }
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
      case 'rewind': {
        s.meta.truncateAfter(msg.step);
        s.pretrained.truncateAfter(msg.step);
        store.setState({
          step: msg.step,
          seriesVersion: s.seriesVersion + 1,
          lastLoss: s.meta.last(),
          // the worker starts the trajectories again from here
          thetaReport: null,
          landscape: null,
          landscapeBusy: null,
          ...(msg.step === 0 ? { elapsedMs: 0, snapshot: null, replayBreak: null } : {}),
        });
        part.rewind?.(msg.step);
        if (msg.reason) s.notify('info', msg.reason);
        break;
      }
      case 'diverged':
        store.setState({
          running: false,
          replay: null,
          replayBreak:
            msg.restoredStep > 0
              ? (s.replayBreak ?? `θ was restored at step ${msg.restoredStep} after diverging`)
              : s.replayBreak,
        });
        s.notify('warning', 'Training diverged', [msg.message]);
        break;
      case 'theta': {
        const shown = s.shownTasks;
        const same =
          shown !== null &&
          shown.viewTaskId === msg.viewTaskId &&
          shown.params.length === msg.taskParams.length &&
          shown.params.every((v, i) => v === msg.taskParams[i]);
        store.setState({
          thetaReport: msg,
          ...(same
            ? {}
            : {
                shownTasks: {
                  params: msg.taskParams,
                  perTask: msg.paramsPerTask,
                  count: msg.paths.tasks,
                  viewTaskId: msg.viewTaskId,
                },
              }),
        });
        break;
      }
      case 'landscapeProgress':
        if (s.landscapeBusy?.id === msg.id) {
          // total 0: the worker could not start it (it said why in a notice)
          store.setState({
            landscapeBusy: msg.total > 0 ? { id: msg.id, done: msg.done, total: msg.total } : null,
          });
        }
        break;
      case 'landscape':
        if (s.landscapeBusy?.id === msg.id) store.setState({ landscape: msg, landscapeBusy: null });
        break;
      case 'notice':
        s.notify(msg.level === 'warning' ? 'warning' : 'info', msg.message);
        break;
      case 'thetaLoaded':
        store.setState({ config: msg.config });
        writeAddressBar(msg.config, s.backendRequest);
        part.thetaLoaded?.();
        s.notify(
          'info',
          `Loaded ${msg.source}: meta-trained for ${msg.step} steps` +
            (msg.pretrainedSteps !== null
              ? `, with the pretrained baseline trained beside it for ${msg.pretrainedSteps} steps.`
              : '; the file has no pretrained baseline, so that one starts untrained.') +
            ' Reset meta-trains from scratch.',
        );
        break;
      case 'error':
        part.error?.();
        if (msg.fatal) this.crashed(msg.message);
        else s.notify('warning', msg.message);
        break;
    }
  }
}

export const session = new Session();

/** Open the page: apply the link (notice for anything changed), then start training. */
export async function openPage(): Promise<void> {
  const link = readLink(window.location.search, window.location.hash);
  const regression = uiFamilyOf(link.config.task).page === 'regression';
  // the link's family and settings are in the store before the first render and the first await
  store.setState({
    config: link.config,
    backendRequest: link.backend,
    ...(regression ? { task: sampleViewTask(link.config, 0) } : {}),
  });
  const warnings = [...link.warnings];
  let resume: Snapshot | null = null;
  const s = store.getState();
  s.meta.clear();
  s.pretrained.clear();
  let lastLoss: number | null = null;
  if (link.weights && !regression) {
    warnings.push('θ in a link is read for the regression families only; ignored it');
  } else if (link.weights) {
    try {
      const w = await decodeWeights(link.weights, {
        params: parameterCount(link.config),
        maxStep: MAX_SHARED_STEP,
      });
      resume = { step: w.step, theta: w.theta, pretrained: w.pretrained, alpha: w.alpha };
      for (let i = 0; i < w.historySteps.length; i++) {
        s.meta.push(w.historySteps[i] as number, w.historyLosses[i] as number);
      }
      if (Number.isFinite(w.lastLoss)) lastLoss = w.lastLoss;
      if (link.step !== null && link.step !== w.step) {
        warnings.push(`step=${link.step} differs from the step stored with the weights; using ${w.step}`);
      }
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      warnings.push(
        `${why}; ignored them${link.step ? `, replaying training to step ${link.step} instead` : ''}`,
      );
    }
  }
  const replayStep = resume ? null : link.step;
  // the glyph lab replays once its shipped θ was looked for (its session part starts the replay)
  const replayTo = regression ? replayStep : null;
  store.setState({
    running: replayTo !== null,
    step: resume?.step ?? 0,
    lastLoss,
    seriesVersion: s.seriesVersion + 1,
    replayBreak: resume ? `it continues from θ loaded from a link at step ${resume.step}` : null,
  });
  if (warnings.length > 0) {
    s.notify(
      'warning',
      'This link had values that could not be used as given. The page changed them as follows:',
      warnings,
    );
  }
  if (resume) {
    s.notify('info', `Loaded the trained θ from the link: meta-step ${resume.step}, no replay needed.`);
  } else if (replayStep !== null) {
    s.notify(
      'info',
      `Replaying the shared run: meta-training deterministically to step ${replayStep}, then pausing.`,
    );
  }
  writeAddressBar(link.config, link.backend);
  installPort(session);
  session.start({ backend: link.backend, resume, replayTo });
  partOf(store.getState()).opened?.(link);
}
