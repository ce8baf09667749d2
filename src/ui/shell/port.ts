/**
 * The store's line to the worker: the session installs itself here, and the store's actions (the
 * shared ones and each family's slice) send through it. A module of its own so the family slices
 * need not import the store they are part of.
 */
import type { BackendRequest, Snapshot, ToWorker } from '../../worker/protocol';

/** What the store needs from the worker side. */
export interface TrainerPort {
  /** `transfer`: buffers the message moves to the worker (they are unusable here after) */
  send(msg: ToWorker, transfer?: Transferable[]): void;
  /** a fresh snapshot of θ from the worker */
  snapshot(): Promise<Snapshot>;
  /** continue the run on another backend (θ, the baselines, the step); the link records it */
  switchBackend(request: BackendRequest): void;
}

let port: TrainerPort | null = null;

export function installPort(p: TrainerPort | null): void {
  port = p;
}

export function getPort(): TrainerPort | null {
  return port;
}

export function send(msg: ToWorker): void {
  port?.send(msg);
}
