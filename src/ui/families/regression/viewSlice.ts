/**
 * The regression families' part of the page's store (sinusoids, function mixtures): the task view's
 * task and its fans, the live and full MSE evaluations, and the actions that change them, merged
 * into the page's store when the families are installed (regressionStore.ts types it).
 */
import { DEFAULT_EXPERIMENT, type Experiment } from '../../../core/experiment';
import type { BackendName, EvalCurveData, MethodName, ToWorker } from '../../../worker/protocol';
import type { RegressionRequest } from '../../../worker/families/regressionMessages';
import { send } from '../../shell/port';
import type { SliceHooks } from '../../shell/store';
import { useRegressionStore } from './regressionStore';
import { familyOf, sampleViewTask, withPoints, type TaskView } from './viewTask';
import type { Split } from '../../../core/families/regression/distribution';

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
  /** the curves on the test distribution, where the config's differs from meta-training's */
  test?: { range: string; curves: Record<MethodName, EvalCurveData> };
}

/** One live-evaluation result as a point on the learning curve: MSE after `inner` steps. */
export interface EvalPoint {
  step: number;
  inner: number;
  maml: number;
  pretrained: number;
}

export interface RegressionViewState {
  task: TaskView;
  fanSteps: number;
  predictions: Predictions | null;
  evaluation: Evaluation | null;
  evalHistory: EvalPoint[];
  /** the number of tasks of a full evaluation being computed, or null */
  evalBusy: number | null;
}

export interface RegressionViewActions {
  /** draw the next task of the seed from meta-training's (default) or the test distribution */
  newTask(split?: Split): void;
  addPoint(x: number, y: number): void;
  removePoint(index: number): void;
  setFanSteps(n: number): void;
  evaluateFull(): void;
}

export const FULL_EVAL_TASKS = 600;
export const LIVE_EVAL_TASKS = 100;

/** The task view's task as the worker's regression part wants it. */
export function viewTaskRequest(task: TaskView, steps: number): RegressionRequest {
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

/** A task as the worker wants it. */
export function viewTaskMessage(task: TaskView, steps: number): Extract<ToWorker, { kind: 'family' }> {
  return { kind: 'family', request: viewTaskRequest(task, steps) };
}

export function regressionViewSlice(): RegressionViewState & RegressionViewActions {
  const { getState: get, setState: set } = useRegressionStore;
  const show = (next: TaskView, fanSteps = get().fanSteps) => {
    set({ task: next, fanSteps });
    send(viewTaskMessage(next, fanSteps));
  };
  return {
    task: sampleViewTask(DEFAULT_EXPERIMENT, 0),
    fanSteps: 10,
    predictions: null,
    evaluation: null,
    evalHistory: [],
    evalBusy: null,

    newTask(split = 'train') {
      const { config, task } = get();
      show(sampleViewTask(config, task.counter + 1, config.k, split));
    },
    addPoint(x, y) {
      const { task } = get();
      show(withPoints(task, [...task.xs, x], [...task.ys, y]));
    },
    removePoint(index) {
      const { task } = get();
      const keep = (_: number, i: number) => i !== index;
      show(withPoints(task, task.xs.filter(keep), task.ys.filter(keep)));
    },
    setFanSteps(n) {
      const { task } = get();
      show(withPoints(task, task.xs, task.ys), n);
    },
    evaluateFull() {
      set({ evalBusy: FULL_EVAL_TASKS });
      send({ kind: 'evaluate', tasks: FULL_EVAL_TASKS });
    },
  };
}

/** The task view follows the seed, the family and K: same task (same stream), K points. */
export const regressionHooks: SliceHooks = {
  configChanged(prev: Experiment, config: Experiment) {
    const { getState: get, setState: set } = useRegressionStore;
    let task: TaskView | null = null;
    const shown = get().task;
    if (config.seed !== prev.seed || config.task !== prev.task || config.mix?.join() !== prev.mix?.join()) {
      task = sampleViewTask(config, 0);
    } else if (
      config.k !== prev.k ||
      familyOf(config, shown.split).range !== familyOf(prev, shown.split).range
    ) {
      task = sampleViewTask(config, shown.counter, config.k, shown.split);
    }
    if (task) {
      set({ task });
      send(viewTaskMessage(task, get().fanSteps));
    }
  },
};
