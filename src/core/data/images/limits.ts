/**
 * What an image import may cost, checked before the work is done: a tab (or the CLI) must not be
 * made to unpack or decode more than it can hold because a file says so. Omniglot's two archives
 * (32,460 images of 105×105, 9 MB zipped) sit far inside every cap.
 */
import { InputError } from '../../inputError';

export const IMPORT_LIMITS = {
  /** image files read from one import */
  files: 100_000,
  /** bytes all files may unpack to (zip entries' declared sizes, checked before inflating) */
  totalBytes: 1024 * 2 ** 20,
  /** widest and tallest image decoded (read from the header before decoding) */
  side: 4096,
  /** pixels of one image decoded */
  pixels: 4096 * 4096,
} as const;

/** A fault of the imported data, said in one line for the person who chose the file. */
export class ImportError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}
