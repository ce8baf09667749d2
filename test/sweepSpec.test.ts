import { describe, expect, it } from 'vitest';
import { defaultsFor, parseExperiment } from '../src/core/experiment';
import { sinusoidFamily } from '../src/core/families/sinusoid/family';
import { cellFile, mapOf, mergeCells, planOf, type CellResult } from '../src/core/sweep/mapFile';
import { sweepReading, type ReadCell } from '../src/core/sweep/reading';
import { parseSweepAxes, parseSweepLink, serializeSweepLink, sweepCells } from '../src/core/sweep/spec';

const messages = (r: { warnings: { message: string }[] }) => r.warnings.map((w) => w.message);

describe('sweep spec', () => {
  it('parses the CLI form and round-trips through the link form', () => {
    const r = parseSweepAxes(['alpha=0.001..0.3:log:8', 'algo=maml,fomaml,reptile'], 500, 'sinusoid');
    expect(r.warnings).toEqual([]);
    expect(r.spec?.x).toMatchObject({ name: 'alpha', lo: 0.001, hi: 0.3, scale: 'log', count: 8 });
    expect(r.spec?.x.values).toEqual([0.001, 0.00226, 0.0051, 0.0115, 0.026, 0.0588, 0.133, 0.3]);
    expect(r.spec?.y?.values).toEqual(['maml', 'fomaml', 'reptile']);
    const link = serializeSweepLink(r.spec!);
    expect(link).toBe('alpha:0.001..0.3:log:8,algo:maml|fomaml|reptile');
    const back = parseSweepLink(link, '500', 'sinusoid');
    expect(back.warnings).toEqual([]);
    expect(back.spec).toEqual(r.spec);
  });

  it('clamps, swaps and drops hostile axes with one line each', () => {
    const r = parseSweepLink('alpha:0.5..0.00001:log:4,gamma:1..2:lin:2,beta:NaN..1:log:3', 'x', 'sinusoid');
    expect(messages(r)).toEqual([
      'alpha: range 0.5..0.00001 is reversed; using 0.00001..0.5',
      'alpha: 0.00001 is outside [0.0001, 1]; clamped to 0.0001',
      'unknown axis "gamma" ignored (axes: alpha, beta, inner, k, batch, hidden, filters, algo)',
      'beta=NaN..1:log:3: lo, hi and N must be numbers; axis ignored',
      'sweepsteps=x is not a number; using 2000',
    ]);
    expect(r.spec?.x).toMatchObject({ lo: 0.0001, hi: 0.5, values: [0.0001, 0.00171, 0.0292, 0.5] });
    expect(r.spec?.y).toBeNull();
    expect(r.spec?.steps).toBe(2000);
  });

  it('refuses a grid larger than 8x8 and a map without a valid axis, with the reason', () => {
    const big = parseSweepLink('alpha:0.001..0.3:log:9,beta:0.001..0.01:log:8', null, 'sinusoid');
    expect(big.spec).toBeNull();
    expect(big.refused).toBe(
      'sweep refused: alpha asks for 9 values; a map has at most 8 per axis (8×8 cells)',
    );
    const many = parseSweepLink(Array(5000).fill('k:1..2:lin:2').join(','), null, 'sinusoid');
    expect(messages(many)).toEqual([
      'sweep names 5000 axes; a map has two, so all after the first 4 are ignored',
      'k is on an axis already; repeat ignored',
      'k is on an axis already; repeat ignored',
      'k is on an axis already; repeat ignored',
    ]);
    const none = parseSweepLink('nonsense', null, 'sinusoid');
    expect(none.spec).toBeNull();
    expect(none.refused).toBe('sweep refused: no valid axis');
  });

  it('rounds whole-number axes, keeps family bounds and refuses axes the family lacks', () => {
    const r = parseSweepAxes(['inner=1..3:lin:5', 'batch=1..99:lin:2'], 10, 'glyphs');
    expect(messages(r)).toEqual([
      'inner: 1..3 has 3 distinct values, not 5; using 3',
      'batch: 99 is outside [1, 32]; clamped to 32',
    ]);
    expect(r.spec?.x.values).toEqual([1, 2, 3]);
    expect(r.spec?.y?.values).toEqual([1, 32]);
    expect(messages(parseSweepAxes(['hidden=8..64:log:4'], 10, 'glyphs'))).toEqual([
      'hidden does not apply to glyphs tasks; axis ignored',
    ]);
  });

  it('makes each cell the base experiment with its settings, through the schema', () => {
    const base = parseExperiment('k=5&seed=7').config;
    const { spec } = parseSweepAxes(['hidden=10..20:lin:2', 'k=2..4:lin:2'], 10, 'sinusoid');
    const cells = sweepCells(base, spec!);
    expect(cells.map((c) => [c.x, c.y])).toEqual([
      [10, 2],
      [20, 2],
      [10, 4],
      [20, 4],
    ]);
    expect(cells[3]?.config).toMatchObject({ hidden: [20, 20], k: 4, query: 4, seed: 7 });
    expect(cells[3]?.query).toBe(
      'task=sinusoid&algo=maml&alpha=0.01&beta=0.001&inner=1&k=4&query=4&batch=25&hidden=20,20&seed=7',
    );
  });
});

