/**
 * The glyph lab's own store (separate from the sinusoid page's store): the run's state as the
 * worker reports it, the task view, the drawing pad, and the actions that talk to the glyph
 * worker through a port installed by the glyph session.
 */
import { create } from 'zustand';
import { GLYPH_DEFAULTS, type Experiment } from '../../core/experiment';
import type { Point } from '../../core/families/glyphs/data/strokes';
import type { AutoChoice, BackendName, BackendRequest } from '../../worker/protocol';
import { copyToClipboard } from '../controls/ShareLinkField';
import { MAX_GLYPH_REPLAY_STEPS, shareUrl, type GlyphStart } from '../url';
import type {
  AccuracyCurveData,
  FromGlyphWorker,
  GlyphMethod,
  ToGlyphWorker,
} from '../../worker/families/glyphProtocol';

export type Drawing = Point[][];
export type TaskReport = Extract<FromGlyphWorker, { kind: 'task' }>;

export interface GlyphEvaluation {
  step: number;
  tasks: number;
  steps: number;
  ways: number;
  shots: number;
  curves: Record<GlyphMethod, AccuracyCurveData>;
}

export interface LossPoint {
  step: number;
  loss: number;
  pretrained: number | null;
}

/** Accuracy after the last evaluated inner step, at the meta-step it was measured. */
export interface AccuracyPoint {
  step: number;
  maml: number;
  pretrained: number;
  random: number;
}

export type ShippedTheta =
  | { state: 'checking' }
  | { state: 'missing'; why: string }
  | { state: 'available'; text: string; step: number; query: string };

export interface GlyphState {
  config: Experiment;
  backendRequest: BackendRequest;
  phase: 'starting' | 'ready' | 'failed';
  backend: BackendName | null;
  backendNote: string | null;
  /** on WebGPU: ms per meta-step of its second step and of wasm measured beside it */
  speed: { webgpu: number; wasm: number | null } | null;
  /** auto mode: what the worker measured (meta-steps/s) and the backend it trains on */
  autoChoice: AutoChoice | null;
  numParams: number | null;
  thetaSource: string;
  shipped: ShippedTheta;
  running: boolean;
  step: number;
  msPerStep: number | null;
  /** where this run started (part of the share link) */
  start: GlyphStart;
  /** a share link's replay in progress: the step it trains to */
  replayTo: number | null;
  /** why replaying this run from its start would not give the same θ (null: it would) */
  replayBreak: string | null;
  share: GlyphShare | null;
  losses: LossPoint[];
  lossVersion: number;
  evaluation: GlyphEvaluation | null;
  evalHistory: AccuracyPoint[];
  evalBusy: boolean;
  /** the task view: which task, inner steps computed, and the step the slider shows */
  taskCounter: number;
  viewSteps: number;
  viewStep: number;
  task: TaskReport | null;
  /** drawing pad: classes × drawings, each drawing a list of strokes */
  padWays: number;
  padShots: number;
  drawings: Drawing[][];
  adaptSteps: number;
  adapted: Extract<FromGlyphWorker, { kind: 'adapted' }> | null;
  /** the drawings changed since the last adaptation */
  adaptStale: boolean;
  adaptBusy: boolean;
  testDrawing: Drawing;
  classified: Extract<FromGlyphWorker, { kind: 'classified' }> | null;
}

export interface GlyphShare {
  url: string;
  step: number;
  copied: boolean;
  notes: string[];
}

export interface GlyphActions {
  play(): void;
  pause(): void;
  toggle(): void;
  stepOnce(): void;
  reset(): void;
  /** continue the run on another backend (auto, webgpu, wasm or cpu); the link records it */
  setBackendRequest(request: BackendRequest): void;
  setConfig(patch: Partial<Experiment>): void;
  loadShipped(): void;
  /** the share link (settings, where the run started, the step) to the clipboard and the page */
  copyShareLink(): Promise<void>;
  evaluate(tasks?: number): void;
  newTask(): void;
  refreshTask(): void;
  setViewSteps(n: number): void;
  setViewStep(n: number): void;
  setPadSize(ways: number, shots: number): void;
  setDrawing(cls: number, shot: number, d: Drawing): void;
  setAdaptSteps(n: number): void;
  adapt(): void;
  setTestDrawing(d: Drawing): void;
}

