/**
 * The page's single store, for every task family. Components read what they show with selectors;
 * charts subscribe transiently (zustand `subscribe`, no React render) and redraw once per animation
 * frame. The loss curves are mutable Series objects whose changes are signalled by `seriesVersion`.
 * Shared state and actions live here; each family adds a slice of its own when it is installed
 * (shell/families.ts) and hooks into the shared actions (a settings change, a pause, a single step).
 * Actions that involve the worker go through the port the session installs (port.ts).
 */
import { create } from 'zustand';
import { DEFAULT_EXPERIMENT, type Experiment } from '../../core/experiment';
import type {
  AutoChoice,
  BackendName,
  BackendRequest,
  Engine,
  EngineRequest,
  LandscapeReport,
  Snapshot,
  ThetaReport,
  ThetaSubject,
} from '../../worker/protocol';
import { restartReason } from '../../core/families/restart';
import { familyOf } from './families';
import { getPort, send } from './port';
import { walkSlice, type WalkActions, type WalkState } from './walkSlice';
import { ordersSlice, type OrdersState } from './ordersSlice';
import { comparedSlice, type ComparedActions, type ComparedState } from './comparedSlice';
import { Series } from '../kit/series';

export { installPort, getPort, type TrainerPort } from './port';
export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  title: string;
  lines: string[];
  /**
   * a button in the notice (e.g. "Start fresh" under "Resumed the run…"); pressing it dismisses it.
   * `keep`: an information notice with this button stays until pressed or dismissed.
   */
  action?: { label: string; run(): void; keep?: boolean };
}

