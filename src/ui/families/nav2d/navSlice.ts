/**
 * The navigation page's part of the store: the arena's goal and its latest adaptation (one goal's
 * trajectories before and after one inner step, per initialisation), the held-out returns after
 * 0..3 inner steps and their history over meta-training. Requests go to the worker through the
 * port as the family's `family` requests; replies come back through the session part.
 */
import { clampGoal } from '../../../core/families/nav2d/arena';
import type { Nav2dReply } from '../../../worker/families/nav2dMessages';
import type { MethodName } from '../../../worker/protocol';
import { send } from '../../shell/port';
import type { SliceHooks } from '../../shell/store';
import type { HistoryPoint } from '../../shell/evalView';
import { useNavStore } from './navStore';

export type ArenaReply = Extract<Nav2dReply, { kind: 'navArena' }>;
export type ReturnsReply = Extract<Nav2dReply, { kind: 'navReturns' }>;

export interface NavState {
  /** the arena's goal, and the page's note when a placed goal had to be clamped */
  goal: [number, number];
  goalNote: string | null;
  arena: ArenaReply | null;
  /** the id of the arena request the page waits for (null: none) */
  arenaPending: number | null;
  returns: ReturnsReply | null;
  returnsBusy: boolean;
  /** the held-out return after one inner step at each evaluated meta-step */
  returnHistory: HistoryPoint[];
}

export interface NavActions {
  placeGoal(x: number, y: number): void;
  refreshArena(): void;
  evaluateReturns(tasks?: number): void;
}

/** the first goal shown (a corner the random policy rarely reaches) */
export const FIRST_GOAL: [number, number] = [0.3, -0.25];
/** held-out goals of the page's evaluation (the CLI's default is 40) */
export const QUICK_EVAL_TASKS = 10;
export const EVAL_STEPS = 3;

let nextId = 1;

export function initialNavState(): NavState {
  return {
    goal: [...FIRST_GOAL],
    goalNote: null,
    arena: null,
    arenaPending: null,
    returns: null,
    returnsBusy: false,
    returnHistory: [],
  };
}

/** The one-line note of a placed goal: where it went, and that it was clamped when it was. */
export function goalNote(x: number, y: number): { goal: [number, number]; note: string | null } {
  const { goal, clamped } = clampGoal(x, y);
  const at = `(${goal[0].toFixed(2)}, ${goal[1].toFixed(2)})`;
  return {
    goal,
    note: clamped ? `The goal was clamped to the arena [−0.5, 0.5]²: it is at ${at}.` : null,
  };
}

export function navSlice(): NavState & NavActions {
  const { getState: get, setState: set } = useNavStore;
  return {
    ...initialNavState(),
    placeGoal(x, y) {
      const { goal, note } = goalNote(x, y);
      set({ goal, goalNote: note });
      get().refreshArena();
    },
    refreshArena() {
      const id = nextId++;
      set({ arenaPending: id });
      send({ kind: 'family', request: { kind: 'navArena', id, goal: [...get().goal] } });
    },
    evaluateReturns(tasks = QUICK_EVAL_TASKS) {
      set({ returnsBusy: true });
      send({ kind: 'evaluate', id: nextId++, tasks, steps: EVAL_STEPS });
    },
  };
}

/** The history point of a returns reply: each initialisation's return after one inner step. */
export function historyPoint(r: ReturnsReply): HistoryPoint {
  const p: HistoryPoint = { step: r.step };
  for (const [m, c] of Object.entries(r.curves) as [MethodName, { values: number[] }][]) {
    const v = c.values[1] ?? c.values[0];
    if (v !== undefined) p[m] = v;
  }
  return p;
}

const get = () => useNavStore.getState();

export const navHooks: SliceHooks = {
  /** paused, a settings change (α, trajectories) shows at once in the arena */
  configChanged() {
    if (!get().running) get().refreshArena();
  },
  paused() {
    get().refreshArena();
    get().evaluateReturns();
  },
  stepped() {
    get().refreshArena();
  },
};