export interface GlyphPort {
  send(msg: ToGlyphWorker): void;
  /** writes the address bar (the experiment is the share link) */
  configChanged(config: Experiment, backend: BackendRequest): void;
  /** turns drawings into 28×28 images (the data set's preprocessing) */
  rasterize(d: Drawing): Float32Array;
}

let port: GlyphPort | null = null;
let nextId = 1;

export function installGlyphPort(p: GlyphPort | null): void {
  port = p;
}

/** evaluation tasks (held-out alphabets) for the accuracy-vs-inner-steps chart: a quick look
 * after loading and pausing, a longer one on request (an evaluation holds up training) */
export const QUICK_EVAL_TASKS = 10;
export const EVAL_TASKS = 40;
/** inner steps the evaluation runs to */
export const EVAL_STEPS = 5;
export const MAX_VIEW_STEPS = 10;
export const MAX_PAD_WAYS = 5;
export const MAX_PAD_SHOTS = 5;

function emptyDrawings(ways: number, shots: number, old: Drawing[][] = []): Drawing[][] {
  return Array.from({ length: ways }, (_, c) => Array.from({ length: shots }, (_, i) => old[c]?.[i] ?? []));
}

export function drawingsComplete(s: Pick<GlyphState, 'drawings'>): boolean {
  return s.drawings.every((row) => row.every((d) => d.length > 0));
}

