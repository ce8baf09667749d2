import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_EXPERIMENT } from '../src/core/experiment';
import type { SavedRun } from '../src/ui/runs/autosaveDb';
import type { RunFileReply } from '../src/ui/runs/autosave';

const puts: SavedRun[] = [];
vi.mock('../src/ui/runs/autosaveDb', () => ({
  deleteSavedRun: () => Promise.resolve(),
}));
vi.mock('../src/ui/runs/shelfRecords', () => ({
  putSavedRun: (r: SavedRun) => {
    puts.push(r);
    return Promise.resolve();
  },
}));

const { Autosave } = await import('../src/ui/runs/autosave');
const { useStore } = await import('../src/ui/shell/store');
const { UI_FAMILIES } = await import('../src/ui/families/registry');
const { installFamilies } = await import('../src/ui/shell/families');
installFamilies(UI_FAMILIES);

/** A run writer whose exports finish when the test says so. */
function heldWriter() {
  const pending: Array<() => void> = [];
  const names: Array<string | null> = [];
  return {
    names,
    finishAll: async () => {
      while (pending.length > 0) {
        pending.shift()?.();
        // let the save write its record and start the next one
        for (let i = 0; i < 20; i++) await Promise.resolve();
      }
    },
    exportRun: (_curves: unknown, name: string | null) => {
      names.push(name);
      const { step, config } = useStore.getState();
      return new Promise<RunFileReply>((done) =>
        pending.push(() => done({ step, config, text: `{"step":${step}}`, summary: null, error: null })),
      );
    },
  };
}

describe('Autosave', () => {
  beforeEach(() => {
    puts.length = 0;
    useStore.setState({ phase: 'ready', step: 7, config: DEFAULT_EXPERIMENT });
  });

  it('a rename while a save is being written is saved after it, with the new name', async () => {
    const writer = heldWriter();
    const autosave = new Autosave(writer);
    autosave.continued(
      { createdAt: '2026-01-01T00:00:00.000Z', step: 5, config: DEFAULT_EXPERIMENT, name: null, curves: [] },
      null,
    );
    void autosave.save();
    // the page's run gets its record id from its first save
    await writer.finishAll();
    const id = autosave.currentId();
    expect(id).not.toBeNull();
    expect(puts.map((r) => r.name)).toEqual([undefined]);

    // a later save (new step) is under way when the run is renamed on the shelf
    useStore.setState({ step: 9 });
    void autosave.save();
    autosave.renamed(id ?? '', 'first run');
    await writer.finishAll();
    expect(writer.names).toEqual([null, null, 'first run']);
    expect(puts.at(-1)?.name).toBe('first run');
    expect(puts.at(-1)?.step).toBe(9);

    // nothing new: no more saves; the same name again: none either
    autosave.renamed(id ?? '', 'first run');
    void autosave.save();
    await writer.finishAll();
    expect(puts).toHaveLength(3);
  });

  it('a save under way when the page moves on to a new run writes nothing; the new run gets its own record', async () => {
    const writer = heldWriter();
    const autosave = new Autosave(writer);
    autosave.continued(
      {
        createdAt: '2026-01-01T00:00:00.000Z',
        step: 5,
        config: DEFAULT_EXPERIMENT,
        name: 'first run',
        curves: [],
      },
      null,
    );
    void autosave.save();
    await writer.finishAll();
    const first = autosave.currentId();
    expect(puts.map((r) => [r.id, r.name])).toEqual([[first, 'first run']]);

    // a save of the named run is under way when the page resets to a fresh run
    useStore.setState({ step: 12 });
    void autosave.save();
    autosave.restarted();
    useStore.setState({ step: 3 });
    await writer.finishAll();
    // the file exported for the old run was not written; the fresh run was saved, without the name
    expect(puts).toHaveLength(2);
    const second = puts[1];
    expect(second?.id).not.toBe(first);
    expect(second?.name).toBeUndefined();
    expect(second?.step).toBe(3);
    expect(autosave.currentId()).toBe(second?.id);
  });

  it('a rename of another record does not touch this run', async () => {
    const writer = heldWriter();
    const autosave = new Autosave(writer);
    void autosave.save();
    await writer.finishAll();
    autosave.renamed('some-other-run', 'not mine');
    await writer.finishAll();
    expect(puts.map((r) => r.name)).toEqual([undefined]);
  });
});
