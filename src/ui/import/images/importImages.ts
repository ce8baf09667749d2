import type {
  ImageHandOverRequest,
  ImageImportReply,
  ImageImportRequest,
  ImportedImages,
} from './imageMessages';

/** A running image import: its result (or one-line fault), and what becomes of its decoded classes. */
export interface ImageImport {
  /** what the page shows of the import; the decoded classes stay in the import's worker */
  done: Promise<ImportedImages>;
  /** ends the worker at once; `done` rejects with "cancelled" while the import is running */
  cancel(): void;
  /**
   * After `done`: the decoded classes go to whoever gets the returned port (the training
   * worker, its `read`), straight from the import's worker, which then ends.
   */
  handOver(): MessagePort;
  /** After `done`, when the classes will not be trained on: ends the worker. */
  dispose(): void;
}

/**
 * Imports a zip or a dropped folder's files in a Web Worker of its own (the page never reads
 * their bytes, nor holds the decoded pixels), `onProgress` getting the phase and count. The
 * worker lives on after the import, holding the decoded classes, until they are handed over
 * or the import is disposed of.
 */
export function importImages(
  request: ImageImportRequest,
  onProgress: (phase: 'reading' | 'decoding', done: number, total: number) => void,
): ImageImport {
  const worker = new Worker(new URL('./imageImport.worker.ts', import.meta.url), {
    type: 'module',
    name: 'maml-image-import',
  });
  const dispose = () => worker.terminate();
  let cancel = dispose;
  const done = new Promise<ImportedImages>((resolve, reject) => {
    cancel = () => {
      worker.terminate();
      reject(new Error('cancelled'));
    };
    worker.onmessage = (e: MessageEvent<ImageImportReply>) => {
      const m = e.data;
      if (m.kind === 'progress') return onProgress(m.phase, m.done, m.total);
      if (m.kind === 'done') return resolve(m.result);
      // ended in a task of its own, after the page has taken the fault
      setTimeout(dispose, 0);
      reject(new Error(m.message));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(e.message || 'the images could not be read'));
    };
    worker.postMessage(request);
  });
  const handOver = () => {
    const channel = new MessageChannel();
    const ask: ImageHandOverRequest = { kind: 'handOver', port: channel.port1 };
    worker.postMessage(ask, [channel.port1]);
    return channel.port2;
  };
  return { done, cancel: () => cancel(), handOver, dispose };
}
