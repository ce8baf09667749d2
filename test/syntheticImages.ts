import { encode } from 'fast-png';
import { zipSync, type Zippable } from 'fflate';
import type { ArchiveFile } from '../src/core/data/images/zip';

/**
 * A small archive in Omniglot's layout, made in the test: images_background/<alphabet>/
 * character<NN>/<NN>_<i>.png, black strokes on white, 1-bit like Omniglot's. Class c is a bar
 * whose row and column come from c, so classes differ and each class's images differ a little.
 */
export interface SyntheticSpec {
  root?: string;
  alphabets: number;
  characters: number;
  images: number;
  side?: number;
}

/** Packs one row-major 0/1 ink image (1 = black ink) as a 1-bit PNG (1 = white). */
export function inkPng(ink: Uint8Array, side: number): Uint8Array {
  const rowBytes = Math.ceil(side / 8);
  const data = new Uint8Array(rowBytes * side).fill(0xff);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      if (ink[y * side + x])
        data[y * rowBytes + (x >> 3)] = (data[y * rowBytes + (x >> 3)] as number) & ~(0x80 >> (x & 7));
  return encode({ width: side, height: side, data, depth: 1, channels: 1 });
}

/** The drawing of image i of class c: an L of two bars placed by the class, jittered by the image. */
export function classDrawing(c: number, i: number, side: number): Uint8Array {
  const ink = new Uint8Array(side * side);
  const u = Math.floor(side / 8);
  const row = u + ((c * 3) % 5) * u + (i % 2);
  const col = u + ((c * 7) % 5) * u + (i % 3);
  for (let x = col; x < Math.min(side, col + 3 * u); x++)
    for (let t = 0; t < u; t++) ink[(row + t) * side + x] = 1;
  for (let y = row; y < Math.min(side, row + ((c % 3) + 1) * u); y++)
    for (let t = 0; t < u; t++) ink[y * side + col + t] = 1;
  return ink;
}

export function syntheticFiles(spec: SyntheticSpec): ArchiveFile[] {
  const side = spec.side ?? 35;
  const root = spec.root ?? 'images_background';
  const files: ArchiveFile[] = [];
  let c = 0;
  for (let a = 0; a < spec.alphabets; a++) {
    for (let ch = 0; ch < spec.characters; ch++, c++) {
      const name = `character${String(ch + 1).padStart(2, '0')}`;
      for (let i = 0; i < spec.images; i++) {
        const path = `${root}/Alphabet_${a}/${name}/${c}_${String(i + 1).padStart(2, '0')}.png`;
        files.push({ path, bytes: inkPng(classDrawing(c, i, side), side) });
      }
    }
  }
  return files;
}

/** The files as a zip (deflated), directories implied by the paths. */
export function zipOf(files: readonly ArchiveFile[], level: 0 | 6 = 6): Uint8Array {
  const tree: Zippable = {};
  for (const f of files) tree[f.path] = [f.bytes, { level }];
  return zipSync(tree);
}
