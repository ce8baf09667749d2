/**
 * The page's single store. Components read what they show with selectors; charts subscribe
 * transiently (zustand `subscribe`, no React render) and redraw once per animation frame. The loss
 * curves are mutable Series objects whose changes are signalled by `seriesVersion`.
 * Actions that involve the worker go through a `TrainerPort` installed by the session.
 */
import { create } from 'zustand';
import { DEFAULT_EXPERIMENT, type Experiment } from '../core/experiment';
import type {
  AutoChoice,
  BackendName,
  BackendRequest,
  EvalCurveData,
  LandscapeReport,
  MethodName,
  Snapshot,
  ThetaReport,
  ThetaSubject,
  ToWorker,
} from '../worker/protocol';
import { restartReason } from '../core/families/restart';
import type { RegressionRequest } from '../worker/families/regressionMessages';
import { Series } from './series';
import { sampleViewTask, withPoints, type TaskView } from './viewTask';

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  title: string;
  lines: string[];
}

export interface Predictions {
  taskId: number;
  step: number;
  grid: Float32Array;
  steps: number;
  fans: Record<MethodName, Float32Array>;
}

export interface Evaluation {
  step: number;
  tasks: number;
  k: number;
  inner: number;
  computedOn: BackendName;
  curves: Record<MethodName, EvalCurveData>;
}

/** One live-evaluation result as a point on the learning curve: MSE after `inner` steps. */
export interface EvalPoint {
  step: number;
  inner: number;
  maml: number;
  pretrained: number;
}

export interface Share {
  url: string;
  step: number;
  withWeights: boolean;
  copied: boolean;
  notes: string[];
}

/** The tasks the parameter-space view shows (changes only when they do, not with every report). */
export interface ShownTasks {
  /** generating parameters, [count · perTask]; the task view's task first when `viewTaskId` is set */
  params: Float32Array;
  perTask: number;
  count: number;
  viewTaskId: number | null;
}

/** A landscape being computed in the worker: chunks done of total. */
export interface LandscapeProgress {
  id: number;
  done: number;
  total: number;
}

/** What the store needs from the worker side. */
export interface TrainerPort {
  send(msg: ToWorker): void;
  /** a fresh snapshot of θ from the worker */
  snapshot(): Promise<Snapshot>;
  /** switch backend: restart the worker there, resuming from the latest θ */
  switchBackend(request: BackendRequest): void;
}

export interface State {
  config: Experiment;
  backendRequest: BackendRequest;
  phase: 'starting' | 'ready' | 'failed';
  backend: BackendName | null;
  backendNote: string | null;
  rates: Partial<Record<BackendName, number>> | null;
  /** auto mode: the backend the worker's timing chose, and rates that are only upper bounds */
  autoChoice: AutoChoice | null;
  /** what the user asked for: training or paused */
  running: boolean;
  step: number;
  stepsPerSec: number;
  elapsedMs: number;
  replay: { target: number; from: number } | null;
  /** tensors alive in the worker, from its latest report */
  tensors: number | null;
  lastLoss: number | null;
  task: TaskView;
  fanSteps: number;
  predictions: Predictions | null;
  evaluation: Evaluation | null;
  evalHistory: EvalPoint[];
  evalBusy: number | null;
  notices: Notice[];
  snapshot: Snapshot | null;
  share: Share | null;
  includeWeights: boolean;
  /**
   * Why replaying this run from step 0 would not reproduce its θ (settings changed mid-run, a
   * restore after divergence, a worker restart, θ loaded from a link), or null when it would.
   */
  replayBreak: string | null;
  meta: Series;
  pretrained: Series;
  seriesVersion: number;
  smoothing: number;
  lossLog: boolean;
  showPretrainedLoss: boolean;
  adaptLog: boolean;
  /** the parameter-space view: the latest θ report, whose θ it follows, what it adds */
  thetaReport: ThetaReport | null;
  shownTasks: ShownTasks | null;
  thetaSubject: ThetaSubject;
  showRandomPaths: boolean;
  landscape: LandscapeReport | null;
  landscapeBusy: LandscapeProgress | null;
  /**
   * The task highlighted across the task view and the θ view: an index into `shownTasks`
   * (0 is the task view's own task when there is one), or null.
   */
  hoverTask: number | null;
}

export interface Actions {
  play(): void;
  pause(): void;
  toggle(): void;
  stepOnce(): void;
  reset(): void;
  setConfig(patch: Partial<Experiment>): void;
  newTask(): void;
  addPoint(x: number, y: number): void;
  removePoint(index: number): void;
  setFanSteps(n: number): void;
  setBackendRequest(request: BackendRequest): void;
  evaluateFull(): void;
  setThetaView(patch: { subject?: ThetaSubject; random?: boolean }): void;
  computeLandscape(): void;
  setHoverTask(index: number | null): void;
  notify(level: Notice['level'], title: string, lines?: string[]): void;
  dismiss(id: number): void;
  set<K extends keyof State>(key: K, value: State[K]): void;
}

let port: TrainerPort | null = null;
let noticeId = 1;
let landscapeId = 1;
/** the parameter-space charts redraw at most this often (θ moves slowly; their SVGs are large) */
export const THETA_REDRAW_MS = 400;
/** grid points per side of the loss landscape */
export const LANDSCAPE_RESOLUTION = 25;

export function installPort(p: TrainerPort | null): void {
  port = p;
}

export function getPort(): TrainerPort | null {
  return port;
}

function send(msg: ToWorker): void {
  port?.send(msg);
}

/** A task as the worker wants it. */
export function viewTaskMessage(task: TaskView, steps: number): Extract<ToWorker, { kind: 'family' }> {
  return { kind: 'family', request: viewTaskRequest(task, steps) };
}

