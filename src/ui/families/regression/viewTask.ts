/**
 * The task shown in the task view, sampled on the page (the core's task families are plain
 * TypeScript, so no tfjs is needed here). Each "New task" press takes the next named random
 * stream of the seed, so the sequence of tasks is reproducible.
 */
import { mlpParameterCount, type Experiment } from '../../../core/experiment';
import type { RegressionFamily } from '../../../core/families/regression/tasks';
import type { Split } from '../../../core/families/regression/distribution';
import { Rng } from '../../../core/random';

export type TasksFor = (config: Experiment, split?: Split) => RegressionFamily;

const samplers = new Map<string, TasksFor>();

/** A regression family's task sampler, given by its page family (regressionFamily). */
export function registerSampler(task: string, tasksFor: TasksFor): void {
  samplers.set(task, tasksFor);
}

/**
 * The task sampler of a regression config's meta-training (default) or test distribution, without
 * importing the tfjs-based run module into the page.
 */
export function familyOf(config: Experiment, split: Split = 'train'): RegressionFamily {
  const tasksFor = samplers.get(config.task);
  if (!tasksFor)
    throw new Error(`${config.task} tasks are shown by their own views, not the regression views`);
  return tasksFor(config, split);
}

/** The y range the task view shows: the largest |y| of either distribution plus a margin for clicks. */
export function yRangeOf(config: Experiment): [number, number] {
  const a = Math.max(familyOf(config).yBound, familyOf(config, 'test').yBound) * 1.2;
  return [-a, a];
}

export interface TaskView {
  /** changes whenever the support set or the task changes (predictions carry it back) */
  id: number;
  /** which "New task" press this is */
  counter: number;
  /** the distribution it is drawn from */
  split: Split;
  params: Float32Array;
  xs: number[];
  ys: number[];
  description: string;
}

let nextId = 1;

/** The view's task of a "New task" press: meta-training's tasks stream `view-task-N`, test tasks `view-test-task-N`. */
export function sampleViewTask(
  config: Experiment,
  counter: number,
  k = config.k,
  split: Split = 'train',
): TaskView {
  const family = familyOf(config, split);
  const rng = Rng.stream(config.seed, `view-${split === 'test' ? 'test-' : ''}task-${counter}`);
  const b = family.sampleBatch(rng, 1, k, 0);
  return {
    id: nextId++,
    counter,
    split,
    params: b.taskParams,
    xs: Array.from(b.xs),
    ys: Array.from(b.ys),
    description: family.describe(b.taskParams, 0),
  };
}

export function withPoints(task: TaskView, xs: number[], ys: number[]): TaskView {
  return { ...task, id: nextId++, xs, ys };
}

/** Number of parameters of the MLP for a config (input, hidden..., output; weights and biases). */
export const parameterCount = mlpParameterCount;
