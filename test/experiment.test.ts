import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXPERIMENT,
  FIELDS,
  fieldApplies,
  FIELD_ORDER,
  parseExperiment,
  serializeExperiment,
  type Experiment,
} from '../src/core/experiment';
import { ALGO_FIELDS } from '../src/core/schema';

describe('experiment config parsing', () => {
  it('defaults are the MAML paper sinusoid settings', () => {
    const { config, warnings } = parseExperiment('');
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      task: 'sinusoid',
      algo: 'maml',
      alpha: 0.01,
      beta: 0.001,
      inner: 1,
      k: 10,
      query: 10,
      batch: 25,
      hidden: [40, 40],
      ways: 5,
      net: 'conv',
      filters: 32,
      seed: 1,
    });
  });

  it('glyph tasks take their own defaults, bounds and fields', () => {
    const g = parseExperiment('task=glyphs');
    expect(g.warnings).toEqual([]);
    expect(g.config).toMatchObject({
      task: 'glyphs',
      alpha: 0.4,
      k: 1,
      query: 5,
      batch: 8,
      ways: 5,
      net: 'conv',
    });
    expect(serializeExperiment(g.config)).toBe(
      'task=glyphs&algo=maml&alpha=0.4&beta=0.001&inner=1&k=1&query=5&batch=8&ways=5&net=conv&filters=32&seed=1',
    );
    const big = parseExperiment('task=glyphs&k=20&query=99&ways=50&net=resnet&hidden=8');
    expect(big.config).toMatchObject({ k: 10, query: 50, ways: 20, net: 'conv', hidden: [40, 40] });
    expect(big.warnings.map((w) => w.key)).toEqual(['k', 'query', 'hidden', 'ways', 'net']);
    expect(big.warnings[2]?.message).toMatch(/does not apply to glyphs/);
    // sinusoid links leave the glyph fields out and warn about them
    expect(parseExperiment('ways=5').warnings[0]?.message).toMatch(/does not apply to sinusoid/);
    expect(serializeExperiment(parseExperiment('').config)).not.toMatch(/ways|net|filters/);
  });

  it('a caller can restrict the task families it runs', () => {
    const r = parseExperiment('task=glyphs&ways=3', { tasks: ['sinusoid'] });
    expect(r.config.task).toBe('sinusoid');
    expect(r.warnings.map((w) => w.key)).toEqual(['task', 'ways']);
  });

  it('round-trips through the canonical query string', () => {
    const c: Experiment = {
      ...DEFAULT_EXPERIMENT,
      algo: 'metasgd',
      alpha: 0.003,
      k: 5,
      query: 7,
      hidden: [64, 32, 16],
      seed: 99,
    };
    const q = serializeExperiment(c);
    expect(q).toBe(
      'task=sinusoid&algo=metasgd&alpha=0.003&beta=0.001&inner=1&k=5&query=7&batch=25&hidden=64,32,16&seed=99',
    );
    expect(parseExperiment(q)).toEqual({ config: c, warnings: [] });
  });

  it('accepts a full share URL, a leading "?", URLSearchParams and objects', () => {
    const url = 'https://example.org/maml/?algo=reptile&k=5&step=300#theta=abc';
    expect(parseExperiment(url, { ignore: ['step'] }).config.algo).toBe('reptile');
    expect(parseExperiment('?k=3').config.k).toBe(3);
    expect(parseExperiment(new URLSearchParams('batch=7')).config.batch).toBe(7);
    expect(parseExperiment({ alpha: 0.5, hidden: [8, 8] }).config).toMatchObject({
      alpha: 0.5,
      hidden: [8, 8],
    });
    expect(parseExperiment('https://example.org/no-query').warnings).toEqual([]);
  });

  it('K sets the query size unless query is given', () => {
    expect(parseExperiment('k=5').config.query).toBe(5);
    expect(parseExperiment('k=5&query=20').config.query).toBe(20);
  });

  for (const key of FIELD_ORDER) {
    const field = FIELDS[key];
    if (field.kind !== 'number' || !fieldApplies(key, 'sinusoid')) continue;
    it(`${key}: clamps below ${field.min} and above ${field.max} with a warning`, () => {
      // an algorithm's own setting is read only with that algorithm
      const only = ALGO_FIELDS[key]?.algo;
      const parse = (q: string) => parseExperiment(only ? `algo=${only}&${q}` : q);
      const low = parse(`${key}=${field.min - (field.integer ? 1 : field.min / 2)}`);
      expect(low.config[key]).toBe(field.min);
      expect(low.warnings).toHaveLength(1);
      expect(low.warnings[0]?.key).toBe(key);
      expect(low.warnings[0]?.message).toMatch(/clamped/);
      const high = parse(`${key}=${field.max * 10 + 1}`);
      expect(high.config[key]).toBe(field.max);
      expect(high.warnings[0]?.message).toMatch(/clamped/);
      const ok = parse(`${key}=${field.max}`);
      expect(ok.warnings).toEqual([]);
    });
  }

  it('list bounds: hidden sizes and depth', () => {
    expect(parseExperiment('hidden=0,1000').config.hidden).toEqual([1, 256]);
    expect(parseExperiment('hidden=8,8,8,8,8,8').config.hidden).toEqual([8, 8, 8, 8]);
    expect(parseExperiment('hidden=').config.hidden).toEqual([40, 40]);
    expect(parseExperiment('hidden=8,x').warnings[0]?.message).toMatch(/not a comma-separated list/);
    expect(parseExperiment('hidden=8,8,8,8,8,8').warnings).toHaveLength(1);
  });

  it('malformed numbers fall back to the default with a warning', () => {
    for (const bad of ['abc', '', '0x10', '1,5', 'NaN', 'Infinity', '1e999', '--1', '1.2.3', ' ']) {
      const { config, warnings } = parseExperiment(new URLSearchParams({ alpha: bad }));
      expect(config.alpha).toBe(0.01);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toMatch(/not a number/);
    }
    expect(parseExperiment('alpha=1e-3').config.alpha).toBe(0.001);
  });

  it('integers are rounded with a warning', () => {
    const r = parseExperiment('k=4.6');
    expect(r.config.k).toBe(5);
    expect(r.warnings[0]?.message).toMatch(/whole number/);
  });

  it('unknown keys and values are reported, ignored keys are not', () => {
    const r = parseExperiment('algo=sgd&task=imagenet&foo=1&step=5', { ignore: ['step'] });
    expect(r.config.algo).toBe('maml');
    expect(r.config.task).toBe('sinusoid');
    expect(r.warnings.map((w) => w.key)).toEqual(['task', 'algo', 'foo']);
    expect(r.warnings[0]?.message).toMatch(/not one of sinusoid, glyphs/);
    expect(r.warnings[2]?.message).toMatch(/unknown parameter/);
  });

  it('huge and hostile input never throws and stays bounded', () => {
    const huge = `batch=${'9'.repeat(5000)}&hidden=${Array(10000).fill('999999').join(',')}&k=1e308&seed=-5`;
    const r = parseExperiment(huge);
    expect(r.config.batch).toBe(25); // 5000 digits is not a number we accept
    expect(r.config.hidden).toEqual([256, 256, 256, 256]);
    expect(r.config.k).toBe(50);
    expect(r.config.seed).toBe(0);
    expect(r.warnings.every((w) => w.message.length < 300)).toBe(true);
    for (const input of ['%', '&&&', '=', '?=&=', '#', 'alpha=%E0%A4%A', null, 42, [1, 2]]) {
      expect(() => parseExperiment(input as never)).not.toThrow();
    }
  });
});
