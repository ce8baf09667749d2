/**
 * What the host's scheduling loop (host.ts) and the run keeper (runKeeper.ts) share: the page's
 * lifecycle requests, the clock, yielding to queued messages, and the loop's state between training
 * chunks.
 */
import type { Experiment } from '../../core/experiment';
import type { BackendRequest, EngineRequest, FromWorker, Snapshot } from '../protocol';

export type Post = (msg: FromWorker) => void;
export type Lifecycle =
  | { kind: 'reset' }
  | { kind: 'config'; config: Experiment }
  | { kind: 'backend'; request: BackendRequest; engine?: EngineRequest }
  | { kind: 'loadTheta'; text: string; source: string }
  | { kind: 'openRun'; text: string; source: string };

export const now = () => performance.now();

/** Yields to the event loop so queued messages are handled (a macrotask, without timer clamping). */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/**
 * What the page asked of training and what the loop keeps between chunks, shared by the host's
 * loop (host.ts) and the run's transitions here: one object both hold, no inherited fields.
 */
export class LoopState {
  running = false;
  stepRequests = 0;
  replayTo: number | null = null;
  /** auto mode: when to race the backends (null: no race due) */
  raceAt: number | null = null;
  /**
   * while training, the race waits until a progress report has posted a step above this one (the
   * first training chunk's), so it never holds the first step; null: it need not wait
   */
  raceAfterStep: number | null = null;
  /** the last θ snapshot with finite values (divergence restores it) */
  lastGood: Snapshot | null = null;
  snapshotDue = false;
}
