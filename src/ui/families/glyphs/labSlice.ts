/**
 * The glyph lab's part of the page's store: the shipped θ, where the run started, the held-out
 * accuracy evaluations, the task view (a held-out task's predictions after each inner step) and the
 * drawing pad, merged into the page's store when the families are installed (labStore.ts types
 * it). The lab's requests go to the one worker through the port as the glyph family's `family`
 * requests.
 */
import type { Point } from '../../../core/families/glyphs/data/strokes';
import { rasterizeDrawing } from '../../../core/families/glyphs/data/rasterize';
import type {
  AccuracyCurveData,
  GlyphAdaptedReply,
  GlyphClassifiedReply,
  GlyphEvalReply,
  GlyphMethod,
  GlyphTaskReply,
} from '../../../worker/families/glyphMessages';
import { send } from '../../shell/port';
import type { SliceHooks } from '../../shell/store';
import { useLabStore } from './labStore';

export type Drawing = Point[][];

/** Where a glyph run starts: the shipped meta-trained θ or the seed's random θ (a link's `from=`). */
export type GlyphStart = 'shipped' | 'random';

export interface GlyphEvaluation extends Omit<GlyphEvalReply, 'kind' | 'id'> {
  curves: Record<GlyphMethod, AccuracyCurveData>;
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

export interface GlyphLabState {
  shipped: ShippedTheta;
  /** where this run started (part of the share link) */
  start: GlyphStart;
  glyphEval: GlyphEvaluation | null;
  accuracyHistory: AccuracyPoint[];
  glyphEvalBusy: boolean;
  /** the task view: which task, inner steps computed, and the step the slider shows */
  taskCounter: number;
  viewSteps: number;
  viewStep: number;
  glyphTask: GlyphTaskReply | null;
  /** drawing pad: classes × drawings, each drawing a list of strokes */
  padWays: number;
  padShots: number;
  drawings: Drawing[][];
  adaptSteps: number;
  adapted: GlyphAdaptedReply | null;
  /** the drawings changed since the last adaptation */
  adaptStale: boolean;
  adaptBusy: boolean;
  testDrawing: Drawing;
  classified: GlyphClassifiedReply | null;
}

export interface GlyphLabActions {
  loadShipped(): void;
  evaluateGlyphs(tasks?: number): void;
  newGlyphTask(): void;
  refreshGlyphTask(): void;
  setViewSteps(n: number): void;
  setViewStep(n: number): void;
  setPadSize(ways: number, shots: number): void;
  setDrawing(cls: number, shot: number, d: Drawing): void;
  setAdaptSteps(n: number): void;
  adapt(): void;
  setTestDrawing(d: Drawing): void;
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

let nextId = 1;

function emptyDrawings(ways: number, shots: number, old: Drawing[][] = []): Drawing[][] {
  return Array.from({ length: ways }, (_, c) => Array.from({ length: shots }, (_, i) => old[c]?.[i] ?? []));
}

export function drawingsComplete(s: Pick<GlyphLabState, 'drawings'>): boolean {
  return s.drawings.every((row) => row.every((d) => d.length > 0));
}

/** The lab's state as a page opens: no shipped θ looked for yet, a 3 × 2 drawing pad. */
function initialLabState(): GlyphLabState {
  return {
    shipped: { state: 'checking' },
    start: 'random',
    glyphEval: null,
    accuracyHistory: [],
    glyphEvalBusy: false,
    taskCounter: 0,
    viewSteps: 5,
    viewStep: 1,
    glyphTask: null,
    padWays: 3,
    padShots: 2,
    drawings: emptyDrawings(3, 2),
    adaptSteps: 5,
    adapted: null,
    adaptStale: false,
    adaptBusy: false,
    testDrawing: [],
    classified: null,
  };
}

export function glyphLabSlice(): GlyphLabState & GlyphLabActions {
  const { getState: get, setState: set } = useLabStore;
  return {
    ...initialLabState(),
    loadShipped() {
      const s = get().shipped;
      if (s.state !== 'available') return;
      set({ running: false, phase: 'starting', replay: null, share: null });
      send({ kind: 'loadTheta', text: s.text, source: 'the shipped meta-trained θ' });
    },
    evaluateGlyphs(tasks = QUICK_EVAL_TASKS) {
      set({ glyphEvalBusy: true });
      send({ kind: 'evaluate', id: nextId++, tasks, steps: EVAL_STEPS });
    },
    newGlyphTask() {
      set({ taskCounter: get().taskCounter + 1 });
      get().refreshGlyphTask();
    },
    refreshGlyphTask() {
      const { taskCounter, viewSteps } = get();
      send({
        kind: 'family',
        request: { kind: 'showTask', id: nextId++, counter: taskCounter, steps: viewSteps },
      });
    },
    setViewSteps(n) {
      set({ viewSteps: n, viewStep: Math.min(get().viewStep, n) });
      get().refreshGlyphTask();
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
      if (!drawingsComplete(s) || s.phase !== 'ready') return;
      const images = new Float32Array(s.padWays * s.padShots * 784);
      s.drawings.forEach((row, c) =>
        row.forEach((d, i) => images.set(rasterizeDrawing(d), (c * s.padShots + i) * 784)),
      );
      set({ adaptBusy: true });
      const request = { kind: 'adapt' as const, id: nextId++, ways: s.padWays, shots: s.padShots, images };
      send({ kind: 'family', request: { ...request, steps: s.adaptSteps } });
    },
    setTestDrawing(d) {
      set({ testDrawing: d });
      const a = get().adapted;
      if (d.length === 0) set({ classified: null });
      else if (a) {
        const request = {
          kind: 'classify' as const,
          id: nextId++,
          adaptId: a.id,
          image: rasterizeDrawing(d),
        };
        send({ kind: 'family', request });
      }
    },
  };
}

const get = () => useLabStore.getState();

export const glyphHooks: SliceHooks = {
  configChanged() {
    // the pad cannot ask for more classes than the network has outputs
    const { padWays, padShots, config } = get();
    if (padWays > config.ways) get().setPadSize(Math.max(2, Math.min(config.ways, MAX_PAD_WAYS)), padShots);
  },
  paused() {
    get().refreshGlyphTask();
    get().evaluateGlyphs();
  },
  stepped() {
    get().refreshGlyphTask();
  },
};
