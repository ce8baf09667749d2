import type { ClassImageSet } from '../../../core/data/images/importer';
import type { ConversionSample } from '../../../core/data/images/preview';
import type { GroupCount, SplitCounts } from '../../../core/data/images/summary';
import type { SplitProtocol } from '../../../core/data/images/layout';

/** A dropped folder's file: its path under the dropped folder and the file (read in the worker). */
export interface FolderFile {
  path: string;
  file: Blob;
}

/** The page asks the image worker to import a zip or a dropped folder's files. */
export type ImageImportRequest = { kind: 'zip'; file: Blob } | { kind: 'folder'; files: FolderFile[] };

/**
 * After the import: send the decoded classes over `port` (its other end is the training
 * worker's; portHandOver.ts), then end.
 */
export interface ImageHandOverRequest {
  kind: 'handOver';
  port: MessagePort;
}

/** What an image import gives the page: the data as one zip, and what to show of it. */
export interface ImportedImages {
  /** the data as one zip (the zip given, or the folder's files stored in one): kept, trained on, embedded */
  archive: Blob;
  /** SHA-256 of the images' paths and bytes (the same for a folder and its zip) */
  hash: string;
  classes: number;
  images: number;
  protocol: SplitProtocol;
  rotations: boolean;
  /** what was read, one line each (the split, what was skipped) */
  lines: string[];
  groups: { train: GroupCount[]; test: GroupCount[] };
  counts: SplitCounts;
  /** a few originals with their 28×28 conversions */
  samples: ConversionSample[];
}

/**
 * The import as the worker makes it: what the page shows, and every class decoded (`decoded`,
 * which stays in the worker until it is moved to the training worker, so no image is decoded
 * twice and the page never holds the pixels).
 */
export type DecodedImages = ImportedImages & { decoded: ClassImageSet };

/** Progress while reading files and decoding images, then the import (the page's part) or its one-line fault. */
export type ImageImportReply =
  | { kind: 'progress'; phase: 'reading' | 'decoding'; done: number; total: number }
  | { kind: 'done'; result: ImportedImages }
  | { kind: 'error'; message: string };
