import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { filesOfZip, importImageClasses } from '../src/core/data/images/importer';
import { ImportError, IMPORT_LIMITS } from '../src/core/data/images/limits';
import { ImageSource } from '../src/core/families/imageclasses/source';
import { Rng } from '../src/core/random';
import { syntheticFiles, zipOf } from './syntheticImages';

/** The ImportError message an import of these zip bytes ends with (fails the test on success). */
async function refusal(bytes: Uint8Array): Promise<string> {
  try {
    await importImageClasses(filesOfZip(bytes));
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return (e as Error).message;
  }
  throw new Error('the import was expected to be refused');
}

/** Where the central directory starts, and how many entries it lists. */
function directory(bytes: Uint8Array): { view: DataView; at: number; count: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (view.getUint32(end, true) !== 0x06054b50) end--;
  return { view, at: view.getUint32(end + 16, true), count: view.getUint16(end + 10, true) };
}

/** Sets a 32-bit (or 16-bit) field of every central directory entry. */
function patchEntries(bytes: Uint8Array, offset: number, value: number, bits: 16 | 32): Uint8Array {
  const out = bytes.slice();
  const { view, at, count } = directory(out);
  let p = at;
  for (let i = 0; i < count; i++) {
    if (bits === 32) view.setUint32(p + offset, value, true);
    else view.setUint16(p + offset, value, true);
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return out;
}

const small = () => syntheticFiles({ alphabets: 2, characters: 3, images: 3, side: 20 });

describe('image classes: hostile input gets one clear line', () => {
  it('not a zip, a truncated zip, an encrypted zip', async () => {
    expect(await refusal(new TextEncoder().encode('task,x,y\n1,2,3\n'))).toMatch(/not a zip/);
    const zip = zipOf(small());
    expect(await refusal(zip.subarray(0, Math.floor(zip.length / 2)))).toMatch(/truncated|damaged/);
    expect(await refusal(zip.subarray(0, zip.length - 30))).toMatch(/truncated|not a zip/);
    expect(await refusal(patchEntries(zip, 8, 1, 16))).toMatch(/encrypted/);
  });

  it('a zip bomb is refused from its directory, before inflating', async () => {
    // every entry claims 200 MiB: 18 of them are over the cap, whatever the data would inflate to
    const bomb = patchEntries(zipOf(small()), 24, 200 * 2 ** 20, 32);
    expect(await refusal(bomb)).toMatch(/would unpack to 3600 MiB, over the 1024 MiB cap/);
    // more files than the cap are refused before any is decoded
    const many = Array.from({ length: IMPORT_LIMITS.files + 1 }, (_, i) => ({
      path: `a/b/${i}.png`,
      bytes: new Uint8Array(0),
    }));
    await expect(importImageClasses(many)).rejects.toThrow(/100001 files; at most 100000 are read/);
    // a real highly compressible entry inflates only into its declared size: a lie fails the checksum
    const liar = patchEntries(zipOf([{ path: 'a/b/c.png', bytes: new Uint8Array(1 << 20) }]), 24, 100, 32);
    expect(await refusal(liar)).toMatch(/checksum/);
  });

  it('gigantic images are refused from the header; other formats and non-images are skipped with a line', async () => {
    const png = encode({ width: 2, height: 2, data: new Uint8Array(4), depth: 8, channels: 1 });
    const huge = png.slice();
    new DataView(huge.buffer).setUint32(16, 100_000, false);
    const files = [
      ...small(),
      { path: 'images_background/Alphabet_0/character01/huge.png', bytes: huge },
      {
        path: 'images_background/Alphabet_0/character01/photo.jpg',
        bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1]),
      },
      {
        path: 'images_background/Alphabet_0/character01/notes.txt',
        bytes: new TextEncoder().encode('hello'),
      },
      { path: 'images_background/.DS_Store', bytes: new Uint8Array(8) },
    ];
    const set = await importImageClasses(filesOfZip(zipOf(files)));
    expect(set.classes.length).toBe(6);
    expect(set.skippedCount).toBe(3);
    expect(set.skipped.join('\n')).toMatch(/100000×2 image, over the 4096×4096 cap/);
    expect(set.skipped.join('\n')).toMatch(/photo\.jpg: JPEG is not read/);
    expect(set.skipped.join('\n')).toMatch(/notes\.txt: not a PNG image/);
    const none = [{ path: 'a/b/notes.txt', bytes: new Uint8Array(3) }];
    expect(await refusal(zipOf(none))).toMatch(/no readable PNG images.*notes\.txt/);
    const one = syntheticFiles({ alphabets: 1, characters: 1, images: 2, side: 12 });
    expect(await refusal(zipOf(one))).toMatch(/only one class/);
  });

  it('too few classes for N-way or too few images for K + query: one line', async () => {
    const set = await importImageClasses(
      syntheticFiles({ alphabets: 3, characters: 4, images: 3, side: 16 }),
    );
    const source = new ImageSource(set);
    const rng = new Rng(1, 'test');
    expect(() => source.sample(rng, 1, { split: 'test', ways: 5, shots: 1, query: 1 })).toThrow(
      /5-way needs 5 held-out classes with 2 images each \(K \+ query\); 3 of 3 have that many/,
    );
    expect(() => source.sample(rng, 1, { split: 'train', ways: 2, shots: 1, query: 5 })).toThrow(
      /2-way needs 2 meta-training classes with 6 images each \(K \+ query\); 0 of 9/,
    );
  });
});

