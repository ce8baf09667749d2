import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { chooseColumns } from '../src/core/data/csv/columns';
import { describeImport, importTable, readTableBytes, sha256Hex } from '../src/core/data/csv/importTable';
import { TableReader } from '../src/core/data/csv/reader';
import { TableError } from '../src/core/data/csv/tableError';
import { splitIds } from '../src/core/data/csv/taskTable';

const bytes = (text: string) => new TextEncoder().encode(text);

/** A table of `tasks` tasks with `points` points each, y = task index + x. */
function grid(tasks: number, points: number, header = 'task,x,y'): string {
  const rows = [header];
  for (let t = 0; t < tasks; t++) for (let i = 0; i < points; i++) rows.push(`T${t},${i},${t + i}`);
  return `${rows.join('\n')}\n`;
}

describe('reading a task table', () => {
  it('reads CSV, TSV and ;-separated files with or without a header, CRLF and quotes included', () => {
    const csv = readTableBytes(bytes(grid(3, 4)));
    expect(csv.tasks.map((t) => t.id)).toEqual(['T0', 'T1', 'T2']);
    expect(csv.counts).toMatchObject({ rows: 12, kept: 12, malformed: 0, nonFinite: 0 });
    expect(csv.columns.header).toBe(true);
    const tsv = readTableBytes(bytes(grid(3, 4).replaceAll(',', '\t').replaceAll('\n', '\r\n')));
    expect(tsv.delimiter).toBe('\t');
    expect(tsv.tasks[1]?.y).toEqual(csv.tasks[1]?.y);
    const plain = readTableBytes(bytes('"a,1";1;2\n"a,1";2;3\nb;1;5\nb;3;4\n'));
    expect(plain.columns.header).toBe(false);
    expect(plain.delimiter).toBe(';');
    expect(plain.tasks.map((t) => t.id)).toEqual(['a,1', 'b']);
  });

  it('gives the same table whatever the chunk size (one byte to the whole file)', () => {
    const text = bytes(`${grid(6, 5)}T9,1,x\nT9,NaN,1\nT8,2,3`);
    const whole = readTableBytes(text);
    for (const chunkBytes of [1, 3, 7, 64]) {
      const chunked = readTableBytes(text, { chunkBytes });
      expect(chunked.counts).toEqual(whole.counts);
      expect(chunked.tasks).toEqual(whole.tasks);
    }
  });

  it('skips and counts malformed and non-finite rows with their first line numbers', () => {
    const text = 'task,x,y\na,1,2\na,2\na,x,3\nb,inf,1\nb,1,NaN\nb,1e999,2\n,1,2\na,3,4\nb,2,2\nb,3,"4\n';
    const t = readTableBytes(bytes(text));
    expect(t.counts).toEqual({
      rows: 10,
      kept: 3,
      malformed: 4,
      nonFinite: 3,
      malformedLines: [3, 4, 8, 11],
      nonFiniteLines: [5, 6, 7],
    });
    const lines = describeImport(t);
    expect(lines.some((l) => l.startsWith('4 malformed rows skipped (lines 3, 4, 8, 11)'))).toBe(true);
    expect(
      lines.some((l) => l.startsWith('3 rows with NaN or infinite values skipped (lines 5, 6, 7)')),
    ).toBe(true);
  });

  it('caps rows and tasks with the reason, and drops a line that never ends', () => {
    const limits = { maxRows: 10, maxTasks: 1000, maxLineLength: 100 };
    const rows = readTableBytes(bytes(grid(5, 5)), { limits });
    expect(rows.counts.kept).toBe(10);
    expect(rows.capped).toMatch(/^stopped at line 11: 10 rows read \(the cap\)/);
    const tasks = readTableBytes(bytes(grid(5, 5)), { limits: { ...limits, maxRows: 1000, maxTasks: 3 } });
    expect(tasks.tasks.length).toBe(3);
    expect(tasks.capped).toMatch(/more than 3 tasks \(the cap\)/);
    const long = `${grid(2, 3)}a,${'9'.repeat(500)}\n${grid(2, 2, 'c,1,2')}`;
    const read = readTableBytes(bytes(long), { limits: { ...limits, maxRows: 1000 }, chunkBytes: 16 });
    expect(read.counts.malformed).toBe(1);
    expect(read.counts.malformedLines).toEqual([8]);
    expect(read.counts.kept).toBe(11);
  });

  it('refuses a single task, an empty file and a file without three columns in one clear line', () => {
    expect(() => readTableBytes(bytes('task,x,y\na,1,2\na,2,3\n'))).toThrow(/single task \("a"\)/);
    expect(() => readTableBytes(bytes('\n\n'))).toThrow(TableError);
    expect(() => readTableBytes(bytes('x,y\n1,2\n'))).toThrow(/2 columns/);
    expect(() => readTableBytes(bytes('task,x,y\na,b,c\n'))).toThrow(/no row of the file could be read/);
  });

  it('chooses columns by name, by position, on request, and flags an open choice', () => {
    const named = chooseColumns(['Value', 'Time', 'Patient', 'note']);
    expect([named.task, named.x, named.y, named.ambiguous]).toEqual([2, 1, 0, false]);
    const open = chooseColumns(['a', 'b', 'c', 'd']);
    expect([open.task, open.x, open.y, open.ambiguous]).toEqual([0, 1, 2, true]);
    const noHeader = chooseColumns(['1.5', 'p7', '2', '3']);
    expect([noHeader.header, noHeader.task, noHeader.x, noHeader.y]).toEqual([false, 1, 0, 2]);
    const asked = chooseColumns(['a', 'b', 'c', 'd'], { task: 'D', x: 2, y: 'a' });
    expect([asked.task, asked.x, asked.y, asked.ambiguous]).toEqual([3, 2, 0, false]);
    expect(() => chooseColumns(['a', 'b', 'c'], { x: 'z' })).toThrow(/x column "z"/);
  });

  it('splits by a seeded hash of the id (row order does not matter) and standardises on meta-training points', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `id${i}`);
    const held = splitIds(ids, { splitSeed: 3, heldOutShare: 0.2 });
    expect(held.filter(Boolean).length).toBe(10);
    const reversed = splitIds([...ids].reverse(), { splitSeed: 3, heldOutShare: 0.2 }).reverse();
    expect(reversed).toEqual(held);
    expect(splitIds(ids, { splitSeed: 4, heldOutShare: 0.2 })).not.toEqual(held);
    expect(splitIds(['a', 'b'], { splitSeed: 1, heldOutShare: 0.01 }).filter(Boolean).length).toBe(1);
    const t = readTableBytes(bytes(grid(20, 10)));
    let [n, sx, sy] = [0, 0, 0];
    for (const task of t.tasks.filter((k) => !k.heldOut)) {
      for (let i = 0; i < task.x.length; i++)
        [n, sx, sy] = [n + 1, sx + (task.x[i] as number), sy + (task.y[i] as number)];
    }
    expect(Math.abs(sx / n)).toBeLessThan(1e-5);
    expect(Math.abs(sy / n)).toBeLessThan(1e-5);
    expect(t.scale.xMean).toBeCloseTo(4.5, 6);
  });

  it('names the data by the SHA-256 of its bytes', async () => {
    expect(await sha256Hex(bytes('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    const file = readFileSync('public/examples/sensor-days.csv');
    const table = await importTable(file);
    expect(table.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(table.tasks.length).toBe(40);
    expect(table.bytes).toBe(file.length);
  });

  it('reads pushes of any split of a line', () => {
    const reader = new TableReader();
    for (const piece of ['task,x', ',y\na,1', ',2\r', '\nb,2,3\n', 'b,3,', '4']) reader.push(piece);
    const raw = reader.finish();
    expect([...raw.tasks.keys()]).toEqual(['a', 'b']);
    expect(raw.tasks.get('b')).toEqual({ x: [2, 3], y: [3, 4] });
  });
});
