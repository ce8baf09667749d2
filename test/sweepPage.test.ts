import { describe, expect, it } from 'vitest';
import { defaultsFor } from '../src/core/experiment';
import { planOf, type CellResult } from '../src/core/sweep/mapFile';
import { parseSweepAxes } from '../src/core/sweep/spec';
import { readLink } from '../src/ui/shell/url';
import { REGRESSION_LINK_RULES } from '../src/ui/families/regression/linkRules';
import { CellPool, poolSize, type CellWorker } from '../src/ui/sweep/cellPool';
import { axisText, defaultDraft, draftOfSpec, parseDraft } from '../src/ui/sweep/mapDraft';
import {
  currentCell,
  estimateSeconds,
  goodnessScale,
  mapRows,
  paceSecondsLeft,
  secondsLeft,
} from '../src/ui/sweep/mapView';
import type { FromSweepWorker, ToSweepWorker } from '../src/worker/sweepProtocol';

const base = defaultsFor('sinusoid');
const spec = parseSweepAxes(['alpha=0.001..0.1:log:3', 'beta=0.001..0.01:log:2'], 100, 'sinusoid').spec!;
const plan = planOf(base, spec, { tasks: 10, steps: 1, seed: 2017 });
const mse = { name: 'MSE', unit: '', direction: 'lower' as const };

function result(index: number, metric: number | null, diverged = false): CellResult {
  const pc = plan.cells[index]!;
  return {
    index,
    x: pc.x,
    y: pc.y,
    query: pc.query,
    metric,
    ci95: metric === null ? null : 0.01,
    finalMetaLoss: metric,
    curve: { steps: [], loss: [] },
    diverged,
    divergedAt: null,
  };
}

describe('the map form', () => {
  it('turns its fields into the CLI axes and back from a parsed spec', () => {
    const d = defaultDraft('sinusoid');
    expect(d.x.name).toBe('alpha');
    expect(d.y?.name).toBe('beta');
    expect(axisText(d.x)).toBe('alpha=0.001..0.3:log:4');
    const parsed = parseDraft(d, 'sinusoid');
    expect(parsed.refused).toBeNull();
    expect(draftOfSpec(parsed.spec!)).toMatchObject({
      x: { name: 'alpha', lo: '0.001', count: '4' },
      steps: '2000',
    });
  });

  it('refuses a grid over 8 values per axis with the reason', () => {
    const d = defaultDraft('sinusoid');
    const r = parseDraft({ ...d, x: { ...d.x, count: '9' } }, 'sinusoid');
    expect(r.spec).toBeNull();
    expect(r.refused).toMatch(/at most 8 per axis/);
  });
});

describe('the map view', () => {
  it('colours trained cells by goodness, log scale across decades, best = 1', () => {
    const cells = [result(0, 0.01), result(1, 1), result(2, null, true), null, null, null];
    const s = goodnessScale(cells, mse)!;
    expect(s.log).toBe(true);
    expect(s.goodness(0.01)).toBe(1);
    expect(s.goodness(1)).toBe(0);
    expect(s.goodness(0.1)).toBeCloseTo(0.5);
    expect(goodnessScale([null, result(2, null, true)], mse)).toBeNull();
    const acc = goodnessScale([result(0, 0.5), result(1, 0.9)], { ...mse, direction: 'higher' })!;
    expect(acc.log).toBe(false);
    expect(acc.goodness(0.9)).toBe(1);
  });

  it('finds the current settings on the map, and nothing when they are off it', () => {
    const cell = plan.cells[4]!;
    expect(currentCell(plan, { ...base, alpha: cell.x as number, beta: cell.y as number })).toBe(4);
    expect(currentCell(plan, { ...base, alpha: 0.0123 })).toBeNull();
  });

  it("gives the time left at the map's own pace once cells have finished in this run", () => {
    const pace = { cells: 8, finished: 0, inProgress: [0.5, 0.5], cellSecs: [] as number[], workers: 2 };
    expect(paceSecondsLeft(pace)).toBeNull();
    // 2 finished (6 s and 8 s), 2 half done, 4 queued: 5 cells' work on 2 workers at 7 s a cell
    expect(paceSecondsLeft({ ...pace, finished: 2, cellSecs: [6, 8] })).toBeCloseTo(17.5, 12);
    // the last cell, a fifth done: what it has left, not half of it (the other worker is idle)
    expect(paceSecondsLeft({ ...pace, finished: 7, inProgress: [0.2], cellSecs: [5] })).toBeCloseTo(4, 12);
    // reports past the end count as finished; one worker takes every queued cell
    expect(paceSecondsLeft({ ...pace, finished: 6, inProgress: [1.3, 0], cellSecs: [2], workers: 1 })).toBe(
      2,
    );
    expect(paceSecondsLeft({ ...pace, finished: 8, inProgress: [], cellSecs: [2] })).toBe(0);
  });

  it('estimates from a measured rate and a pace, and writes one CSV row per cell', () => {
    expect(estimateSeconds(6, 100, { stepsPerSec: 50, evalSec: 1 }, 2)).toBe(9);
    expect(secondsLeft(600, 0, 5)).toBeNull();
    expect(secondsLeft(600, 200, 10)).toBe(20);
    const rows = mapRows(plan, [result(0, 0.5), result(1, null, true), null, null, null, null], mse);
    expect(rows.header).toEqual(['alpha', 'beta', 'MSE after 1 step', 'ci95', 'final meta-loss', 'status']);
    expect(rows.rows.map((r) => r[5])).toEqual([
      'trained',
      'diverged',
      'unfinished',
      'unfinished',
      'unfinished',
      'unfinished',
    ]);
    expect(poolSize(2, 64)).toBe(1);
    expect(poolSize(8, 3)).toBe(3);
    expect(poolSize(undefined, 64)).toBe(1);
  });
});

