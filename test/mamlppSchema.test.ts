import { describe, expect, it } from 'vitest';
import { parseExperiment, serializeExperiment } from '../src/core/experiment';
import { loadFused } from '../src/core/engines/fused/wasmModule';
import { familyOf } from '../src/core/families/registry';
import { lslrSize, MAMLPP_DEFAULTS, scheduleOf } from '../src/core/meta/mamlppSchedule';
import { startBackend, train } from './helpers';

describe('MAML++ in the experiment schema', () => {
  it('algo=mamlpp with its schedule settings parses and prints back', () => {
    const { config, warnings } = parseExperiment('algo=mamlpp&msl=200&firstOrder=50&span=4000');
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({ algo: 'mamlpp', msl: 200, firstOrder: 50, span: 4000 });
    expect(serializeExperiment(config)).toMatch(/algo=mamlpp&.*&msl=200&firstOrder=50&span=4000/);
    expect(parseExperiment(serializeExperiment(config)).config).toEqual(config);
  });

  it('a schedule setting left out takes its default; links of other algorithms carry none', () => {
    const { config } = parseExperiment('algo=mamlpp&span=3000');
    expect(scheduleOf(config)).toEqual({ ...MAMLPP_DEFAULTS, span: 3000 });
    const maml = parseExperiment('algo=maml&msl=10');
    expect(maml.warnings.map((w) => w.message)).toEqual(['msl applies only to algo=mamlpp; ignored']);
    expect(maml.config.msl).toBeUndefined();
    const switched = parseExperiment('algo=maml', { base: config });
    expect(switched.config.span).toBeUndefined();
    expect(serializeExperiment(switched.config)).not.toContain('span');
  });

  it('glyph links keep MAML++ for both networks; a family without it refuses in one line', () => {
    for (const net of ['conv', 'fc']) {
      const { config, warnings } = parseExperiment(`task=glyphs&net=${net}&algo=mamlpp&msl=20`);
      expect(warnings).toEqual([]);
      expect(config).toMatchObject({ algo: 'mamlpp', net, msl: 20 });
    }
    const { config, warnings } = parseExperiment('task=nav2d&algo=mamlpp');
    expect(config.algo).toBe('maml');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^algo=mamlpp: MAML\+\+ is not implemented .*; using maml$/);
  });
});

describe('MAML++ rates travel between engines', () => {
  it('a tfjs run state restored on the fused engine keeps θ and the rates', async () => {
    await startBackend('cpu');
    await loadFused();
    const config = parseExperiment('algo=mamlpp&hidden=8&batch=2&k=3&query=3&inner=2').config;
    const family = familyOf('sinusoid');
    const tfjs = family.createRun(config, { engine: 'tfjs' });
    await train(tfjs, 3);
    const state = await tfjs.exportState();
    expect(state.alpha?.length).toBe(lslrSize(4));
    const fused = family.createRun(config, { engine: 'fused' });
    fused.restoreState(state);
    const carried = await fused.exportState();
    expect(carried.alpha).toEqual(state.alpha);
    expect(carried.alphaAdam).toEqual(state.alphaAdam);
    expect(carried.theta).toEqual(state.theta);
    tfjs.dispose();
    fused.dispose();
  });
});
