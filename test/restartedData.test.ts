import { afterEach, describe, expect, it } from 'vitest';
import { setLoadedImageClasses } from '../src/core/data/images/loaded';
import { parseExperiment } from '../src/core/experiment';
import type { GlyphRun } from '../src/core/families/glyphs/run';
import { WorkerHost } from '../src/worker/host/host';
import type { FromWorker } from '../src/worker/protocol';
import { startBackend } from './helpers';
import { syntheticFiles, zipOf } from './syntheticImages';

class SlowBlob extends Blob {
  override async arrayBuffer(): Promise<ArrayBuffer> {
    await new Promise((r) => setTimeout(r, 400));
    return super.arrayBuffer();
  }
}

/**
 * A worker that replaces a crashed one gets the page's imported data before its init: its first
 * run is built on that data, never on the family's example.
 */
describe('a restarted worker keeps the imported data', () => {
  afterEach(() => setLoadedImageClasses(null));

  it('the data sent before init is read before the first run is created', async () => {
    await startBackend('cpu');
    const seen: FromWorker[] = [];
    const host = new WorkerHost((m) => seen.push(m));
    const config = parseExperiment(
      'task=imageclasses&ways=3&k=1&query=2&batch=2&filters=4&engine=tfjs',
    ).config;
    const zip = zipOf(syntheticFiles({ alphabets: 4, characters: 4, images: 4, side: 28 }));
    // (a file that takes a while to read: the init must wait for it)
    const file = new SlowBlob([zip as BlobPart]);
    host.handle({ kind: 'taskFile', task: 'imageclasses', file, source: 'mine.zip', config });
    host.handle({
      kind: 'init',
      config,
      backend: 'cpu',
      wasmPath: '',
      resume: null,
      replayTo: null,
      view: null,
      evalTasks: 0,
      engine: 'tfjs',
    });
    for (let i = 0; i < 1000 && !seen.some((m) => m.kind === 'ready' || m.kind === 'error'); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(seen.find((m) => m.kind === 'error')).toBeUndefined();
    const run = host.run as GlyphRun;
    // the imported classes (Alphabet_a/characterNN), not the generated glyphs
    expect(run.source.className(0)).toMatch(/^Alphabet_\d\/character\d\d$/);
    const notice = seen.find((m) => m.kind === 'notice');
    expect(notice).toMatchObject({
      level: 'info',
      message: expect.stringMatching(/^mine\.zip: imported 16 classes/),
    });
    run.dispose();
  }, 60_000);
});
