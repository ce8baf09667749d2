import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { sha256Hex } from '../core/data/csv/importTable';
import { filesOfZip, importImageClasses, type ClassImageSet } from '../core/data/images/importer';
import { setLoadedImageClasses } from '../core/data/images/loaded';
import { describeClasses } from '../core/data/images/summary';
import { isHiddenPath } from '../core/data/images/layout';
import { ImportError, IMPORT_LIMITS } from '../core/data/images/limits';
import { archiveOf } from '../core/data/images/preview';
import type { RunData } from '../core/runs/runFile';
import type { ArchiveFile } from '../core/data/images/zip';
import { UsageError } from './args';

/** Every file under a folder (hidden ones left out), sizes checked against the caps before reading. */
function folderFiles(root: string): ArchiveFile[] {
  const paths: string[] = [];
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path).split(sep).join('/');
      if (isHiddenPath(rel)) continue;
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        paths.push(path);
        bytes += st.size;
        if (paths.length > IMPORT_LIMITS.files)
          throw new ImportError(`more than ${IMPORT_LIMITS.files} files under ${root}`);
        if (bytes > IMPORT_LIMITS.totalBytes)
          throw new ImportError(`more than ${IMPORT_LIMITS.totalBytes / 2 ** 20} MiB under ${root}`);
      }
    }
  };
  walk(root);
  return paths.map((p) => ({ path: relative(root, p).split(sep).join('/'), bytes: readFileSync(p) }));
}

/** What a --json result says of the imported data. */
export interface ImagesJson {
  sha256: string;
  classes: number;
  images: number;
  split: { protocol: string; train: number; test: number; rotations: boolean };
  skipped: number;
}

export function imagesJson(set: ClassImageSet): ImagesJson {
  const { protocol, train, test, rotations } = set.split;
  return {
    sha256: set.hash,
    classes: set.classes.length,
    images: set.images,
    split: { protocol, train: train.length, test: test.length, rotations },
    skipped: set.skippedCount,
  };
}

/** What was imported, in a few lines for stderr. */
export function importSummary(set: ClassImageSet): string {
  return describeClasses(set).join('\n');
}

/**
 * --images: a folder of class folders or a .zip of one, imported with the same core as the page
 * (so the same files give the same numbers) and made the classes runs train on. `data` is the
 * archive a run file embeds (--embed-data): the zip's bytes, or a folder's files stored in one
 * zip, which imports to the same classes and content hash.
 */
export async function loadImagesFlag(path: string): Promise<{ set: ClassImageSet; data: RunData }> {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) throw new UsageError(`--images ${path}: no such file or folder`);
    const files = st.isDirectory() ? folderFiles(path) : filesOfZip(new Uint8Array(readFileSync(path)));
    let shown = 0;
    const set = await importImageClasses(files, (done, total) => {
      if (done === total || done - shown >= 2000) {
        shown = done;
        process.stderr.write(`\rdecoding images: ${done}/${total}`);
        if (done === total) process.stderr.write('\n');
      }
    });
    process.stderr.write(`${importSummary(set)}\n`);
    setLoadedImageClasses(set);
    const bytes = st.isDirectory() ? archiveOf(files) : new Uint8Array(readFileSync(path));
    const name = st.isDirectory() ? `${basename(resolve(path))}.zip` : basename(path);
    return { set, data: { name, hash: await sha256Hex(bytes), bytes } };
  } catch (e) {
    if (e instanceof ImportError) throw new UsageError(`--images ${path}: ${e.message}`);
    throw e;
  }
}
