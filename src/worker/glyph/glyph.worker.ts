/**
 * The glyph lab's dedicated module worker: it only wires messages to the GlyphHost. Errors that
 * escape reach the page as the worker's `error` event.
 */
import { GlyphHost } from './glyphHost';
import { glyphTransferables, type FromGlyphWorker, type ToGlyphWorker } from './glyphProtocol';

interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToGlyphWorker>) => void): void;
  addEventListener(type: 'unhandledrejection', listener: (e: PromiseRejectionEvent) => void): void;
}

const scope = self as unknown as WorkerScope;

const host = new GlyphHost((msg: FromGlyphWorker) => scope.postMessage(msg, glyphTransferables(msg)));

scope.addEventListener('message', (e) => host.handle(e.data));
scope.addEventListener('unhandledrejection', (e) => {
  const reason: unknown = e.reason;
  scope.postMessage(
    { kind: 'error', fatal: true, message: reason instanceof Error ? reason.message : String(reason) },
    [],
  );
});