const cell = (metric: number | null, diverged = false): ReadCell => ({ metric, ci95: 0.01, diverged });

describe('sweep reading', () => {
  const metric = { name: 'MSE', unit: '', direction: 'lower' as const };
  const x = { name: 'alpha' as const, values: [0.01, 0.1, 0.3] };
  const y = { name: 'beta' as const, values: [0.001, 0.01] };

  it('names the divergence threshold along x, the best cell and the spread', () => {
    const cells = [cell(0.5), cell(0.2), cell(null, true), cell(0.4), cell(null, true), cell(null, true)];
    expect(sweepReading({ x, y, cells, metric, algo: 'maml' })).toBe(
      'MAML diverges for α ≥ 0.3 at β 0.001; diverges for α ≥ 0.1 at β 0.01; best one-step MSE 0.2 ± 0.01 at α 0.1, β 0.001; trained cells span 0.2–0.5',
    );
  });

  it('gives each algorithm its own clause when the algorithm is the y axis', () => {
    const algos = { name: 'algo' as const, values: ['maml', 'reptile'] };
    const cells = [cell(0.3), cell(null, true), cell(null, true), cell(0.4), cell(0.5), cell(0.6)];
    expect(sweepReading({ x, y: algos, cells, metric, algo: 'maml' })).toBe(
      'MAML diverges for α ≥ 0.1; Reptile trains in every cell; best one-step MSE 0.3 ± 0.01 at α 0.01, MAML; trained cells span 0.3–0.6',
    );
  });

  it('counts scattered divergence instead of inventing a threshold, and says what is unfinished', () => {
    const cells = [cell(null, true), cell(0.2), cell(null, true), null, null, null];
    expect(sweepReading({ x, y: null, cells: cells.slice(0, 3), metric, algo: 'fomaml' })).toBe(
      'FOMAML diverges in 2 of 3 cells; best one-step MSE 0.2 ± 0.01 at α 0.1',
    );
    expect(sweepReading({ x, y, cells, metric, algo: 'maml' })).toMatch(/; 3 of 6 cells finished$/);
  });
});

describe('sweep files', () => {
  const base = defaultsFor('sinusoid');
  const { spec } = parseSweepAxes(['alpha=0.01..0.1:log:2'], 5, 'sinusoid');
  const plan = planOf(base, spec!, { tasks: 10, steps: 1, seed: 2017 });
  const result = (i: number): CellResult => ({
    index: i,
    x: plan.cells[i]!.x,
    y: null,
    query: plan.cells[i]!.query,
    metric: 1 + i,
    ci95: 0.1,
    finalMetaLoss: 2,
    curve: { steps: [5], loss: [2] },
    diverged: false,
    divergedAt: null,
  });

  it('merges cell files into the map one process writes, and refuses gaps and other plans', () => {
    const files = [cellFile(plan, result(1)), cellFile(plan, result(0))];
    const merged = mergeCells(plan, sinusoidFamily.metric, files);
    expect(merged).toEqual(mapOf(plan, sinusoidFamily.metric, [result(0), result(1)]));
    expect(() => mergeCells(plan, sinusoidFamily.metric, files.slice(0, 1))).toThrow(
      'cells without a result: 0',
    );
    const other = planOf(base, { ...spec!, steps: 6 }, plan.eval);
    expect(() => mergeCells(plan, sinusoidFamily.metric, [cellFile(other, result(0))])).toThrow(
      'another plan',
    );
  });
});
