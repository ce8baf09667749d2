/**
 * The walk-through's part of the page's store: which phase of one meta-step is shown, the worker's
 * walk of the next step, and the update. Opening pauses training and asks the worker for the next
 * meta-step's phases (the run is not changed); reaching the last phase takes a plain Step (the
 * host's ordinary single step), so the walk ends at exactly the θ a Step gives, and then asks how
 * far θ moved. Playing, or changing a setting, ends or recomputes it.
 */
import type { WalkReply, WalkReport } from '../../worker/families/metaStepMessages';
import { send } from './port';
import type { GetStore, SetStore } from './store';

/** the phases, in order: sample tasks, inner loop, query loss, meta-gradient, update */
export const WALK_PHASE_COUNT = 5;
/** tasks shown in detail */
export const WALK_SHOWN = 6;

export interface WalkUpdate {
  step: number;
  move: [number, number];
  moveNorm: number;
}

export interface Walk {
  id: number;
  /** 0..4 */
  phase: number;
  /** the worker's walk of the next step (null while it is computed) */
  report: WalkReport | null;
  /** the update, once taken: θ's move in the walk's plane */
  update: WalkUpdate | null;
  /** the update was asked for and its move is not back yet */
  updating: boolean;
  error: string | null;
}

export interface WalkState {
  walk: Walk | null;
}

export interface WalkActions {
  /** pause and walk through the next meta-step, starting at `phase` (0-based) */
  openWalk(phase?: number): void;
  walkTo(phase: number): void;
  closeWalk(): void;
  /** the settings changed: the walk shown is no longer the next step's, compute it again */
  refreshWalk(): void;
  /** a worker reply for the walk */
  walkReply(reply: WalkReply): void;
}

let walkId = 1;

export function clampPhase(p: number): number {
  return Math.max(0, Math.min(WALK_PHASE_COUNT - 1, Math.floor(Number.isFinite(p) ? p : 0)));
}

export function walkSlice(set: SetStore, get: GetStore): WalkState & WalkActions {
  /** a new walk of the next meta-step, shown at `phase` when it arrives */
  const start = (phase: number) => {
    const id = walkId++;
    set({ walk: { id, phase: clampPhase(phase), report: null, update: null, updating: false, error: null } });
    send({ kind: 'family', request: { kind: 'walk', id, shown: WALK_SHOWN } });
  };
  return {
    walk: null,
    openWalk(phase = 0) {
      const s = get();
      if (s.phase !== 'ready') return;
      if (s.running) s.pause();
      // the update phase is reached by stepping through, never opened directly (it takes a step)
      start(Math.min(clampPhase(phase), WALK_PHASE_COUNT - 2));
    },
    walkTo(phase) {
      const w = get().walk;
      if (!w || !w.report) return;
      const p = clampPhase(phase);
      if (p === w.phase) return;
      const last = WALK_PHASE_COUNT - 1;
      if (p === last && w.report && !w.update && !w.updating) {
        // the update is a plain Step: the same code, so exactly the θ a Step gives
        set({ walk: { ...w, phase: p, updating: true } });
        get().stepOnce();
        send({ kind: 'family', request: { kind: 'walkUpdate', id: w.id, step: w.report.step + 1 } });
        return;
      }
      set({ walk: { ...w, phase: p } });
    },
    closeWalk() {
      if (!get().walk) return;
      set({ walk: null });
      send({ kind: 'family', request: { kind: 'walkCancel' } });
    },
    refreshWalk() {
      const w = get().walk;
      if (!w) return;
      if (w.update || w.updating) return; // the step was taken with the settings of its time
      start(w.phase);
    },
    walkReply(reply) {
      const w = get().walk;
      if (!w) return;
      if (reply.kind === 'walk') {
        if (reply.walk.id === w.id) set({ walk: { ...w, report: reply.walk, error: null } });
      } else if (reply.kind === 'walkFailed') {
        if (reply.id === w.id) set({ walk: { ...w, error: reply.reason } });
      } else if (reply.id === w.id) {
        const { step, move, moveNorm } = reply;
        set({ walk: { ...w, update: { step, move, moveNorm }, updating: false } });
      }
    },
  };
}
