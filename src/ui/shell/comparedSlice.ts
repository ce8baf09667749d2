/**
 * Saved runs ticked on the runs shelf for comparison: their learning and adaptation curves are
 * drawn in the page's charts beside the live run, each in its own colour. At most MAX_COMPARED,
 * and only runs of the page's family are drawn (another family measures something else).
 */
import { COMPARE_COLORS } from '../kit/palette';
import type { GetStore, SetStore } from './store';

export const MAX_COMPARED = COMPARE_COLORS.length;

/** A curve over steps (meta-steps, or inner steps for an adaptation curve). */
export interface ComparedCurve {
  steps: readonly number[];
  values: readonly number[];
}

export interface ComparedRun {
  /** the saved record's id */
  id: string;
  name: string;
  task: string;
  color: string;
  /** each step's meta-loss */
  loss: ComparedCurve | null;
  /** MAML θ's held-out evaluations over meta-training (the family's metric) */
  evals: ComparedCurve | null;
  /** the latest evaluation of MAML θ after 0..n inner steps */
  adapt: ComparedCurve | null;
}

export interface ComparedState {
  compared: ComparedRun[];
  /** the saved record the page's own run saves to (the shelf marks it), or null */
  liveRunId: string | null;
}

export interface ComparedActions {
  /** Draw a saved run's curves (again, when it is drawn already); returns why not, or null. */
  compareRun(run: Omit<ComparedRun, 'color'>): string | null;
  uncompareRun(id: string): void;
}

/** The compared runs the charts draw for a page of family `task`. */
export function comparedOf(compared: readonly ComparedRun[], task: string): readonly ComparedRun[] {
  return compared.every((r) => r.task === task) ? compared : compared.filter((r) => r.task === task);
}

export function comparedSlice(set: SetStore, get: GetStore): ComparedState & ComparedActions {
  return {
    compared: [],
    liveRunId: null,
    compareRun(run) {
      const list = get().compared;
      const same = list.find((r) => r.id === run.id);
      if (same) {
        set({ compared: list.map((r) => (r.id === run.id ? { ...run, color: same.color } : r)) });
        return null;
      }
      if (list.length >= MAX_COMPARED) {
        return `At most ${MAX_COMPARED} runs are compared at once: untick one first.`;
      }
      const color = COMPARE_COLORS.find((c) => !list.some((r) => r.color === c)) ?? COMPARE_COLORS[0];
      set({ compared: [...list, { ...run, color }] });
      return null;
    },
    uncompareRun(id) {
      set({ compared: get().compared.filter((r) => r.id !== id) });
    },
  };
}
