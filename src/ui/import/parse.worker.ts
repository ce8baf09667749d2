/**
 * Reads a task file off the main thread: the streamed reader by chunks of 256 KB, a progress
 * message after each, then the table with what was read (or the reader's reason in one line).
 */
import { describeImport, importTable } from '../../core/data/csv/importTable';
import type { ParseReply, ParseRequest } from './parseMessages';

const reply = (m: ParseReply) => self.postMessage(m);

self.onmessage = (e: MessageEvent<ParseRequest>) => {
  e.data.file
    .arrayBuffer()
    .then((bytes) =>
      importTable(new Uint8Array(bytes), {
        chunkBytes: 1 << 18,
        ...(e.data.columns ? { columns: e.data.columns } : {}),
        onProgress: (done) => reply({ kind: 'progress', done }),
      }),
    )
    .then(
      (table) => reply({ kind: 'done', table, lines: describeImport(table) }),
      (err: unknown) => reply({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
};
