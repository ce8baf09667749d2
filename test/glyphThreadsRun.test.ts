import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeGlyphThreads } from '../src/cli/engineThreads';
import { parseExperiment, type Experiment } from '../src/core/experiment';
import { installGlyphThreads, type GlyphThreadPool } from '../src/core/engines/fusedGlyph/threads';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { bytes, copy, startBackend, train } from './helpers';

/**
 * A glyph run on the fused engine with helper threads installed (as `npm run train --threads N`
 * does) trains, rebuilds its engine on a live change, exports and resumes exactly as a run on
 * one thread: θ, α and the pretrained baseline to the bit.
 */

const config = parseExperiment('task=glyphs&ways=3&batch=3&query=2&filters=4&algo=metasgd&inner=2').config;
let pool: GlyphThreadPool | null = null;

beforeAll(async () => {
  await startBackend('cpu');
  await loadFusedGlyph();
  pool = await nodeGlyphThreads(3);
});
afterAll(() => {
  installGlyphThreads(null);
  pool?.dispose();
});

/** A fused run made while `threads` is installed: 3 steps, a larger batch and a new algorithm, 2 more. */
async function trained(threads: GlyphThreadPool | null): Promise<GlyphRun> {
  installGlyphThreads(threads);
  const run = new GlyphRun(config, { engine: 'fused' });
  await train(run, 3);
  const bigger: Experiment = { ...config, batch: 4, algo: 'maml' };
  expect(run.update(bigger)).toBe(true);
  await train(run, 2);
  return run;
}

async function snapshot(run: GlyphRun) {
  return {
    theta: bytes(await copy(run.learner.theta)),
    pretrained: bytes(await copy(run.pretrainer!.theta)),
  };
}

describe('a glyph run on the fused engine over threads', () => {
  it('trains, rebuilds, exports and resumes to the same bits as on one thread', async () => {
    const one = await trained(null);
    const three = await trained(pool);
    expect(await snapshot(three)).toEqual(await snapshot(one));
    const state = await three.exportState();
    installGlyphThreads(null);
    const resumed = new GlyphRun(state.config, { engine: 'fused' });
    resumed.restoreState(state);
    await train(resumed, 2);
    await train(one, 2);
    expect(await snapshot(resumed)).toEqual(await snapshot(one));
    [one, three, resumed].forEach((r) => r.dispose());
  });
});
