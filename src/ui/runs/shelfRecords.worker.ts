/**
 * The saved runs' reader and writer (shelfRecords.ts): reads the saved runs from IndexedDB and their
 * files' summaries, writes whole records, and sends back the records without their files.
 */
import { answer, type ShelfReply, type ShelfRequest } from './shelfRecord';

self.onmessage = (e: MessageEvent<ShelfRequest>) => {
  const request = e.data;
  answer(request).then(
    (done) => self.postMessage({ id: request.id, ...done } satisfies ShelfReply),
    (err: unknown) =>
      self.postMessage({
        id: request.id,
        error: err instanceof Error ? err.message : String(err),
      } satisfies ShelfReply),
  );
};
