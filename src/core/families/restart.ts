import type { Experiment } from '../schema';

/**
 * Why a change of settings needs a new run (a new network, or a new task stream), in words, or
 * null when the run can go on with θ kept. Shared by the page (which resets its readouts) and the
 * worker (which builds the new run), so the two always agree.
 */
export function restartReason(prev: Experiment, next: Experiment): string | null {
  if (next.task !== prev.task) return `task changed to ${next.task}`;
  if (next.seed !== prev.seed) return `seed changed to ${next.seed}`;
  if (next.hidden.join() !== prev.hidden.join()) return `hidden layers changed to ${next.hidden.join(',')}`;
  if (next.ways !== prev.ways || next.net !== prev.net || next.filters !== prev.filters) {
    return 'the network changed shape (ways, net or filters)';
  }
  if ((next.mix ?? []).join() !== (prev.mix ?? []).join()) {
    return `the mixture changed to ${(next.mix ?? []).join(', ')}`;
  }
  return null;
}