describe('a share link with a map', () => {
  it('opens the map with its axes; hostile values are explained in one line each', () => {
    const link = readLink('?task=sinusoid&sweep=alpha:0.3..0.001:log:4,gamma:1..2:lin:2&sweepsteps=abc', '', {
      sinusoid: REGRESSION_LINK_RULES,
    });
    expect(link.sweep?.x).toMatchObject({ name: 'alpha', lo: 0.001, hi: 0.3 });
    expect(link.warnings).toEqual([
      'alpha: range 0.3..0.001 is reversed; using 0.001..0.3',
      'unknown axis "gamma" ignored (axes: alpha, beta, inner, k, batch, hidden, filters, algo)',
      'sweepsteps=abc is not a number; using 2000',
    ]);
    const big = readLink('?task=sinusoid&sweep=alpha:0.001..0.3:log:20', '', {
      sinusoid: REGRESSION_LINK_RULES,
    });
    expect(big.sweep).toBeNull();
    expect(big.warnings.at(-1)).toMatch(/^sweep refused: alpha asks for 20 values/);
  });
});

/** A worker that answers from a script: `fate(index, attempt)` says what becomes of each cell. */
class FakeWorker implements CellWorker {
  onmessage: ((e: { data: FromSweepWorker }) => void) | null = null;
  onerror: ((e: { message?: string }) => void) | null = null;
  ended = false;
  constructor(private readonly fate: (index: number) => 'ok' | 'die') {}
  postMessage(m: ToSweepWorker): void {
    queueMicrotask(() => {
      if (this.ended) return;
      if (m.kind === 'init') this.onmessage?.({ data: { kind: 'ready', backend: 'wasm' } });
      else if (m.kind === 'cell') {
        if (this.fate(m.cell.index) === 'die') this.onerror?.({ message: 'boom' });
        else this.onmessage?.({ data: { kind: 'done', result: result(m.cell.index, 0.1), runText: 'run' } });
      }
    });
  }
  terminate(): void {
    this.ended = true;
  }
}

function runPool(fate: (index: number, attempt: number) => 'ok' | 'die', size: number, begun: number[] = []) {
  const tries = new Map<number, number>();
  const done: CellResult[] = [];
  return new Promise<CellResult[]>((resolve, reject) => {
    const pool = new CellPool(
      plan,
      [0, 1, 2, 3, 4, 5],
      () =>
        new FakeWorker((i) => {
          const t = (tries.get(i) ?? 0) + 1;
          tries.set(i, t);
          return fate(i, t);
        }),
      'wasm/',
      {
        began: (i) => begun.push(i),
        progress: () => undefined,
        done: (r) => done.push(r),
        finished: () => resolve(done),
        fatal: (m) => reject(new Error(m)),
      },
    );
    pool.start(size);
  });
}

describe('the page pool', () => {
  it('trains every cell once over its workers', async () => {
    const done = await runPool(() => 'ok', 2);
    expect(done.map((r) => r.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('retries a cell whose worker dies once, then marks it failed; the others train', async () => {
    const begun: number[] = [];
    const done = await runPool(
      (i, attempt) => (i === 2 || (i === 4 && attempt === 1) ? 'die' : 'ok'),
      2,
      begun,
    );
    // each hand-over to a worker is told (a retried cell twice): the map times its cells from it
    expect(begun.sort()).toEqual([0, 1, 2, 2, 3, 4, 4, 5]);
    const byIndex = new Map(done.map((r) => [r.index, r]));
    expect(done).toHaveLength(6);
    expect(byIndex.get(2)?.failed).toMatch(/failed twice \(boom\)/);
    expect(byIndex.get(4)?.failed).toBeUndefined();
    expect(byIndex.get(4)?.metric).toBe(0.1);
  });
});

describe('a kept map', () => {
  it('is its plan, its key and its cells (runs are kept apart)', async () => {
    const { savedMap } = await import('../src/ui/sweep/mapSaves');
    const cells = [result(0, 0.5), null, null, null, null, null];
    const kept = savedMap(plan, mse, cells, new Date(0));
    expect(kept).toMatchObject({ base: plan.config, savedAt: '1970-01-01T00:00:00.000Z', plan, metric: mse });
    expect(kept.cells).toEqual(cells);
    expect(kept.cells).not.toBe(cells);
  });
});
