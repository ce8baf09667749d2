import type { ColumnRequest } from '../../core/data/csv/columns';
import type { ImportedTable } from '../../core/data/csv/importTable';

/** The page asks the parsing worker to read one task file. */
export interface ParseRequest {
  /** the file as the page has it (a Blob is passed by reference: the page never reads its bytes) */
  file: Blob;
  /** the columns the user chose (the reader's own choice without) */
  columns?: ColumnRequest;
}

/** Progress while reading (share of the bytes), then the table or the reason it cannot be used. */
export type ParseReply =
  | { kind: 'progress'; done: number }
  | { kind: 'done'; table: ImportedTable; lines: string[] }
  | { kind: 'error'; message: string };
