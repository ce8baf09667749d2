import { describe, expect, it } from 'vitest';
import { readTableBytes } from '../src/core/data/csv/importTable';
import { LINES_KEPT } from '../src/core/data/csv/reader';
import { TableError } from '../src/core/data/csv/tableError';
import type { TaskTable } from '../src/core/data/csv/taskTable';
import { Rng } from '../src/core/random';

/** Pieces a mutation inserts: delimiters, quotes, line ends, odd numbers, non-UTF-8 bytes. */
const PIECES = [
  ',',
  ';',
  '\t',
  '"',
  '""',
  '\n',
  '\r',
  '\r\n',
  'NaN',
  'inf',
  '-Infinity',
  '1e999',
  '1e308',
  '-1e308',
  '5e-324',
  'e',
  '-',
  '.',
  'x',
  ' ',
  'ÿ',
  '\u0000',
  '9'.repeat(400),
  '\n\n\n',
  'a,1,2,3\n',
  'task,x,y\n',
];

function baseTable(rng: Rng): string {
  const delimiter = [',', '\t', ';'][rng.int(3)] as string;
  const rows = rng.int(2) === 0 ? [['task', 'x', 'y'].join(delimiter)] : [];
  const tasks = 1 + rng.int(8);
  for (let i = 0; i < 5 + rng.int(60); i++) {
    rows.push(
      [`t${rng.int(tasks)}`, rng.uniform(-10, 10).toFixed(3), rng.normal().toPrecision(4)].join(delimiter),
    );
  }
  return rows.join(rng.int(3) === 0 ? '\r\n' : '\n');
}

function mutate(rng: Rng, text: Uint8Array): Uint8Array {
  let bytes = Array.from(text);
  const edits = 1 + rng.int(8);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(bytes.length + 1);
    const op = rng.int(5);
    if (op === 0) bytes.splice(at, 1 + rng.int(5));
    else if (op === 1)
      bytes.splice(at, 0, ...new TextEncoder().encode(PIECES[rng.int(PIECES.length)] as string));
    else if (op === 2) bytes.splice(at, 0, rng.int(256));
    else if (op === 3) bytes = bytes.slice(0, at);
    else bytes.splice(at, 0, ...bytes.slice(rng.int(bytes.length + 1), rng.int(bytes.length + 1)));
  }
  return Uint8Array.from(bytes);
}

/** What every table that reads must satisfy, whatever the input. */
function checkConsistent(t: TaskTable): void {
  const { counts } = t;
  expect(counts.rows).toBe(counts.kept + counts.malformed + counts.nonFinite);
  expect(t.tasks.reduce((n, task) => n + task.x.length, 0)).toBe(counts.kept);
  expect(counts.malformedLines.length).toBe(Math.min(LINES_KEPT, counts.malformed));
  expect(counts.nonFiniteLines.length).toBe(Math.min(LINES_KEPT, counts.nonFinite));
  expect(t.tasks.length).toBeGreaterThanOrEqual(2);
  expect(t.tasks.some((k) => k.heldOut) && t.tasks.some((k) => !k.heldOut)).toBe(true);
  expect(Number.isFinite(t.scale.xStd) && t.scale.xStd > 0 && t.scale.yStd > 0).toBe(true);
  for (const task of t.tasks) {
    expect(task.x.length).toBeGreaterThan(0);
    for (let i = 0; i < task.x.length; i++) {
      expect(Number.isFinite(task.x[i]) && Number.isFinite(task.y[i])).toBe(true);
      expect(task.x[i]).toBeGreaterThanOrEqual(t.xRange[0]);
      expect(task.x[i]).toBeLessThanOrEqual(t.xRange[1]);
      expect(Math.abs(task.y[i] as number)).toBeLessThanOrEqual(t.yBound);
    }
  }
}

describe('task table fuzz', () => {
  it('1,200 seeded mutated tables: a consistent table or the parser own error, never anything else', () => {
    const rng = Rng.stream(30, 'csv-fuzz');
    const outcomes = { read: 0, refused: 0 };
    for (let i = 0; i < 1200; i++) {
      const input = mutate(rng, new TextEncoder().encode(baseTable(rng)));
      const small = rng.int(3) === 0;
      const options = {
        chunkBytes: 1 + rng.int(64),
        ...(small
          ? { limits: { maxRows: 1 + rng.int(40), maxTasks: 1 + rng.int(6), maxLineLength: 50 } }
          : {}),
      };
      let table: TaskTable;
      try {
        table = readTableBytes(input, options);
      } catch (err) {
        if (!(err instanceof TableError)) throw new Error(`case ${i}: ${String(err)}`);
        expect(err.message.length).toBeGreaterThan(10);
        expect(err.message).not.toContain('\n');
        outcomes.refused++;
        continue;
      }
      checkConsistent(table);
      expect(readTableBytes(input, { ...options, chunkBytes: 1 << 20 }).tasks).toEqual(table.tasks);
      outcomes.read++;
    }
    // both outcomes are exercised
    expect(outcomes.read).toBeGreaterThan(300);
    expect(outcomes.refused).toBeGreaterThan(50);
  });
});
