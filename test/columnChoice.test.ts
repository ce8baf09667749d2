import { describe, expect, it } from 'vitest';
import { importTable } from '../src/core/data/csv/importTable';
import { parseExperiment } from '../src/core/experiment';
import { familyOf } from '../src/core/families/registry';
import { loadedTable, setLoadedTable } from '../src/core/families/sheet/loaded';

/** Five columns whose names say nothing: the reader's choice is open (ambiguous). */
function table(): Uint8Array {
  const rows = ['who,when,a,b,c'];
  for (let t = 0; t < 8; t++)
    for (let i = 0; i < 10; i++) rows.push(`s${t},${i},${t + i},${-i},${(t * i) % 7}`);
  return new TextEncoder().encode(rows.join('\n'));
}

describe('the column choice the page offers', () => {
  it('an open choice is flagged, and the columns picked are the ones the family trains on', async () => {
    const open = await importTable(table());
    expect(open.columns.ambiguous).toBe(true);
    expect([open.columns.task, open.columns.x, open.columns.y]).toEqual([0, 1, 2]);
    const config = parseExperiment('task=sheet&k=4').config;
    const { lines } = await familyOf('sheet').loadTaskFile!(table(), config, {
      columns: { task: 0, x: 1, y: 4 },
    });
    expect(lines[0]).toContain('columns task = who, x = when, y = c');
    expect(lines[0]).not.toContain('chosen from several');
    const y = loadedTable().tasks.find((t) => t.id === 's3')!;
    const fresh = await importTable(table(), { columns: { task: 0, x: 1, y: 4 } });
    expect(Array.from(y.y)).toEqual(Array.from(fresh.tasks.find((t) => t.id === 's3')!.y));
    setLoadedTable(null);
    await expect(
      familyOf('sheet').loadTaskFile!(table(), config, { columns: { task: 0, x: 0, y: 4 } }),
    ).rejects.toThrow('the task, x and y columns must be three different columns');
  });
});
