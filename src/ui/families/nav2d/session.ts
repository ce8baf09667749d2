/**
 * The navigation page's part of the session: the arena's first adaptation and a held-out
 * evaluation once the worker is ready, the arena and the returns again now and then while
 * training (each costs about a meta-iteration, so not every step), and the family's replies
 * turned into store updates.
 */
import type { FamilyReply, FromWorker } from '../../../worker/protocol';
import type { SessionPart } from '../../shell/family';
import { metaStepReady, metaStepReply, metaStepRewind } from '../../shell/metaStep';
import { historyPoint } from './navSlice';
import { useNavStore } from './navStore';

const store = useNavStore;
/** while training: the arena follows θ every this many meta-steps, the returns less often */
export const ARENA_EVERY = 3;
export const RETURNS_EVERY = 10;

/** Whether a periodic request is due: `every` steps after the last one, none still pending. */
export function due(step: number, last: number | null, every: number, pending: boolean): boolean {
  return !pending && (last === null || step >= last + every);
}

class NavSession implements SessionPart {
  init() {
    return { view: null, evalTasks: 0 };
  }

  ready(msg: Extract<FromWorker, { kind: 'ready' }>): void {
    metaStepReady(msg);
    if (!msg.resumed) store.setState({ returns: null, returnHistory: [], arena: null });
    const s = store.getState();
    s.refreshArena();
    s.evaluateReturns();
  }

  progress(msg: Extract<FromWorker, { kind: 'progress' }>): void {
    if (!msg.running) return;
    const s = store.getState();
    if (due(msg.step, s.arena?.step ?? null, ARENA_EVERY, s.arenaPending !== null)) s.refreshArena();
    if (due(msg.step, s.returns?.step ?? null, RETURNS_EVERY, s.returnsBusy)) s.evaluateReturns();
  }

  replayDone(): void {
    const s = store.getState();
    s.refreshArena();
    s.evaluateReturns();
  }

  reply(reply: FamilyReply): void {
    if (metaStepReply(reply)) return;
    const s = store.getState();
    if (reply.kind === 'navArena') {
      // (an older goal's answer is dropped: the page waits for its latest request)
      if (reply.id === s.arenaPending) store.setState({ arena: reply, arenaPending: null });
    } else if (reply.kind === 'navReturns') {
      const history = s.returnHistory.filter((p) => p.step !== reply.step);
      history.push(historyPoint(reply));
      history.sort((a, b) => a.step - b.step);
      store.setState({ returns: reply, returnsBusy: false, returnHistory: history });
    }
  }

  rewind(step: number, fresh: boolean): void {
    const s = store.getState();
    metaStepRewind(step);
    store.setState({ returnHistory: fresh ? [] : s.returnHistory.filter((p) => p.step <= step) });
  }

  error(): void {
    store.setState({ arenaPending: null, returnsBusy: false });
  }
}

export const navSession = new NavSession();
