/**
 * The task shown in the task view, sampled on the page (the core's task families are plain
 * TypeScript, so no tfjs is needed here). Each "New task" press takes the next named random
 * stream of the seed, so the sequence of tasks is reproducible.
 */
import { mlpParameterCount, type Experiment } from '../../../core/experiment';
import type { RegressionFamily } from '../../../core/families/regression/tasks';
import { Rng } from '../../../core/random';

const samplers = new Map<string, (config: Experiment) => RegressionFamily>();

/** A regression family's task sampler, given by its page family (regressionFamily). */
export function registerSampler(task: string, tasksFor: (config: Experiment) => RegressionFamily): void {
  samplers.set(task, tasksFor);
}

/** The task sampler of a regression config, without importing the tfjs-based run module into the page. */
export function familyOf(config: Experiment): RegressionFamily {
  const tasksFor = samplers.get(config.task);
  if (!tasksFor)
    throw new Error(`${config.task} tasks are shown by their own views, not the regression views`);
  return tasksFor(config);
}

/** The y range the task view shows: the family's largest |y| plus a margin for clicks. */
export function yRangeOf(config: Experiment): [number, number] {
  const a = familyOf(config).yBound * 1.2;
  return [-a, a];
}

export interface TaskView {
  /** changes whenever the support set or the task changes (predictions carry it back) */
  id: number;
  /** which "New task" press this is */
  counter: number;
  params: Float32Array;
  xs: number[];
  ys: number[];
  description: string;
}

let nextId = 1;

export function sampleViewTask(config: Experiment, counter: number, k = config.k): TaskView {
  const family = familyOf(config);
  const rng = Rng.stream(config.seed, `view-task-${counter}`);
  const b = family.sampleBatch(rng, 1, k, 0);
  return {
    id: nextId++,
    counter,
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
