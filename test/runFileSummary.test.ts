import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { familyOf } from '../src/core/families/registry';
import { readRunSummary } from '../src/core/runs/runSummary';
import { writeRunFile } from '../src/worker/runFiles';
import { startBackend } from './helpers';

/**
 * The worker sends the page its run file's summary beside the text, and the runs shelf lists the
 * page's own saves from it without parsing the file: it must be what reading the text gives.
 */
describe('the summary written beside a run file', () => {
  it.each([
    ['task=sinusoid&algo=maml&hidden=8&batch=2&k=3', 'a named run'],
    ['task=sinusoid&algo=metasgd&hidden=4,4&batch=2&k=3&alpha=0.0123456789', null],
    ['task=mixture&mix=line,abs&algo=reptile&hidden=6&batch=2&k=3', 'mixtures'],
    ['task=glyphs&algo=fomaml&ways=2&batch=2&query=1&filters=4', null],
  ])('%s is the summary read from its text', async (query, name) => {
    await startBackend('cpu');
    const config = parseExperiment(query).config;
    const run = familyOf(config.task).createRun(config, { engine: 'tfjs' });
    for (let i = 0; i < 2; i++) {
      const { meta, pretrained } = run.step();
      meta.dispose();
      pretrained?.dispose();
    }
    const curves = [
      { name: 'meta-loss', steps: [1, 2], values: [0.5, 0.25] },
      { name: 'eval:maml', steps: [2], values: [0.125] },
    ];
    const { text, summary } = await writeRunFile(run, {
      curves,
      name,
      createdAt: '2026-11-28T10:00:00.000Z',
      backend: 'cpu',
    });
    run.dispose();
    expect(summary).toEqual(readRunSummary(text, { tasks: [config.task] }));
    expect(summary.step).toBe(2);
    expect(summary.name).toBe(name ?? undefined);
  });
});
