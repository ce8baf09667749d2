import type { ColumnRequest } from '../../core/data/csv/columns';
import type { ImportedTable } from '../../core/data/csv/importTable';
import type { ParseReply, ParseRequest } from './parseMessages';

/**
 * Reads a task file in a Web Worker of its own (the page never reads its bytes, so a large file
 * never blocks it);
 * `onProgress` gets the share read; `columns`, the user's choice of columns. The worker ends with the read. Rejects with the reader's reason.
 */
export function parseTaskFile(
  file: Blob,
  onProgress: (done: number) => void,
  columns?: ColumnRequest,
): Promise<{ table: ImportedTable; lines: string[] }> {
  const worker = new Worker(new URL('./parse.worker.ts', import.meta.url), {
    type: 'module',
    name: 'maml-import',
  });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<ParseReply>) => {
      const m = e.data;
      if (m.kind === 'progress') return onProgress(m.done);
      worker.terminate();
      if (m.kind === 'done') resolve({ table: m.table, lines: m.lines });
      else reject(new Error(m.message));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(e.message || 'the file could not be read'));
    };
    worker.postMessage({ file, ...(columns ? { columns } : {}) } satisfies ParseRequest);
  });
}
