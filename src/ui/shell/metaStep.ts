/**
 * What every family's session part shares: the walk-through's replies and the first-order vs
 * second-order comparison go to their slices (ui/walk, ui/orders) the same way on every page.
 */
import type { FamilyReply, FromWorker } from '../../worker/protocol';
import { isMetaStepReply } from '../../worker/families/metaStepMessages';
import { ordersRewound, withOrders } from './ordersSlice';
import { useStore } from './store';

const store = useStore;

/** Handles a walk or comparison reply; false for any other. */
export function metaStepReply(reply: FamilyReply): boolean {
  if (!isMetaStepReply(reply)) return false;
  const s = store.getState();
  if (reply.kind === 'orders') store.setState(withOrders(s, reply));
  else s.walkReply(reply);
  return true;
}

/** A new worker or a new run: a walk shown was another run's next step (a run moved to another
 * backend or engine is the same run: its walk goes on). */
export function metaStepReady(msg: Extract<FromWorker, { kind: 'ready' }>): void {
  if (!msg.resumed) store.getState().closeWalk();
}

/** The run went back to `step`: the walk is over, later comparisons are dropped. */
export function metaStepRewind(step: number): void {
  const s = store.getState();
  s.closeWalk();
  store.setState(ordersRewound(s, step));
}
