import { zipSync, type Zippable } from 'fflate';
import { toClassImage } from './convert';
import { classFolders, isHiddenPath } from './layout';
import { ImportError } from './limits';
import { decodePngLightness } from './png';
import type { ArchiveFile } from './zip';

/** One image as the person gave it (PNG bytes) and as the network sees it (28×28 ink). */
export interface ConversionSample {
  path: string;
  png: Uint8Array;
  pixels: Float32Array;
}

/**
 * The first readable image of up to `count` classes spread over the class list, each with its
 * conversion (the same toClassImage the import uses), so the page can show what the network gets.
 */
export function conversionSamples(files: readonly ArchiveFile[], count = 6): ConversionSample[] {
  const kept = files.filter((f) => !isHiddenPath(f.path));
  const { classes } = classFolders(kept.map((f) => f.path));
  const out: ConversionSample[] = [];
  const stride = Math.max(1, classes.length / count);
  for (let k = 0; k < count && Math.floor(k * stride) < classes.length; k++) {
    const folder = classes[Math.floor(k * stride)];
    for (const i of folder?.files ?? []) {
      const f = kept[i] as ArchiveFile;
      try {
        out.push({ path: f.path, png: f.bytes, pixels: toClassImage(decodePngLightness(f.bytes)) });
        break;
      } catch (e) {
        if (!(e instanceof ImportError)) throw e;
      }
    }
  }
  return out;
}

/**
 * The files as one stored (uncompressed) zip: how a dropped folder is kept, trained on and
 * embedded, as one file. Its import gives the folder's classes and content hash (the hash is of
 * paths and bytes, not of the archive).
 */
export function archiveOf(files: readonly ArchiveFile[]): Uint8Array {
  const tree: Zippable = {};
  for (const f of files) tree[f.path] = [f.bytes, { level: 0 }];
  return zipSync(tree);
}
