/**
 * Decoded image classes moved from the thread that decoded them straight to the thread that
 * trains on them, over a message port (a MessageChannel's end, given to each side), so that no
 * thread between them ever holds the pixels. The sender posts the classes in packed batches (their
 * buffers moved) and then the rest of the set; the receiver puts the set together, checks it like
 * any handed-over set, and acknowledges, after which the sender may end.
 */
import { classBatches, classSetTransfer, isClassImageSet, packedBatch } from './handOver';
import type { ClassImageSet, ImageClass } from './importer';
import { ImportError } from './limits';

/** One message of a hand-over: a batch of classes, the set without its classes, or the sender's fault. */
export type ClassSetMessage =
  | { kind: 'classes'; classes: ImageClass[] }
  | { kind: 'end'; rest: Omit<ClassImageSet, 'classes'> }
  | { kind: 'fault'; message: string };

/** The receiver's answer once it holds the whole set. */
export interface ClassSetReceived {
  kind: 'received';
}

/** What both ends need of a message port (the browser's and Node's both have it). */
export interface ClassSetPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  close(): void;
}

/** A set ready to send: its classes in packed batches (packedBatch), and the rest of it. */
export interface PackedClassSet {
  batches: ImageClass[][];
  rest: Omit<ClassImageSet, 'classes'>;
}

/** `set` packed for sending: its classes copied into batches of one buffer each. */
export function packedClassSet(set: ClassImageSet): PackedClassSet {
  const { classes, ...rest } = set;
  return { batches: classBatches(classes).map(packedBatch), rest };
}

/** Whether `v` looks like a message port (what a family's adoptTaskData may be handed). */
export function isClassSetPort(v: unknown): v is ClassSetPort {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<ClassSetPort>;
  return typeof p.postMessage === 'function' && typeof p.close === 'function' && 'onmessage' in p;
}

/**
 * Sends a packed set over `port`: a batch a message, then the rest. Resolves when the receiver
 * has the whole set (the port is closed then); the batches are unusable here after.
 */
export function sendClassSet({ batches, rest }: PackedClassSet, port: ClassSetPort): Promise<void> {
  const received = new Promise<void>((resolve) => {
    port.onmessage = () => {
      port.close();
      resolve();
    };
  });
  for (const batch of batches) {
    const message: ClassSetMessage = { kind: 'classes', classes: batch };
    port.postMessage(message, classSetTransfer({ classes: batch }));
  }
  const end: ClassSetMessage = { kind: 'end', rest };
  port.postMessage(end);
  return received;
}

/** Says over `port` why no set comes, and closes it. */
export function refuseClassSet(port: ClassSetPort, message: string): void {
  const fault: ClassSetMessage = { kind: 'fault', message };
  port.postMessage(fault);
  port.close();
}

/** How long a receiver waits for the next message before it gives up (ms). */
export const CLASS_SET_IDLE_MS = 60_000;

/**
 * The set sent over `port`, put together and checked (isClassImageSet). Rejects with an
 * ImportError, one line, when the sender reports a fault, sends something else, or is silent
 * for `idleMs` (the port is closed then).
 */
export function receiveClassSet(port: ClassSetPort, idleMs = CLASS_SET_IDLE_MS): Promise<ClassImageSet> {
  return new Promise((resolve, reject) => {
    const classes: ImageClass[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: () => void) => {
      clearTimeout(timer);
      port.onmessage = null;
      outcome();
    };
    const fail = (why: string) =>
      finish(() => {
        port.close();
        reject(new ImportError(why));
      });
    const wait = () => {
      clearTimeout(timer);
      timer = setTimeout(() => fail('the decoded classes stopped arriving'), idleMs);
    };
    port.onmessage = (e: MessageEvent) => {
      const m = e.data as Partial<ClassSetMessage> | null;
      if (m?.kind === 'classes' && Array.isArray(m.classes)) {
        for (const c of m.classes as ImageClass[]) classes.push(c);
        return wait();
      }
      if (m?.kind === 'fault') return fail(String(m.message));
      if (m?.kind !== 'end' || typeof m.rest !== 'object' || m.rest === null)
        return fail('the decoded classes handed over are not whole');
      const set: unknown = { ...m.rest, classes };
      if (!isClassImageSet(set)) return fail('the decoded classes handed over are not whole');
      finish(() => {
        const received: ClassSetReceived = { kind: 'received' };
        // the sender closes the port when it has this answer
        port.postMessage(received);
        resolve(set);
      });
    };
    wait();
  });
}