export const useGlyphStore = create<GlyphState & GlyphActions>()((set, get) => ({
  config: { ...GLYPH_DEFAULTS, hidden: [...GLYPH_DEFAULTS.hidden] },
  backendRequest: 'auto',
  phase: 'starting',
  backend: null,
  backendNote: null,
  speed: null,
  autoChoice: null,
  numParams: null,
  thetaSource: '',
  shipped: { state: 'checking' },
  running: false,
  step: 0,
  msPerStep: null,
  start: 'random',
  replayTo: null,
  replayBreak: null,
  share: null,
  losses: [],
  lossVersion: 0,
  evaluation: null,
  evalHistory: [],
  evalBusy: false,
  taskCounter: 0,
  viewSteps: 5,
  viewStep: 1,
  task: null,
  padWays: 3,
  padShots: 2,
  drawings: emptyDrawings(3, 2),
  adaptSteps: 5,
  adapted: null,
  adaptStale: false,
  adaptBusy: false,
  testDrawing: [],
  classified: null,

  play() {
    if (get().phase !== 'ready') return;
    set({ running: true });
    port?.send({ kind: 'play' });
  },
  pause() {
    set({ running: false });
    port?.send({ kind: 'pause' });
    get().refreshTask();
    get().evaluate();
  },
  toggle() {
    if (get().running) get().pause();
    else get().play();
  },
  stepOnce() {
    if (get().running || get().phase !== 'ready') return;
    port?.send({ kind: 'step' });
    get().refreshTask();
  },
  reset() {
    set({
      running: false,
      replayTo: null,
      replayBreak: null,
      share: null,
      losses: [],
      lossVersion: get().lossVersion + 1,
      evalHistory: [],
      evaluation: null,
    });
    port?.send({ kind: 'reset' });
  },
  setBackendRequest(request) {
    const { step, replayBreak } = get();
    set({
      backendRequest: request,
      running: false,
      replayTo: null,
      phase: 'starting',
      backend: null,
      speed: null,
      share: null,
      // another backend rounds differently: a replay on one backend will not retrace both
      replayBreak: replayBreak ?? (step > 0 ? `the backend changed at meta-step ${step}` : null),
    });
    port?.configChanged(get().config, request);
    port?.send({ kind: 'backend', request });
  },
  setConfig(patch) {
    const { step, replayBreak } = get();
    const config = { ...get().config, ...patch, hidden: [...get().config.hidden] };
    // a shape change restarts at step 0 (the 'ready' clears this); a live change mid-run breaks replay
    set({
      config,
      share: null,
      replayBreak: replayBreak ?? (step > 0 ? `settings changed at meta-step ${step}` : null),
    });
    // the pad cannot ask for more classes than the network has outputs
    if (get().padWays > config.ways)
      get().setPadSize(Math.max(2, Math.min(config.ways, MAX_PAD_WAYS)), get().padShots);
    port?.configChanged(config, get().backendRequest);
    port?.send({ kind: 'config', config });
  },
  loadShipped() {
    const s = get().shipped;
    if (s.state !== 'available') return;
    set({ running: false, phase: 'starting', replayTo: null, share: null });
    port?.send({ kind: 'loadTheta', text: s.text, source: 'the shipped meta-trained θ' });
  },
  async copyShareLink() {
    const s = get();
    const notes: string[] = [];
    if (s.replayBreak) {
      notes.push(`Replaying from the start will not give this θ exactly: ${s.replayBreak}.`);
    }
    if (s.step > MAX_GLYPH_REPLAY_STEPS) {
      notes.push(`A glyph replay stops at meta-step ${MAX_GLYPH_REPLAY_STEPS}.`);
    }
    const url = shareUrl(window.location.href, s.config, s.backendRequest, s.step, null, s.start);
    set({ share: { url, step: s.step, copied: await copyToClipboard(url), notes } });
  },
  evaluate(tasks = QUICK_EVAL_TASKS) {
    set({ evalBusy: true });
    port?.send({ kind: 'evaluate', id: nextId++, tasks, steps: EVAL_STEPS });
  },
  newTask() {
    set({ taskCounter: get().taskCounter + 1 });
    get().refreshTask();
  },
  refreshTask() {
    const { taskCounter, viewSteps } = get();
    port?.send({ kind: 'showTask', id: nextId++, counter: taskCounter, steps: viewSteps });
  },
  setViewSteps(n) {
    set({ viewSteps: n, viewStep: Math.min(get().viewStep, n) });
    get().refreshTask();
  },
  setViewStep(n) {
    set({ viewStep: n });
  },
  setPadSize(ways, shots) {
    set({
      padWays: ways,
      padShots: shots,
      drawings: emptyDrawings(ways, shots, get().drawings),
      adaptStale: get().adapted !== null,
    });
  },
  setDrawing(cls, shot, d) {
    const drawings = get().drawings.map((row, c) =>
      c === cls ? row.map((x, i) => (i === shot ? d : x)) : row,
    );
    set({ drawings, adaptStale: get().adapted !== null });
  },
  setAdaptSteps(n) {
    set({ adaptSteps: n, adaptStale: get().adapted !== null });
  },
  adapt() {
    const s = get();
    if (!port || !drawingsComplete(s) || s.phase !== 'ready') return;
    const images = new Float32Array(s.padWays * s.padShots * 784);
    s.drawings.forEach((row, c) =>
      row.forEach((d, i) => images.set((port as GlyphPort).rasterize(d), (c * s.padShots + i) * 784)),
    );
    set({ adaptBusy: true });
    port.send({
      kind: 'adapt',
      id: nextId++,
      ways: s.padWays,
      shots: s.padShots,
      images,
      steps: s.adaptSteps,
    });
  },
  setTestDrawing(d) {
    set({ testDrawing: d });
    const a = get().adapted;
    if (d.length === 0) set({ classified: null });
    else if (a && port)
      port.send({ kind: 'classify', id: nextId++, adaptId: a.id, image: port.rasterize(d) });
  },
}));
