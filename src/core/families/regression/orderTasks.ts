import { Rng } from '../../random';
import type { BatchTensors } from '../../meta/learners';
import { batchTensors } from './evaluate';
import type { RegressionBatch, RegressionFamily } from './tasks';

/**
 * A fixed held-out batch of regression tasks for the comparison, from its own stream of the seed
 * (independent of the training and evaluation tasks), as plain arrays.
 */
export function orderCompareTasks(
  family: RegressionFamily,
  seed: number,
  tasks: number,
  support: number,
  query = support,
): RegressionBatch {
  return family.sampleBatch(Rng.stream(seed, 'order-compare'), tasks, support, query);
}

/** The same batch as tensors on the current backend (the caller disposes them). */
export function orderCompareBatch(
  family: RegressionFamily,
  seed: number,
  tasks: number,
  support: number,
  query = support,
): BatchTensors {
  return batchTensors(orderCompareTasks(family, seed, tasks, support, query));
}
