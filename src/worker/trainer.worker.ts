/**
 * The dedicated module worker that trains any task family: it only wires messages to the WorkerHost. Errors that
 * escape it reach the page as the worker's `error` event, which restarts training on the next
 * backend down.
 */
import { WorkerHost } from './host/host';
import { transferablesOf, type FromWorker, type ToWorker } from './protocol';

interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToWorker>) => void): void;
  addEventListener(type: 'unhandledrejection', listener: (e: PromiseRejectionEvent) => void): void;
}

const scope = self as unknown as WorkerScope;

const host = new WorkerHost((msg: FromWorker) => scope.postMessage(msg, transferablesOf(msg)));

scope.addEventListener('message', (e) => host.handle(e.data));
scope.addEventListener('unhandledrejection', (e) => {
  const reason: unknown = e.reason;
  scope.postMessage(
    { kind: 'error', fatal: true, message: reason instanceof Error ? reason.message : String(reason) },
    [],
  );
});
