import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_PIXEL_BYTES } from '../src/core/data/images/handOver';
import { filesOfZip, importImageClasses } from '../src/core/data/images/importer';
import { loadedImageClasses, setLoadedImageClasses } from '../src/core/data/images/loaded';
import {
  isClassSetPort,
  packedClassSet,
  receiveClassSet,
  refuseClassSet,
  sendClassSet,
  type ClassSetPort,
} from '../src/core/data/images/portHandOver';
import { parseExperiment } from '../src/core/experiment';
import { readTaskFile } from '../src/worker/host/taskFile';
import type { FromWorker } from '../src/worker/protocol';
import { startBackend } from './helpers';
import { syntheticFiles, zipOf } from './syntheticImages';

const config = parseExperiment('task=imageclasses&ways=3&k=1&query=2&batch=2&filters=4').config;
const zip = () => zipOf(syntheticFiles({ alphabets: 4, characters: 4, images: 4, side: 40 }));

/** Both ends of a fresh channel (Node's, as the browser's: a port each side). */
function channel(): [ClassSetPort, ClassSetPort] {
  const c = new MessageChannel();
  return [c.port1 as unknown as ClassSetPort, c.port2 as unknown as ClassSetPort];
}

/** What the training worker's host posts when it reads a task file whose `read` is `read`. */
async function hostReads(read: unknown): Promise<FromWorker[]> {
  const seen: FromWorker[] = [];
  await readTaskFile(
    { kind: 'taskFile', task: 'imageclasses', file: new Blob([zip() as BlobPart]), source: 'mine.zip', read },
    { config: () => config, post: (m) => seen.push(m), playing: () => false, handle() {} },
  );
  return seen;
}

/** The import worker hands its decoded classes straight to the training worker over a port; the page never holds them. */
describe('decoded image classes sent over a port', () => {
  afterEach(() => setLoadedImageClasses(null));

  it('arrive whole and equal, packed into few buffers, and the sender learns they are there', async () => {
    const sent = await importImageClasses(filesOfZip(zip()));
    const again = await importImageClasses(filesOfZip(zip()));
    const [a, b] = channel();
    expect(isClassSetPort(b)).toBe(true);
    expect(isClassSetPort(again)).toBe(false);
    const [received] = await Promise.all([receiveClassSet(b), sendClassSet(packedClassSet(sent), a)]);
    expect(received).not.toBe(again);
    expect(received.hash).toBe(again.hash);
    expect(received.split).toEqual(again.split);
    expect(received.classes.map((c) => [c.name, c.group, c.count])).toEqual(
      again.classes.map((c) => [c.name, c.group, c.count]),
    );
    expect(received.classes.map((c) => Array.from(c.pixels))).toEqual(
      again.classes.map((c) => Array.from(c.pixels)),
    );
    // packed: the 16 small classes share one buffer (under BATCH_PIXEL_BYTES)
    expect(again.images * 28 * 28 * 4).toBeLessThan(BATCH_PIXEL_BYTES);
    expect(new Set(received.classes.map((c) => c.pixels.buffer)).size).toBe(1);
  });

  it('the training worker adopts a set that arrives on a port, as one read from the archive', async () => {
    await startBackend('cpu');
    const [a, b] = channel();
    const sending = sendClassSet(packedClassSet(await importImageClasses(filesOfZip(zip()))), a);
    const seen = await hostReads(b);
    await sending;
    expect(seen).toEqual([
      { kind: 'notice', level: 'info', message: expect.stringMatching(/^mine\.zip: imported 16 classes/) },
    ]);
    const adopted = loadedImageClasses()!;
    setLoadedImageClasses(null);
    await hostReads(undefined);
    const read = loadedImageClasses()!;
    expect(adopted.hash).toBe(read.hash);
    expect(adopted.classes.map((c) => Array.from(c.pixels))).toEqual(
      read.classes.map((c) => Array.from(c.pixels)),
    );
  }, 60_000);

  it("a sender's fault, a broken set and a silent sender each give one line, and nothing is kept", async () => {
    let [a, b] = channel();
    refuseClassSet(a, 'the image import has no decoded classes to hand over');
    expect(await hostReads(b)).toEqual([
      {
        kind: 'notice',
        level: 'warning',
        message: 'mine.zip: the image import has no decoded classes to hand over',
      },
    ]);
    const set = await importImageClasses(filesOfZip(zip()));
    [a, b] = channel();
    // the classes' batch lost on the way: the rest alone is not a whole set
    const { classes, ...rest } = set;
    expect(classes.length).toBe(16);
    a.postMessage({ kind: 'end', rest });
    await expect(receiveClassSet(b)).rejects.toThrow('the decoded classes handed over are not whole');
    [a, b] = channel();
    a.postMessage({ kind: 'something else' });
    await expect(receiveClassSet(b)).rejects.toThrow('the decoded classes handed over are not whole');
    [a, b] = channel();
    a.postMessage({ kind: 'classes', classes: [] });
    await expect(receiveClassSet(b, 50)).rejects.toThrow('the decoded classes stopped arriving');
    a.close();
    expect(loadedImageClasses()).toBe(null);
  });
});
