import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/core/data/csv/importTable';
import { setLoadedImageClasses } from '../src/core/data/images/loaded';
import { parseExperiment } from '../src/core/experiment';
import type { FamilyRun } from '../src/core/families/family';
import { familyOf } from '../src/core/families/registry';
import { setLoadedTable } from '../src/core/families/sheet/loaded';
import { embeddedData, holdData } from '../src/worker/host/runData';
import { openRunFile, writeRunFile } from '../src/worker/runFiles';
import { copy, startBackend } from './helpers';
import { syntheticFiles, zipOf } from './syntheticImages';

async function twoSteps(run: FamilyRun): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const { meta, pretrained } = run.step();
    meta.dispose();
    pretrained?.dispose();
  }
}

async function fileOf(run: FamilyRun, task: string): Promise<string> {
  const data = await embeddedData(task);
  const opts = { curves: [], name: null, createdAt: null, backend: 'cpu' as const, data };
  return (await writeRunFile(run, opts)).text;
}

/** The page's run download embeds the data the worker trains on; opening it loads the data first. */
describe('run files with the imported data, in the worker', () => {
  afterEach(() => {
    setLoadedImageClasses(null);
    setLoadedTable(null);
  });

  it('image classes: the run file carries the archive and opens on it elsewhere (its state sizes need the data)', async () => {
    await startBackend('cpu');
    const config = parseExperiment('task=imageclasses&ways=3&k=1&query=2&batch=2&filters=4').config;
    const zip = zipOf(syntheticFiles({ alphabets: 4, characters: 4, images: 4, side: 28 }));
    const family = familyOf('imageclasses');
    const { hash } = await family.loadTaskFile!(zip, config);
    holdData('imageclasses', 'mine.zip', zip);
    const run = family.createRun(config, { engine: 'tfjs' });
    await twoSteps(run);
    const text = await fileOf(run, 'imageclasses');
    const theta = await copy(run.learner.theta);
    run.dispose();
    expect(text).toContain(`"sha256":"${await sha256Hex(zip)}"`);

    // another page: no data loaded (the CLI's rule: a run without classes refuses)
    setLoadedImageClasses(null);
    holdData('sheet', 'x.csv', new Uint8Array(1));
    const opened = await openRunFile(text, 'imageclasses', 'tfjs');
    expect(opened.data).toMatchObject({ name: 'mine.zip', hash });
    expect(opened.run.stepCount).toBe(2);
    expect(await copy(opened.run.learner.theta)).toEqual(theta);
    opened.run.dispose();
    // and its next download embeds the data it brought
    expect((await embeddedData('imageclasses'))?.name).toBe('mine.zip');
  });

  it('a run file whose data is not what it states is refused before anything loads', async () => {
    await startBackend('cpu');
    const config = parseExperiment('task=sheet&k=4&batch=2&hidden=8').config;
    const csv = new TextEncoder().encode(
      ['task,x,y', ...Array.from({ length: 60 }, (_, i) => `t${i % 6},${i},${Math.sin(i)}`)].join('\n'),
    );
    await familyOf('sheet').loadTaskFile!(csv, config);
    holdData('sheet', 'curves.csv', csv);
    const run = familyOf('sheet').createRun(config, { engine: 'tfjs' });
    await twoSteps(run);
    const text = await fileOf(run, 'sheet');
    run.dispose();
    expect(await embeddedData('imageclasses')).toBe(null);
    const doc = JSON.parse(text) as { data: { base64: string } };
    const tampered = JSON.stringify({ ...doc, data: { ...doc.data, base64: btoa('task,x,y\n') } });
    await expect(openRunFile(tampered, 'sheet', 'tfjs')).rejects.toThrow(
      /its data \(curves.csv\) has SHA-256 /,
    );
    const opened = await openRunFile(text, 'sheet', 'tfjs');
    expect(opened.data?.hash).toBe(await sha256Hex(csv));
    opened.run.dispose();
  });
});
