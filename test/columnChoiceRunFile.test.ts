import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importTable } from '../src/core/data/csv/importTable';
import { parseExperiment } from '../src/core/experiment';
import { familyOf } from '../src/core/families/registry';
import { loadedTable, setLoadedTable } from '../src/core/families/sheet/loaded';
import { readRunFileData, RunFileError } from '../src/core/runs/parseRunFile';
import { embeddedData, holdData } from '../src/worker/host/runData';
import { openRunFile, writeRunFile } from '../src/worker/runFiles';
import { copy, startBackend } from './helpers';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const train = (args: string[]) =>
  spawnSync(tsx, ['src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

/** Five columns whose names say nothing (the reader's choice is open); y is column c by the user's pick. */
function table(): Uint8Array {
  const rows = ['who,when,a,b,c'];
  for (let t = 0; t < 8; t++)
    for (let i = 0; i < 10; i++) rows.push(`s${t},${i},${t + i},${-i},${Math.sin(t + i).toFixed(4)}`);
  return new TextEncoder().encode(`${rows.join('\n')}\n`);
}

const PICKED = { task: 0, x: 1, y: 4 };
const CHOSEN_LINE = 'columns task = who, x = when, y = c';

/** The page's run of the table read with the user's columns, downloaded with its data. */
async function pageRunFile(): Promise<{ text: string; theta: Float32Array; y: number[] }> {
  await startBackend('cpu');
  const config = parseExperiment('task=sheet&k=3&batch=2&hidden=8').config;
  const family = familyOf('sheet');
  await family.loadTaskFile!(table(), config, { columns: PICKED });
  holdData('sheet', 'curves.csv', table(), { columns: PICKED });
  const run = family.createRun(config, { engine: 'tfjs' });
  for (let i = 0; i < 2; i++) run.step().meta.dispose();
  const data = await embeddedData('sheet');
  const opts = { curves: [], name: null, createdAt: null, backend: 'cpu' as const, data };
  const { text } = await writeRunFile(run, opts);
  const theta = await copy(run.learner.theta);
  run.dispose();
  const y = Array.from(loadedTable().tasks.find((t) => t.id === 's3')!.y);
  return { text, theta, y };
}

describe('the column choice travels with the run file', () => {
  afterEach(() => setLoadedTable(null));

  it('the page embeds it, and opening the file reads the data with it, not with the reader’s choice', async () => {
    const { text, theta, y } = await pageRunFile();
    expect(text).toContain('"columns":{"task":0,"x":1,"y":4}');
    expect(readRunFileData(text).data?.reading).toEqual({ columns: PICKED });
    const unpicked = await importTable(table());
    expect(unpicked.columns.y).not.toBe(4); // the reader alone would train on another column

    setLoadedTable(null);
    holdData('sheet', 'other.csv', new Uint8Array(1));
    const opened = await openRunFile(text, 'sheet', 'tfjs');
    expect(opened.data?.reading).toEqual({ columns: PICKED });
    expect(Array.from(loadedTable().tasks.find((t) => t.id === 's3')!.y)).toEqual(y);
    expect(await copy(opened.run.learner.theta)).toEqual(theta);
    opened.run.dispose();
    // the next download of the reopened run keeps the choice
    expect((await embeddedData('sheet'))?.reading).toEqual({ columns: PICKED });
  });

  it('a run file whose column choice is not names or indexes is refused with the field named', async () => {
    const { text } = await pageRunFile();
    const doc = JSON.parse(text) as { data: Record<string, unknown> };
    doc.data.columns = { task: 0, x: -1, y: 4 };
    expect(() => readRunFileData(JSON.stringify(doc))).toThrow(RunFileError);
    expect(() => readRunFileData(JSON.stringify(doc))).toThrow('data.columns.x');
    doc.data.columns = 'who,when,c';
    expect(() => readRunFileData(JSON.stringify(doc))).toThrow('data.columns is "who,when,c", not an object');
  });

  it('the CLI resumes the page’s file on the chosen columns, and --columns picks them for --tasks', async () => {
    const { text } = await pageRunFile();
    const dir = mkdtempSync(join(tmpdir(), 'columns-'));
    const runPath = join(dir, 'page.run.json');
    writeFileSync(runPath, text);
    const common = ['--steps', '1', '--eval-tasks', '4', '--eval-steps', '1', '--backend', 'cpu'];
    const resumed = train(['--resume', runPath, ...common]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(CHOSEN_LINE);

    const csv = join(dir, 'curves.csv');
    writeFileSync(csv, table());
    const config = ['--config', 'task=sheet&k=3&batch=2&hidden=8'];
    const named = train([...config, '--tasks', csv, '--columns', 'who,when,c', ...common]);
    expect(named.status, named.stderr).toBe(0);
    expect(named.stderr).toContain(CHOSEN_LINE);
    const bad = train([...config, '--tasks', csv, '--columns', 'who,when', ...common]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--columns who,when: give three columns, task,x,y');
    const lone = train([...config, '--columns', '0,1,4', ...common]);
    expect(lone.status).toBe(2);
    expect(lone.stderr).toContain('--columns needs the table it picks from');
  }, 240_000);
});
