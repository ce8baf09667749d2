import type { ClassImageSet, ImageClass } from '../../../core/data/images/importer';
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
  /** every class decoded: moved to the training worker when trained on, so no image is decoded twice */
  decoded: ClassImageSet;
}

/** The import as its last message carries it: the decoded set without its classes (sent before it). */
export type SentImages = Omit<ImportedImages, 'decoded'> & { decoded: Omit<ClassImageSet, 'classes'> };

/**
 * Progress while reading files and decoding images, then the import or its one-line fault. A
 * successful import sends the decoded classes first, in order, a batch a message (`classes`,
 * their buffers moved), then `done` with the rest.
 */
export type ImageImportReply =
  | { kind: 'progress'; phase: 'reading' | 'decoding'; done: number; total: number }
  | { kind: 'classes'; classes: ImageClass[] }
  | { kind: 'done'; result: SentImages }
  | { kind: 'error'; message: string };
