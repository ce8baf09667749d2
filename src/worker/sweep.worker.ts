/**
 * A page worker of the sensitivity map: starts tfjs on wasm, then trains the cells the page sends
 * one at a time with core/sweep/cell.ts (the fused engine where the family has one), exactly as
 * `npm run sweep` does. It also times a few meta-steps for the page's estimate before Start.
 */
import { parseExperiment } from '../core/experiment';
import { familyOf } from '../core/families/registry';
import type { FamilyRun } from '../core/families/family';
import { runCell } from '../core/sweep/cell';
import { cellResult, planCellConfig } from '../core/sweep/mapFile';
import { chooseBackend } from './backend';
import { writeRunFile } from './runFiles';
import type { FromSweepWorker, ToSweepWorker } from './sweepProtocol';

interface WorkerScope {
  postMessage(message: FromSweepWorker): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToSweepWorker>) => void): void;
}

const scope = self as unknown as WorkerScope;
const post = (m: FromSweepWorker): void => scope.postMessage(m);
const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function trainCell(m: Extract<ToSweepWorker, { kind: 'cell' }>): Promise<void> {
  const index = m.cell.index;
  let runText: string | null = null;
  const onTrained = async (run: FamilyRun): Promise<void> => {
    const curve = { name: 'meta-loss', steps: [] as number[], values: [] as number[] };
    runText = (await writeRunFile(run, { curves: [curve], name: null, createdAt: null, backend: 'wasm' }))
      .text;
  };
  const score = await runCell(planCellConfig(m.cell), m.steps, m.eval, {
    onProgress: (step) => post({ kind: 'progress', index, step }),
    onTrained,
  });
  post({ kind: 'done', result: cellResult(m.cell, score), runText });
}

/** how long a new worker trains before its rate is timed */
const WARM_UP_MS = 1000;
let warmedUp = false;

/** Steps per second after a short warm-up, and the time of one scoring, for the experiment. */
async function probe(m: Extract<ToSweepWorker, { kind: 'probe' }>): Promise<void> {
  const { config } = parseExperiment(m.query);
  const family = familyOf(config.task);
  await family.loadFusedEngine?.();
  const run = family.createRun(config, { engine: 'fused', pretrained: false });
  try {
    const steps = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const { meta, pretrained } = run.step();
        pretrained?.dispose();
        await meta.data();
        meta.dispose();
      }
    };
    // warm-up: a new worker's WebAssembly runs baseline code until the optimised code is compiled
    // in the background, and its first scoring fills caches; a pool worker trains for minutes, so
    // the warm rate is what a cell costs
    const warm = performance.now();
    do await steps(10);
    while (!warmedUp && performance.now() - warm < WARM_UP_MS);
    if (!warmedUp) await run.evaluateReport(m.eval);
    warmedUp = true;
    const t0 = performance.now();
    let n = 0;
    while (n < 20 || performance.now() - t0 < m.budgetMs) {
      await steps(10);
      n += 10;
    }
    const t1 = performance.now();
    await run.evaluateReport(m.eval);
    const t2 = performance.now();
    post({ kind: 'rate', stepsPerSec: (1000 * n) / (t1 - t0), evalSec: (t2 - t1) / 1000 });
  } finally {
    run.dispose();
  }
}

async function handle(m: ToSweepWorker): Promise<void> {
  try {
    if (m.kind === 'init') {
      const choice = await chooseBackend('wasm', m.wasmPath);
      post({ kind: 'ready', backend: choice.backend });
    } else if (m.kind === 'describe') {
      const { metric, evalDefaults } = familyOf(m.task);
      const { name, unit, direction } = metric;
      post({
        kind: 'family',
        task: m.task,
        metric: { name, unit, direction },
        evalTasks: evalDefaults.tasks,
      });
    } else if (m.kind === 'cell') await trainCell(m);
    else await probe(m);
  } catch (e) {
    post({ kind: 'error', index: m.kind === 'cell' ? m.cell.index : null, message: text(e) });
  }
}

// one message at a time, in order: a cell never interleaves with another
let queue: Promise<void> = Promise.resolve();
scope.addEventListener('message', (e) => {
  queue = queue.then(() => handle(e.data));
});