/** The latest autosave: the step it holds and when it was written, or why it could not be. */
export interface SavedState {
  step: number;
  savedAt: string | null;
  error: string | null;
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

/** What every family's page shares: the run, its backend, the transport, curves, notices, sharing. */
export interface SharedState {
  config: Experiment;
  backendRequest: BackendRequest;
  /** the engine asked for: auto (the fastest), the family's fused meta-step, or tfjs kernels */
  engineRequest: EngineRequest;
  phase: 'starting' | 'ready' | 'failed';
  backend: BackendName | null;
  /** the implementation that trains on `backend`, as the worker reports it */
  engine: Engine | null;
  backendNote: string | null;
  rates: Partial<Record<BackendName, number>> | null;
  /** auto mode: the backend the worker's timing chose, and rates that are only upper bounds */
  autoChoice: AutoChoice | null;
  /** parameters of θ and where θ came from, as the worker reports them */
  numParams: number | null;
  thetaSource: string;
  /** what the user asked for: training or paused */
  running: boolean;
  /**
   * whether the worker's latest report says it is training: after Pause it finishes the steps in
   * flight, so the page says "paused" (at the step θ is at) only once this is false too
   */
  workerTraining: boolean;
  step: number;
  stepsPerSec: number;
  elapsedMs: number;
  replay: { target: number; from: number } | null;
  /** tensors alive in the worker, from its latest report */
  tensors: number | null;
  lastLoss: number | null;
  notices: Notice[];
  snapshot: Snapshot | null;
  share: Share | null;
  includeWeights: boolean;
  /**
   * Why replaying this run from step 0 would not reproduce its θ (settings changed mid-run, a
   * restore after divergence, a worker restart, θ loaded from a link), or null when it would.
   */
  replayBreak: string | null;
  /** autosave: what is saved in this browser for this experiment */
  saved: SavedState | null;
  /** a saved run is being opened (a family then does not load a θ of its own as the page opens) */
  resuming: boolean;
  meta: Series;
  pretrained: Series;
  seriesVersion: number;
  smoothing: number;
  lossLog: boolean;
  showPretrainedLoss: boolean;
  /** the adaptation chart's log axis (for a metric that offers one) */
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

export interface SharedActions {
  play(): void;
  pause(): void;
  toggle(): void;
  stepOnce(): void;
  reset(): void;
  setConfig(patch: Partial<Experiment>): void;
  /** continue the run on another backend (auto, webgpu, wasm or cpu); the link records it */
  setBackendRequest(request: BackendRequest): void;
  /** continue the run with another engine request (auto, fused or tfjs); the link records it */
  setEngineRequest(request: EngineRequest): void;
  setThetaView(patch: { subject?: ThetaSubject; random?: boolean }): void;
  computeLandscape(): void;
  setHoverTask(index: number | null): void;
  notify(level: Notice['level'], title: string, lines?: string[], action?: Notice['action']): void;
  dismiss(id: number): void;
  set<K extends keyof State>(key: K, value: State[K]): void;
}

export type State = SharedState & WalkState & OrdersState & ComparedState;
export type Actions = SharedActions & WalkActions & ComparedActions;
export type Store = State & Actions;
export type SetStore = (patch: Partial<State>) => void;
export type GetStore = () => Store;

/** How a family's slice takes part in the shared actions (each hook runs after the shared part). */
export interface SliceHooks {
  configChanged?(prev: Experiment, next: Experiment): void;
  paused?(): void;
  stepped?(): void;
}

export function hooksOf(config: Experiment): SliceHooks {
  return familyOf(config.task).hooks;
}

let noticeId = 1;
let landscapeId = 1;
/** the parameter-space charts redraw at most this often (θ moves slowly; their SVGs are large) */
export const THETA_REDRAW_MS = 400;
/** grid points per side of the loss landscape, unless the family's θ view asks for another */
export const LANDSCAPE_RESOLUTION = 25;
const INFO_NOTICE_MS = 15_000;

/** The shared state a page opens with. */
function sharedState(): SharedState {
  return {
    config: { ...DEFAULT_EXPERIMENT, hidden: [...DEFAULT_EXPERIMENT.hidden] },
    backendRequest: 'auto',
    engineRequest: 'auto',
    phase: 'starting',
    backend: null,
    engine: null,
    backendNote: null,
    rates: null,
    autoChoice: null,
    numParams: null,
    thetaSource: '',
    running: false,
    workerTraining: false,
    step: 0,
    stepsPerSec: 0,
    elapsedMs: 0,
    replay: null,
    tensors: null,
    lastLoss: null,
    notices: [],
    snapshot: null,
    share: null,
    includeWeights: true,
    replayBreak: null,
    saved: null,
    resuming: false,
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
  };
}

type Set = (patch: Partial<State>) => void;

/** Training and its settings: the transport, a settings change, a backend switch. */
function runActions(
  set: Set,
  get: GetStore,
): Pick<
  SharedActions,
  'play' | 'pause' | 'toggle' | 'stepOnce' | 'reset' | 'setConfig' | 'setBackendRequest' | 'setEngineRequest'
> {
  return {
    play() {
      if (get().phase === 'failed') return;
      get().closeWalk();
      set({ running: true, replay: null });
      send({ kind: 'play' });
    },
    pause() {
      set({ running: false, replay: null });
      send({ kind: 'pause' });
      hooksOf(get().config).paused?.();
    },
    toggle() {
      if (get().running) get().pause();
      else get().play();
    },
    stepOnce() {
      if (get().running || get().phase !== 'ready') return;
      send({ kind: 'step' });
      hooksOf(get().config).stepped?.();
    },
    reset() {
      get().closeWalk();
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
      set(changes);
      send({ kind: 'config', config });
      hooksOf(config).configChanged?.(prev, config);
      if (newRun) get().closeWalk();
      else get().refreshWalk();
    },
    setBackendRequest(request) {
      const { step, replayBreak } = get();
      set({
        backendRequest: request,
        share: null,
        // another backend rounds differently: a replay on one backend will not retrace both
        replayBreak: replayBreak ?? (step > 0 ? `the backend changed at step ${step}` : null),
      });
      getPort()?.switchBackend(request);
    },
    setEngineRequest(request) {
      const { step, replayBreak } = get();
      set({
        engineRequest: request,
        share: null,
        replayBreak: replayBreak ?? (step > 0 ? `the engine changed at step ${step}` : null),
      });
      // the session sends the store's backend and engine requests together
      getPort()?.switchBackend(get().backendRequest);
    },
  };
}

/** The views' shared settings and the notices. */
function viewActions(
  set: Set,
  get: GetStore,
): Pick<SharedActions, 'setThetaView' | 'computeLandscape' | 'setHoverTask' | 'notify' | 'dismiss' | 'set'> {
  return {
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
      const resolution = familyOf(get().config.task).theta?.landscapeResolution ?? LANDSCAPE_RESOLUTION;
      send({ kind: 'landscape', id, resolution });
    },
    setHoverTask(index) {
      if (get().hoverTask !== index) set({ hoverTask: index });
    },
    notify(level, title, lines = [], action) {
      const id = noticeId++;
      set({ notices: [...get().notices, { id, level, title, lines, ...(action ? { action } : {}) }] });
      // information fades away on its own; warnings and errors stay until dismissed
      if (level === 'info' && !action?.keep) setTimeout(() => get().dismiss(id), INFO_NOTICE_MS);
    },
    dismiss(id) {
      set({ notices: get().notices.filter((n) => n.id !== id) });
    },
    set(key, value) {
      set({ [key]: value } as Partial<State>);
    },
  };
}

export const useStore = create<Store>()((set, get) => ({
  ...walkSlice(set, get),
  ...ordersSlice(),
  ...comparedSlice(set, get),
  ...sharedState(),
  ...runActions(set, get),
  ...viewActions(set, get),
}));

export { subscribeFrame } from './subscribeFrame';
