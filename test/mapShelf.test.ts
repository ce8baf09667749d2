import { describe, expect, it } from 'vitest';
import { defaultsFor } from '../src/core/experiment';
import { planKey, planOf, type CellResult } from '../src/core/sweep/mapFile';
import { parseSweepAxes } from '../src/core/sweep/spec';
import { readLink } from '../src/ui/shell/url';
import { REGRESSION_LINK_RULES } from '../src/ui/families/regression/linkRules';
import { savedMap } from '../src/ui/sweep/mapSaves';
import { mapPageLink, mapShelfEntries, mapShelfEntry } from '../src/ui/sweep/mapShelfEntry';

const base = defaultsFor('sinusoid');
const spec = parseSweepAxes(['alpha=0.001..0.1:log:3', 'beta=0.001..0.01:log:2'], 100, 'sinusoid').spec!;
const plan = planOf(base, spec, { tasks: 10, steps: 1, seed: 2017 });
const mse = { name: 'MSE', unit: '', direction: 'lower' as const };

function result(index: number, metric: number | null, extra: Partial<CellResult> = {}): CellResult {
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
    diverged: false,
    divergedAt: null,
    ...extra,
  };
}

describe('a kept map on the runs shelf', () => {
  it('names its family, its axes with their ranges, and its cells finished of all', () => {
    const cells = [result(0, 0.5), result(1, 0.2), null, null, null, null];
    const e = mapShelfEntry(savedMap(plan, mse, cells, new Date('2026-12-07T06:00:00Z')));
    expect(e.key).toBe(planKey(plan));
    expect(e.task).toBe('sinusoid');
    expect(e.axes).toBe('α 0.001 … 0.1 (3) × β 0.001 … 0.01 (2)');
    expect(e.done).toBe(2);
    expect(e.total).toBe(6);
    expect(e.savedAt).toBe('2026-12-07T06:00:00.000Z');
    expect(e.reading).toMatch(/best one-step MSE 0.2 ± 0.01 at α 0.01, β 0.001/);
    expect(e.reading).toMatch(/2 of 6 cells finished$/);
  });

  it('does not count a failed cell as finished, and reads only the cells that trained', () => {
    const failed = result(2, null, { failed: 'its worker died twice' });
    const cells = [result(0, 0.5), result(1, 0.2), failed, null, null, null];
    const withFailed = mapShelfEntry(savedMap(plan, mse, cells, new Date(0)));
    const without = mapShelfEntry(
      savedMap(plan, mse, [cells[0]!, cells[1]!, null, null, null, null], new Date(0)),
    );
    expect(withFailed.done).toBe(2);
    expect(withFailed.reading).toBe(without.reading);
  });

  it('lists the newest map first', () => {
    const old = savedMap(plan, mse, [result(0, 0.5), null, null, null, null, null], new Date(1000));
    const plan2 = planOf({ ...base, seed: base.seed + 1 }, spec, { tasks: 10, steps: 1, seed: 2017 });
    const recent = savedMap(
      plan2,
      mse,
      plan2.cells.map(() => null),
      new Date(2000),
    );
    expect(mapShelfEntries([old, recent]).map((e) => e.key)).toEqual([planKey(plan2), planKey(plan)]);
  });

  it("opens another family's page with the map's experiment and axes", () => {
    const m = savedMap(
      plan,
      mse,
      plan.cells.map(() => null),
      new Date(0),
    );
    const link = readLink(mapPageLink(m), '', { sinusoid: REGRESSION_LINK_RULES });
    expect(link.sweep?.x).toMatchObject({ name: 'alpha', lo: 0.001, hi: 0.1, count: 3 });
    expect(link.sweep?.y).toMatchObject({ name: 'beta', count: 2 });
    expect(link.sweep?.steps).toBe(100);
    expect(link.warnings).toEqual([]);
  });
});
