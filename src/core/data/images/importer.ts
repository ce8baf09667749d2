import { CLASS_IMAGE_PIXELS, toClassImage } from './convert';
import { classFolders, isHiddenPath, isOmniglotLayout, splitClasses, type ClassSplit } from './layout';
import { ImportError, IMPORT_LIMITS } from './limits';
import { decodePngLightness } from './png';
import { isZip, readZip, type ArchiveFile } from './zip';

/** One imported class: its converted images, 28×28 ink in 0..1, one after another. */
export interface ImageClass {
  name: string;
  group: string | null;
  count: number;
  /** [count, 28, 28] */
  pixels: Float32Array;
}

/** Classes imported from a zip or a folder, split, with what was skipped and the data's hash. */
export interface ClassImageSet {
  classes: ImageClass[];
  split: ClassSplit;
  /** SHA-256 (hex) of the image files read: their paths and bytes, in path order */
  hash: string;
  /** images read */
  images: number;
  /** files left out and why, one line each (at most SKIPPED_SHOWN; `skippedCount` counts all) */
  skipped: string[];
  skippedCount: number;
}

export const SKIPPED_SHOWN = 5;

/** Progress of an import: images decoded of all. */
export type ImportProgress = (done: number, total: number) => void;

/** The files of an imported archive; throws an ImportError when the bytes are not a usable zip. */
export function filesOfZip(bytes: Uint8Array): ArchiveFile[] {
  if (!isZip(bytes)) throw new ImportError('not a zip archive (give a .zip or a folder of class folders)');
  return readZip(bytes, (path) => !isHiddenPath(path));
}

/** SHA-256 of the files (path, length, bytes; in path order), hex: the data's identity in links. */
export async function contentHash(files: readonly ArchiveFile[]): Promise<string> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const enc = new TextEncoder();
  const heads = sorted.map((f) => enc.encode(`${f.path}\u0000${f.bytes.length}\u0000`));
  const total = sorted.reduce((s, f, i) => s + f.bytes.length + (heads[i] as Uint8Array).length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  sorted.forEach((f, i) => {
    all.set(heads[i] as Uint8Array, at);
    at += (heads[i] as Uint8Array).length;
    all.set(f.bytes, at);
    at += f.bytes.length;
  });
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

class Skips {
  lines: string[] = [];
  count = 0;
  add(line: string): void {
    this.count++;
    if (this.lines.length < SKIPPED_SHOWN) this.lines.push(line);
  }
}

function decodeClass(
  files: readonly ArchiveFile[],
  indices: readonly number[],
  skips: Skips,
  tick: () => void,
): Float32Array[] {
  const images: Float32Array[] = [];
  for (const i of indices) {
    const f = files[i] as ArchiveFile;
    try {
      images.push(toClassImage(decodePngLightness(f.bytes)));
    } catch (e) {
      if (!(e instanceof ImportError)) throw e;
      skips.add(`${f.path}: ${e.message}`);
    }
    tick();
  }
  return images;
}

/**
 * Classes from the files of a zip or a folder (see layout.ts for the layout and the split):
 * every image decoded and converted (convert.ts); files that are not readable PNGs are skipped
 * with a line each. Throws an ImportError when nothing usable remains.
 */
export async function importImageClasses(
  files: readonly ArchiveFile[],
  progress?: ImportProgress,
): Promise<ClassImageSet> {
  const kept = files.filter((f) => !isHiddenPath(f.path));
  if (kept.length > IMPORT_LIMITS.files)
    throw new ImportError(`${kept.length} files; at most ${IMPORT_LIMITS.files} are read`);
  const { classes: folders, loose } = classFolders(kept.map((f) => f.path));
  const skips = new Skips();
  for (const i of loose) skips.add(`${(kept[i] as ArchiveFile).path}: not inside a class folder`);
  let done = 0;
  const tick = () => progress?.(++done, kept.length - loose.length);
  const classes: ImageClass[] = [];
  const used = [];
  for (const folder of folders) {
    const images = decodeClass(kept, folder.files, skips, tick);
    if (images.length === 0) continue;
    const pixels = new Float32Array(images.length * CLASS_IMAGE_PIXELS);
    images.forEach((img, j) => pixels.set(img, j * CLASS_IMAGE_PIXELS));
    classes.push({ name: folder.name, group: folder.group, count: images.length, pixels });
    used.push(folder);
  }
  if (classes.length === 0) throw new ImportError(noClassesLine(kept.length, skips));
  if (classes.length < 2)
    throw new ImportError(`only one class (${classes[0]?.name}); tasks need at least two`);
  const split = splitClasses(used, isOmniglotLayout(kept.map((f) => f.path)));
  const images = classes.reduce((s, c) => s + c.count, 0);
  return {
    classes,
    split,
    hash: await contentHash(kept),
    images,
    skipped: skips.lines,
    skippedCount: skips.count,
  };
}

function noClassesLine(files: number, skips: Skips): string {
  if (files === 0) return 'no files found';
  const first = skips.lines[0];
  return `no readable PNG images in class folders (${skips.count} of ${files} files skipped${first ? `; first: ${first}` : ''})`;
}