/** The task view's task as the worker's regression part wants it. */
function viewTaskRequest(task: TaskView, steps: number): RegressionRequest {
  return {
    kind: 'task',
    task: {
      id: task.id,
      params: task.params,
      xs: Float32Array.from(task.xs),
      ys: Float32Array.from(task.ys),
      steps,
    },
  };
}

export const FULL_EVAL_TASKS = 600;
const INFO_NOTICE_MS = 15_000;
export const LIVE_EVAL_TASKS = 100;

export const useStore = create<State & Actions>()((set, get) => ({
  config: { ...DEFAULT_EXPERIMENT, hidden: [...DEFAULT_EXPERIMENT.hidden] },
  backendRequest: 'auto',
  phase: 'starting',
  backend: null,
  backendNote: null,
  rates: null,
  autoChoice: null,
  running: false,
  step: 0,
  stepsPerSec: 0,
  elapsedMs: 0,
  replay: null,
  tensors: null,
  lastLoss: null,
  task: sampleViewTask(DEFAULT_EXPERIMENT, 0),
  fanSteps: 10,
  predictions: null,
  evaluation: null,
  evalHistory: [],
  evalBusy: null,
  notices: [],
  snapshot: null,
  share: null,
  includeWeights: true,
  replayBreak: null,
  meta: new Series(),
  pretrained: new Series(),
  seriesVersion: 0,
  smoothing: 0.6,
  lossLog: true,
  showPretrainedLoss: false,
  adaptLog: false,
  thetaReport: null,
  shownTasks: null,
  thetaSubject: 'maml',
  showRandomPaths: false,
  landscape: null,
  landscapeBusy: null,
  hoverTask: null,

  play() {
    if (get().phase === 'failed') return;
    set({ running: true, replay: null });
    send({ kind: 'play' });
  },
  pause() {
    set({ running: false, replay: null });
    send({ kind: 'pause' });
  },
  toggle() {
    if (get().running) get().pause();
    else get().play();
  },
  stepOnce() {
    if (get().running) return;
    send({ kind: 'step' });
  },
  reset() {
    set({ running: false, replay: null, replayBreak: null, share: null });
    send({ kind: 'reset' });
  },
  setConfig(patch) {
    const prev = get().config;
    const config = { ...prev, ...patch, hidden: [...(patch.hidden ?? prev.hidden)] };
    const newRun = restartReason(prev, config) !== null;
    const changes: Partial<State> = { config, share: null };
    if (!newRun && get().step > 0 && !get().replayBreak) {
      changes.replayBreak = `the settings changed at step ${get().step}`;
    }
    if (newRun) changes.replayBreak = null;
    // the task view follows the seed and K: same task (same stream), K points
    if (config.seed !== prev.seed || config.task !== prev.task || config.mix?.join() !== prev.mix?.join()) {
      changes.task = sampleViewTask(config, 0);
    } else if (config.k !== prev.k) {
      changes.task = sampleViewTask(config, get().task.counter, config.k);
    }
    set(changes);
    send({ kind: 'config', config });
    if (changes.task) send(viewTaskMessage(changes.task, get().fanSteps));
  },
  newTask() {
    const { config, task, fanSteps } = get();
    const next = sampleViewTask(config, task.counter + 1);
    set({ task: next });
    send(viewTaskMessage(next, fanSteps));
  },
  addPoint(x, y) {
    const { task, fanSteps } = get();
    const next = withPoints(task, [...task.xs, x], [...task.ys, y]);
    set({ task: next });
    send(viewTaskMessage(next, fanSteps));
  },
  removePoint(index) {
    const { task, fanSteps } = get();
    const next = withPoints(
      task,
      task.xs.filter((_, i) => i !== index),
      task.ys.filter((_, i) => i !== index),
    );
    set({ task: next });
    send(viewTaskMessage(next, fanSteps));
  },
  setFanSteps(n) {
    const { task } = get();
    const next = withPoints(task, task.xs, task.ys);
    set({ fanSteps: n, task: next });
    send(viewTaskMessage(next, n));
  },
  setBackendRequest(request) {
    set({ backendRequest: request, share: null });
    port?.switchBackend(request);
  },
  evaluateFull() {
    set({ evalBusy: FULL_EVAL_TASKS });
    send({ kind: 'evaluate', tasks: FULL_EVAL_TASKS });
  },
  setThetaView(patch) {
    const { thetaSubject, showRandomPaths } = get();
    const subject = patch.subject ?? thetaSubject;
    const random = patch.random ?? showRandomPaths;
    const changes: Partial<State> = { thetaSubject: subject, showRandomPaths: random };
    // a landscape belongs to one trajectory's plane: switching drops it (the worker cancels it)
    if (subject !== thetaSubject) Object.assign(changes, { landscape: null, landscapeBusy: null });
    set(changes);
    send({ kind: 'thetaView', subject, random });
  },
  computeLandscape() {
    const id = landscapeId++;
    set({ landscapeBusy: { id, done: 0, total: 0 } });
    send({ kind: 'landscape', id, resolution: LANDSCAPE_RESOLUTION });
  },
  setHoverTask(index) {
    if (get().hoverTask !== index) set({ hoverTask: index });
  },
  notify(level, title, lines = []) {
    const id = noticeId++;
    set({ notices: [...get().notices, { id, level, title, lines }] });
    // information fades away on its own; warnings and errors stay until dismissed
    if (level === 'info') setTimeout(() => get().dismiss(id), INFO_NOTICE_MS);
  },
  dismiss(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) });
  },
  set(key, value) {
    set({ [key]: value } as Partial<State>);
  },
}));

export { subscribeFrame } from './subscribeFrame';