describe('image classes: fuzzing the importer', () => {
  it('1,000 seeded mutations of an archive: each imports or is refused with an ImportError', async () => {
    const base = zipOf(syntheticFiles({ alphabets: 2, characters: 2, images: 2, side: 12 }), 6);
    const stored = zipOf(syntheticFiles({ alphabets: 2, characters: 2, images: 2, side: 12 }), 0);
    const rng = new Rng(30, 'image-fuzz');
    const outcomes = { imported: 0, refused: 0 };
    for (let i = 0; i < 1000; i++) {
      const bytes = mutate(rng, i % 2 ? base : stored);
      try {
        const set = await importImageClasses(filesOfZip(bytes));
        expect(set.classes.length).toBeGreaterThanOrEqual(2);
        for (const c of set.classes) expect(c.pixels.every((v) => v >= -1e-6 && v <= 1 + 1e-6)).toBe(true);
        outcomes.imported++;
      } catch (e) {
        if (!(e instanceof ImportError)) throw new Error(`mutation ${i}: ${String(e)}`);
        expect((e as Error).message.split('\n').length).toBe(1);
        outcomes.refused++;
      }
    }
    expect(outcomes.imported + outcomes.refused).toBe(1000);
    expect(outcomes.imported).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});

/** One of: flip bytes, truncate, splice random bytes in, or overwrite a 32-bit field with an extreme value. */
function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const kind = rng.int(4);
  if (kind === 0) {
    for (let n = 1 + rng.int(8); n > 0; n--) out[rng.int(out.length)] = rng.int(256);
    return out;
  }
  if (kind === 1) return out.subarray(0, rng.int(out.length));
  if (kind === 2) {
    const at = rng.int(out.length);
    const junk = Uint8Array.from({ length: 1 + rng.int(64) }, () => rng.int(256));
    const spliced = new Uint8Array(out.length + junk.length);
    spliced.set(out.subarray(0, at));
    spliced.set(junk, at);
    spliced.set(out.subarray(at), at + junk.length);
    return spliced;
  }
  const at = rng.int(out.length - 4);
  new DataView(out.buffer).setUint32(
    at,
    [0, 0xffffffff, 0x7fffffff, rng.nextUint32()][rng.int(4)] as number,
    true,
  );
  return out;
}
