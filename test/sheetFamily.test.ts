import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { importTable } from '../src/core/data/csv/importTable';
import { familyOf } from '../src/core/families/registry';
import { makeEvalTasks, DEFAULT_EVAL } from '../src/core/families/regression/evaluate';
import { exampleCsv } from '../src/core/families/sheet/example';
import { loadedTable, setLoadedTable, usingExample } from '../src/core/families/sheet/loaded';
import { distinctIndices, tableTasks, tooSmallLine } from '../src/core/families/sheet/sampler';
import { Rng } from '../src/core/random';
import { startBackend } from './helpers';

const EXAMPLE = readFileSync('public/examples/sensor-days.csv');
const config = (query = '') => parseExperiment(`task=sheet&k=5&batch=4${query}`).config;

afterEach(() => setLoadedTable(null));

describe('tasks from an imported table', () => {
  it('draws support and query as distinct points of one meta-training task; evaluation only held-out tasks', async () => {
    const table = await importTable(EXAMPLE);
    const tasks = tableTasks(table);
    const b = tasks.sampleBatch(Rng.stream(1, 'train'), 30, 5, 10);
    for (let t = 0; t < b.tasks; t++) {
      const task = table.tasks[b.taskParams[t] as number];
      expect(task?.heldOut).toBe(false);
      const pairs = new Set<string>();
      for (let i = 0; i < 5; i++) pairs.add(`${b.xs[t * 5 + i]},${b.ys[t * 5 + i]}`);
      for (let i = 0; i < 10; i++) pairs.add(`${b.xq[t * 10 + i]},${b.yq[t * 10 + i]}`);
      expect(pairs.size).toBe(15);
      for (let i = 0; i < 5; i++) {
        expect(tasks.truth(b.taskParams, t, b.xs[t * 5 + i] as number)).toBeCloseTo(
          b.ys[t * 5 + i] as number,
          4,
        );
      }
    }
    const held = makeEvalTasks(tasks, { ...DEFAULT_EVAL, tasks: 40, k: 5 });
    expect(held.query).toBe(DEFAULT_EVAL.points);
    for (let t = 0; t < held.tasks; t++)
      expect(table.tasks[held.taskParams[t] as number]?.heldOut).toBe(true);
    expect(tasks.describe(held.taskParams, 0)).toMatch(/^task "S\d\d": \d+ points, held out$/);
  });

  it('leaves out tasks with fewer than K + query points, says so in one line, refuses when none is left', async () => {
    const text = [
      'task,x,y',
      ...Array.from({ length: 120 }, (_, i) => `big${i % 6},${i},${i % 7}`),
      'tiny,1,1',
      'tiny,2,2',
    ];
    const table = await importTable(new TextEncoder().encode(text.join('\n')));
    expect(tooSmallLine(table, 12, 6, 6)).toBe(
      '1 task has fewer than K + query = 6 + 6 points and is left out: "tiny" (2)',
    );
    expect(tooSmallLine(table, 2, 1, 1)).toBeNull();
    const b = tableTasks(table).sampleBatch(Rng.stream(2, 'train'), 50, 6, 4);
    for (const index of b.taskParams) expect(table.tasks[index]?.id).not.toBe('tiny');
    // a view asking for more query points than the tasks have: they repeat, nothing fails
    const wide = tableTasks(table).sampleBatch(Rng.stream(2, 'train'), 3, 6, 50);
    expect(wide.yq.every(Number.isFinite)).toBe(true);
    expect(() => tableTasks(table).sampleBatch(Rng.stream(2, 'train'), 5, 20, 20)).toThrow(
      /no meta-training task has K \+ 1 = 21 points/,
    );
    const order = distinctIndices(Rng.stream(3, 'x'), 10, 10);
    expect([...order].sort((a, c) => a - c)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('the CLI path and a chunked import of the same file train the same first steps, to the bit', async () => {
    await startBackend('cpu');
    const family = familyOf('sheet');
    const losses = async (): Promise<number[]> => {
      const run = family.createRun(config(), { engine: 'tfjs' });
      const out: number[] = [];
      for (let s = 0; s < 3; s++) {
        const { meta, pretrained } = run.step();
        out.push((await meta.data())[0] as number);
        meta.dispose();
        pretrained?.dispose();
      }
      out.push(...((await run.learner.theta.data()) as Float32Array).slice(0, 8));
      run.dispose();
      return out;
    };
    const loaded = await family.loadTaskFile?.(EXAMPLE, config());
    expect(loaded?.lines[1]).toMatch(
      /split by a hash of the task id \(seed 2017\): 32 meta-training, 8 held out/,
    );
    const viaCli = await losses();
    setLoadedTable(await importTable(EXAMPLE, { chunkBytes: 4096 }));
    const viaChunks = await losses();
    expect(viaChunks).toEqual(viaCli);
    expect(viaCli.every(Number.isFinite)).toBe(true);
  });

  it('without an import, trains on the example table, which is the example file', async () => {
    expect(usingExample()).toBe(true);
    expect(exampleCsv()).toBe(EXAMPLE.toString('utf8'));
    expect(loadedTable().tasks).toEqual((await importTable(EXAMPLE)).tasks);
    setLoadedTable(await importTable(new TextEncoder().encode('id,x,y\na,1,2\nb,2,3\n')));
    expect(usingExample()).toBe(false);
  });

  it('evaluates every initialisation on held-out tasks', async () => {
    await startBackend('cpu');
    const family = familyOf('sheet');
    const run = family.createRun(config(), { engine: 'tfjs' });
    for (let s = 0; s < 5; s++) {
      const { meta, pretrained } = run.step();
      meta.dispose();
      pretrained?.dispose();
    }
    const report = await run.evaluateReport({ tasks: 20, steps: 2, seed: 2017 });
    expect(report.table).toMatch(/MSE on 20 held-out tasks/);
    expect(report.table).toMatch(/pretrained/);
    run.dispose();
  });
});
