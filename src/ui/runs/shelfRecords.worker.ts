/**
 * The runs shelf's reader (shelfRecords.ts): reads the saved runs from IndexedDB and their files'
 * summaries, and sends back the records without their files.
 */
import { answer, type ShelfReply, type ShelfRequest } from './shelfRecord';

self.onmessage = (e: MessageEvent<ShelfRequest>) => {
  const request = e.data;
  answer(request).then(
    (records) => self.postMessage({ id: request.id, records } satisfies ShelfReply),
    (err: unknown) =>
      self.postMessage({
        id: request.id,
        error: err instanceof Error ? err.message : String(err),
      } satisfies ShelfReply),
  );
};
