import { afterEach, describe, expect, it } from 'vitest';
import {
  classBatches,
  classSetTransfer,
  isClassImageSet,
  packedBatch,
} from '../src/core/data/images/handOver';
import { filesOfZip, importImageClasses } from '../src/core/data/images/importer';
import { loadedImageClasses, setLoadedImageClasses } from '../src/core/data/images/loaded';
import { parseExperiment } from '../src/core/experiment';
import { familyOf } from '../src/core/families/registry';
import type { GlyphRun } from '../src/core/families/glyphs/run';
import { embeddedData } from '../src/worker/host/runData';
import { readTaskFile } from '../src/worker/host/taskFile';
import type { FromWorker, ToWorker } from '../src/worker/protocol';
import { copy, startBackend, train } from './helpers';
import { syntheticFiles, zipOf } from './syntheticImages';

const config = parseExperiment('task=imageclasses&ways=3&k=1&query=2&batch=2&filters=4').config;
const zip = () => zipOf(syntheticFiles({ alphabets: 4, characters: 4, images: 4, side: 40 }));

/** The worker host's reading of a task file, with what it posts. */
async function hostReads(msg: Extract<ToWorker, { kind: 'taskFile' }>): Promise<FromWorker[]> {
  const seen: FromWorker[] = [];
  await readTaskFile(msg, {
    config: () => config,
    post: (m) => seen.push(m),
    playing: () => false,
    handle() {},
  });
  return seen;
}

async function thetaAfterTwoSteps(): Promise<Float32Array> {
  const run = familyOf('imageclasses').createRun(config, { engine: 'tfjs' }) as GlyphRun;
  await train(run, 2);
  const theta = await copy(run.learner.theta);
  run.dispose();
  return theta;
}

/** The page's import worker decodes once; the training worker adopts the moved set instead of decoding again. */
describe('decoded image classes handed over to the training worker', () => {
  afterEach(() => setLoadedImageClasses(null));

  it('moves the pixel buffers, and the worker trains on the very set it was handed, as on the archive', async () => {
    await startBackend('cpu');
    const bytes = zip();
    const decoded = await importImageClasses(filesOfZip(bytes));
    const transfer = classSetTransfer(decoded);
    expect(transfer).toHaveLength(decoded.classes.length);
    // what postMessage does with a transfer list: the receiver gets the buffers, the sender none
    const moved = structuredClone(decoded, { transfer });
    expect(decoded.classes[0]!.pixels.length).toBe(0);
    expect(isClassImageSet(decoded)).toBe(false);
    expect(isClassImageSet(moved)).toBe(true);

    const file = new Blob([bytes as BlobPart]);
    const seen = await hostReads({
      kind: 'taskFile',
      task: 'imageclasses',
      file,
      source: 'mine.zip',
      read: moved,
    });
    expect(seen).toEqual([
      { kind: 'notice', level: 'info', message: expect.stringMatching(/^mine\.zip: imported 16 classes/) },
    ]);
    expect(loadedImageClasses()).toBe(moved); // adopted as it came: nothing decoded again
    expect((await embeddedData('imageclasses'))?.bytes).toEqual(bytes); // the archive is still what a download embeds
    const adopted = await thetaAfterTwoSteps();

    setLoadedImageClasses(null);
    await hostReads({ kind: 'taskFile', task: 'imageclasses', file, source: 'mine.zip' });
    expect(loadedImageClasses()).not.toBe(moved);
    expect(loadedImageClasses()!.hash).toBe(moved.hash);
    expect(Array.from(await thetaAfterTwoSteps())).toEqual(Array.from(adopted));
  }, 60_000);

  it('refuses a set that is not whole (a buffer moved away, a split out of range) with one line', async () => {
    const decoded = await importImageClasses(filesOfZip(zip()));
    const broken = { ...decoded, split: { ...decoded.split, test: [...decoded.split.test, 99] } };
    const file = new Blob([zip() as BlobPart]);
    for (const read of [broken, { ...decoded, hash: 'x' }, null]) {
      const seen = await hostReads({
        kind: 'taskFile',
        task: 'imageclasses',
        file,
        source: 'mine.zip',
        read,
      });
      expect(seen).toEqual([
        {
          kind: 'notice',
          level: 'warning',
          message: 'mine.zip: the decoded classes handed over are not whole',
        },
      ]);
    }
    structuredClone(decoded, { transfer: classSetTransfer(decoded) });
    const seen = await hostReads({
      kind: 'taskFile',
      task: 'imageclasses',
      file,
      source: 'mine.zip',
      read: decoded,
    });
    expect(seen[0]).toMatchObject({ level: 'warning' });
    expect(loadedImageClasses()).toBe(null);
  });

  it('the import worker sends the classes in batches under the size cap, which put back together make the whole set', async () => {
    const decoded = await importImageClasses(filesOfZip(zip()));
    const perClass = decoded.classes[0]!.pixels.byteLength;
    const batches = classBatches(decoded.classes, 3 * perClass + 1);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 3, 3, 1]);
    // each batch its own message: its buffers moved with it, the receiver putting the set together
    const arrived = batches.flatMap((b) =>
      structuredClone(b, { transfer: classSetTransfer({ classes: b }) }),
    );
    const whole = { ...decoded, classes: arrived };
    expect(isClassImageSet(whole)).toBe(true);
    expect(arrived.map((c) => c.name)).toEqual(decoded.classes.map((c) => c.name));
    expect(decoded.classes.every((c) => c.pixels.length === 0)).toBe(true);
    const again = await importImageClasses(filesOfZip(zip()));
    expect(arrived.map((c) => Array.from(c.pixels))).toEqual(again.classes.map((c) => Array.from(c.pixels)));
    // a class over the cap is a batch of its own; nothing is dropped
    expect(classBatches(again.classes, 1).map((b) => b.length)).toEqual(again.classes.map(() => 1));
    expect(classBatches([], 1)).toEqual([]);
  });

  it('a packed batch moves as one buffer, with the same pixels, and the set put together from packed batches hands over as a few buffers', async () => {
    const decoded = await importImageClasses(filesOfZip(zip()));
    const again = await importImageClasses(filesOfZip(zip()));
    const perClass = decoded.classes[0]!.pixels.byteLength;
    const packed = classBatches(decoded.classes, 3 * perClass + 1).map(packedBatch);
    expect(packed.map((b) => classSetTransfer({ classes: b }).length)).toEqual([1, 1, 1, 1, 1, 1]);
    const arrived = packed.flatMap((b) => structuredClone(b, { transfer: classSetTransfer({ classes: b }) }));
    expect(packed.every((b) => b.every((c) => c.pixels.length === 0))).toBe(true);
    const whole = { ...decoded, classes: arrived };
    expect(isClassImageSet(whole)).toBe(true);
    expect(arrived.map((c) => [c.name, c.group, c.count])).toEqual(
      again.classes.map((c) => [c.name, c.group, c.count]),
    );
    expect(arrived.map((c) => Array.from(c.pixels))).toEqual(again.classes.map((c) => Array.from(c.pixels)));
    // the page's hand-over to the training worker: one buffer a batch, each moved once
    const transfer = classSetTransfer(whole);
    expect(transfer).toHaveLength(6);
    const moved = structuredClone(whole, { transfer });
    expect(isClassImageSet(moved)).toBe(true);
    expect(isClassImageSet(whole)).toBe(false);
    expect(moved.classes.map((c) => Array.from(c.pixels))).toEqual(
      again.classes.map((c) => Array.from(c.pixels)),
    );
  });
});
