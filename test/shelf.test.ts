import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { ACCURACY, MSE } from '../src/ui/kit/metric';
import { COMPARE_COLORS } from '../src/ui/kit/palette';
import {
  comparedOf,
  comparedSlice,
  MAX_COMPARED,
  type ComparedRun,
  type ComparedState,
} from '../src/ui/shell/comparedSlice';
import type { SavedRun } from '../src/ui/runs/autosaveDb';
import {
  bestOf,
  copyName,
  defaultName,
  dropEntry,
  placeEntry,
  settingsOf,
  shelfEntry,
  thinned,
  type ShelfEntry,
} from '../src/ui/runs/shelfEntry';
import type { GetStore, SetStore } from '../src/ui/shell/store';
import { UI_FAMILIES } from '../src/ui/families/registry';
import { installFamilies } from '../src/ui/shell/families';

installFamilies(UI_FAMILIES);

/** The slice on a store of its own. */
function slice() {
  let state = { compared: [], liveRunId: null } as ComparedState;
  const set = ((patch: Partial<ComparedState>) => {
    state = { ...state, ...patch };
  }) as unknown as SetStore;
  const get = (() => state) as unknown as GetStore;
  const actions = comparedSlice(set, get);
  return { actions, state: () => state };
}

const run = (id: string, task = 'sinusoid'): Omit<ComparedRun, 'color'> => ({
  id,
  name: `run ${id}`,
  task,
  loss: { steps: [1, 2], values: [2, 1] },
  evals: null,
  adapt: null,
});

describe('compared runs', () => {
  it('takes up to four runs, each in a colour of its own, and refuses a fifth with a sentence', () => {
    const { actions, state } = slice();
    for (const id of ['a', 'b', 'c', 'd']) expect(actions.compareRun(run(id))).toBeNull();
    expect(MAX_COMPARED).toBe(4);
    expect(state().compared.map((r) => r.color)).toEqual([...COMPARE_COLORS]);
    expect(actions.compareRun(run('e'))).toBe('At most 4 runs are compared at once: untick one first.');
    expect(state().compared.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    // a freed colour goes to the next run; a run compared again keeps its colour (a rename)
    actions.uncompareRun('b');
    expect(actions.compareRun(run('e'))).toBeNull();
    expect(state().compared.find((r) => r.id === 'e')?.color).toBe(COMPARE_COLORS[1]);
    expect(actions.compareRun({ ...run('a'), name: 'renamed' })).toBeNull();
    expect(state().compared.find((r) => r.id === 'a')).toMatchObject({
      name: 'renamed',
      color: COMPARE_COLORS[0],
    });
  });

  it("draws only the page family's runs", () => {
    const list = [run('a'), run('b', 'glyphs')].map((r) => ({ ...r, color: '#000' }));
    expect(comparedOf(list, 'sinusoid').map((r) => r.id)).toEqual(['a']);
    // the same list when every run is of the page's family (the charts' selectors stay stable)
    const mine = list.slice(0, 1);
    expect(comparedOf(mine, 'sinusoid')).toBe(mine);
  });
});

describe('shelf entries', () => {
  it('name a run by its algorithm, family and α, and list the settings that tell runs apart', () => {
    const c = parseExperiment('task=sinusoid&algo=reptile&alpha=0.02&hidden=20,20&inner=2').config;
    expect(defaultName(c)).toBe('Reptile · sinusoid · α 0.02');
    expect(settingsOf(c)).toBe('α 0.02 · β 0.001 · 2 inner steps · K 10 · batch 25 · net 1-20-20-1');
    const g = parseExperiment('task=glyphs').config;
    expect(settingsOf(g)).toMatch(/\d+-way · (conv \d+ filters|fc)$/);
  });

  it("find the best held-out score in the family's direction", () => {
    const curve = { name: 'eval:maml', steps: [0, 10, 20, 30], values: [0.2, 0.9, 0.5, 1e9] };
    // MSE: lowest usable (a diverged 1e9 is not a score); accuracy: highest
    expect(bestOf(curve, MSE)).toEqual({ value: 0.2, step: 0 });
    expect(bestOf({ ...curve, values: [0.2, 0.9, 0.5, 0.7] }, ACCURACY)).toEqual({ value: 0.9, step: 10 });
    expect(bestOf(undefined, MSE)).toBeNull();
  });

  it('thin long curves to means of equal runs, ending at the last step', () => {
    const n = 10_000;
    const c = {
      name: 'meta-loss',
      steps: Array.from({ length: n }, (_, i) => i + 1),
      values: new Array<number>(n).fill(3),
    };
    const t = thinned(c, 100);
    expect(t?.steps.length).toBe(100);
    expect(t?.steps.at(-1)).toBe(n);
    expect(t?.values.every((v) => v === 3)).toBe(true);
    expect(thinned({ ...c, steps: [], values: [] })).toBeNull();
  });
});

describe('the shelf list', () => {
  const damaged = (id: string, savedAt: string): ShelfEntry => ({ ok: false, id, savedAt, reason: 'r' });
  const ids = (list: ShelfEntry[]) => list.map((e) => e.id);

  it('puts a written record in place of its old entry, or adds it, newest first', () => {
    const list = [damaged('b', '2025-03'), damaged('a', '2025-01')];
    expect(ids(placeEntry(list, damaged('c', '2025-02')))).toEqual(['b', 'c', 'a']);
    // saved again: it moves to the top, listed once
    expect(ids(placeEntry(list, damaged('a', '2025-04')))).toEqual(['a', 'b']);
    expect(ids(dropEntry(list, 'b'))).toEqual(['a']);
    expect(ids(dropEntry(list, 'x'))).toEqual(['b', 'a']);
  });

  it('lists a record the training worker refused as damaged, with why and its name', () => {
    const run: SavedRun = {
      id: 'r1',
      key: 'task=sinusoid',
      task: 'sinusoid',
      algo: 'maml',
      step: 5,
      savedAt: '2025-01-01T00:00:00.000Z',
      text: '{}',
      name: 'mine',
      damaged: 'the training worker refused it: θ has 3 values, not 1761',
    };
    expect(shelfEntry({ ok: true, run })).toEqual({
      ok: false,
      id: 'r1',
      savedAt: run.savedAt,
      reason: run.damaged,
      name: 'mine',
    });
    // unmarked, the same text is read (and here found unreadable for its own reason)
    const { damaged: _, ...unmarked } = run;
    const entry = shelfEntry({ ok: true, run: unmarked });
    expect(entry.ok).toBe(false);
    expect(!entry.ok && entry.reason).not.toBe(run.damaged);
  });

  it('names a copy once', () => {
    expect(copyName('MAML · sinusoid · α 0.01')).toBe('MAML · sinusoid · α 0.01 (copy)');
    expect(copyName('x (copy)')).toBe('x (copy)');
    expect(copyName('n'.repeat(300))).toHaveLength(200);
  });
});
