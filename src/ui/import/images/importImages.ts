import type { ImageClass } from '../../../core/data/images/importer';
import type { ImageImportReply, ImageImportRequest, ImportedImages } from './imageMessages';

/** A running image import: its result (or one-line fault), and how to stop it. */
export interface ImageImport {
  done: Promise<ImportedImages>;
  /** ends the worker at once; `done` rejects with "cancelled" */
  cancel(): void;
}

/**
 * Imports a zip or a dropped folder's files in a Web Worker of its own (the page never reads
 * their bytes), `onProgress` getting the phase and count; the decoded classes arrive in batches
 * (each message a short task here) and are put together when the import is done. The worker ends
 * with the import (in a task after its last message).
 */
export function importImages(
  request: ImageImportRequest,
  onProgress: (phase: 'reading' | 'decoding', done: number, total: number) => void,
): ImageImport {
  const worker = new Worker(new URL('./imageImport.worker.ts', import.meta.url), {
    type: 'module',
    name: 'maml-image-import',
  });
  let cancel = () => undefined as void;
  const done = new Promise<ImportedImages>((resolve, reject) => {
    cancel = () => {
      worker.terminate();
      reject(new Error('cancelled'));
    };
    const classes: ImageClass[] = [];
    worker.onmessage = (e: MessageEvent<ImageImportReply>) => {
      const m = e.data;
      if (m.kind === 'progress') return onProgress(m.phase, m.done, m.total);
      if (m.kind === 'classes') {
        for (const c of m.classes) classes.push(c);
        return;
      }
      // ended in a task of its own, after the page has taken the result
      setTimeout(() => worker.terminate(), 0);
      if (m.kind === 'done') resolve({ ...m.result, decoded: { ...m.result.decoded, classes } });
      else reject(new Error(m.message));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(e.message || 'the images could not be read'));
    };
    worker.postMessage(request);
  });
  return { done, cancel };
}
