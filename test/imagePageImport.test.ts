import { describe, expect, it } from 'vitest';
import { toClassImage } from '../src/core/data/images/convert';
import { filesOfZip, importImageClasses } from '../src/core/data/images/importer';
import { loadedImageClasses, setLoadedImageClasses } from '../src/core/data/images/loaded';
import { decodePngLightness } from '../src/core/data/images/png';
import { archiveOf, conversionSamples } from '../src/core/data/images/preview';
import { splitCounts, splitGroups, tooFewClassesLine } from '../src/core/data/images/summary';
import { parseExperiment } from '../src/core/experiment';
import { familyOf } from '../src/core/families/registry';
import { droppedSource, type DropEntry } from '../src/ui/import/images/droppedFiles';
import { syntheticFiles, zipOf } from './syntheticImages';

const files = () => syntheticFiles({ alphabets: 4, characters: 3, images: 4, side: 30 });

describe("the page's image import: what it shows and keeps", () => {
  it('a folder stored as one zip imports to the same classes and content hash', async () => {
    const given = files();
    const direct = await importImageClasses(given);
    const stored = await importImageClasses(filesOfZip(archiveOf(given)));
    expect(stored.hash).toBe(direct.hash);
    expect(stored.classes.map((c) => c.name)).toEqual(direct.classes.map((c) => c.name));
    expect(Array.from(stored.classes[5]!.pixels)).toEqual(Array.from(direct.classes[5]!.pixels));
  });

  it('samples are originals with the conversion the import gives them', async () => {
    const given = files();
    const set = await importImageClasses(given);
    const samples = conversionSamples(given, 4);
    expect(samples).toHaveLength(4);
    expect(new Set(samples.map((s) => s.path.split('/').slice(-3, -1).join('/'))).size).toBe(4);
    for (const s of samples) {
      expect(Array.from(s.pixels)).toEqual(Array.from(toClassImage(decodePngLightness(s.png))));
      const name = s.path.split('/').slice(1, -1).join('/');
      const cls = set.classes.find((c) => c.name === name)!;
      expect(Array.from(cls.pixels.subarray(0, 784))).toEqual(Array.from(s.pixels));
    }
    // an unreadable first file: the class's first readable image is shown
    const broken = given.map((f, i) => (i === 0 ? { path: f.path, bytes: new Uint8Array([1, 2, 3]) } : f));
    expect(conversionSamples(broken, 1)[0]!.path).toBe(given[1]!.path);
  });

  it('the split by group, with class counts, and the line that refuses too few classes', async () => {
    const set = await importImageClasses(
      syntheticFiles({ root: 'mine', alphabets: 5, characters: 3, images: 4, side: 30 }),
    );
    const { train, test } = splitGroups(set);
    expect(set.split.protocol).toBe('groups');
    expect(train.length + test.length).toBe(5);
    expect(test.length).toBe(2);
    expect([...train, ...test].every((g) => g.classes === 3 && g.images === 12)).toBe(true);
    const counts = splitCounts(set);
    expect(tooFewClassesLine(counts, 5, 4)).toBe(null);
    expect(tooFewClassesLine(counts, 5, 5)).toBe(
      '5-way needs 5 meta-training classes with 5 images each (K + query); 0 of 9 have that many',
    );
    expect(tooFewClassesLine(counts, 7, 2)).toMatch(/^7-way needs 7 held-out classes .* 6 of 6 have/);
  });

  it('the family reads a kept archive as the training worker does, and refuses one the config cannot use', async () => {
    const family = familyOf('imageclasses');
    const zip = zipOf(files());
    const ok = parseExperiment('task=imageclasses&ways=3&k=1&query=2').config;
    const { hash, lines } = await family.loadTaskFile!(zip, ok);
    expect(hash).toBe((await importImageClasses(files())).hash);
    expect(lines[0]).toMatch(/^imported 12 classes, 48 images/);
    setLoadedImageClasses(null);
    const tooMany = parseExperiment('task=imageclasses&ways=5&k=3&query=2').config;
    await expect(family.loadTaskFile!(zip, tooMany)).rejects.toThrow(/5-way needs 5 meta-training classes/);
    expect(loadedImageClasses()).toBe(null);
    await expect(family.loadTaskFile!(new TextEncoder().encode('a,b\n1,2\n'), ok)).rejects.toThrow(
      /not a zip archive/,
    );
  });
});

/** A dropped tree of plain objects, as the Entries API gives it (readEntries in batches of 2). */
function dir(name: string, children: DropEntry[]): DropEntry {
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader() {
      let at = 0;
      return {
        readEntries(ok: (e: DropEntry[]) => void) {
          const batch = children.slice(at, at + 2);
          at += batch.length;
          setTimeout(() => ok(batch));
        },
      };
    },
  };
}
function file(name: string): DropEntry {
  return {
    isFile: true,
    isDirectory: false,
    name,
    file: (ok: (f: File) => void) => ok(new File([name], name)),
  };
}

describe('a dropped folder', () => {
  it('is walked to every file, by name, under the dropped folder', async () => {
    const tree = dir('mine', [
      dir('b', [file('2.png'), file('1.png'), file('3.png')]),
      dir('a', [file('1.png')]),
      file('readme.txt'),
    ]);
    const got = await droppedSource([tree]);
    expect(got.kind).toBe('folder');
    if (got.kind !== 'folder') return;
    expect(got.files.map((f) => f.path)).toEqual([
      'mine/a/1.png',
      'mine/b/1.png',
      'mine/b/2.png',
      'mine/b/3.png',
      'mine/readme.txt',
    ]);
    expect(await got.files[2]!.file.text()).toBe('2.png');
  });

  it('a single dropped file is taken as a zip', async () => {
    const got = await droppedSource([file('omniglot.zip')]);
    expect(got.kind).toBe('zip');
  });
});
