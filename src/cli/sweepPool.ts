/**
 * Train a plan's cells: in this process (one worker), or in N child processes (sweepWorker.ts)
 * that each train one cell at a time. Every cell is the same computation wherever it runs, so the
 * results do not depend on N. A child that dies takes only its cell: the cell is retried once in
 * a fresh child, then marked failed.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCell } from '../core/sweep/cell';
import { cellResult, planCellConfig, type CellResult, type SweepPlan } from '../core/sweep/mapFile';
import type { CellJob } from './sweepWorker';

export interface PoolEvents {
  /** meta-steps a cell has trained so far */
  progress(index: number, step: number): void;
  done(result: CellResult): void;
}

type ChildMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; index: number; step: number }
  | { kind: 'done'; result: CellResult }
  | { kind: 'error'; index: number; message: string };

const WORKER = fileURLToPath(new URL('./sweepWorker.ts', import.meta.url));
const ATTEMPTS = 2;

export async function trainCells(
  plan: SweepPlan,
  indices: readonly number[],
  workers: number,
  events: PoolEvents,
): Promise<CellResult[]> {
  if (workers <= 1) return trainHere(plan, indices, events);
  return new ChildPool(plan, indices, Math.min(workers, indices.length), events).run();
}

async function trainHere(
  plan: SweepPlan,
  indices: readonly number[],
  events: PoolEvents,
): Promise<CellResult[]> {
  const out: CellResult[] = [];
  for (const i of indices) {
    const cell = plan.cells[i];
    if (!cell) throw new Error(`the plan has no cell ${i}`);
    const score = await runCell(planCellConfig(cell), plan.steps, plan.eval, {
      onProgress: (s) => events.progress(i, s),
    });
    const result = cellResult(cell, score);
    events.done(result);
    out.push(result);
  }
  return out;
}

/** Children fed one cell at a time from a queue; results kept by cell index. */
class ChildPool {
  private readonly queue: number[];
  private readonly results = new Map<number, CellResult>();
  private readonly tries = new Map<number, number>();
  private resolve: (r: CellResult[]) => void = () => undefined;
  private reject: (e: Error) => void = () => undefined;

  constructor(
    private readonly plan: SweepPlan,
    private readonly indices: readonly number[],
    private readonly size: number,
    private readonly events: PoolEvents,
  ) {
    this.queue = [...indices];
  }

  run(): Promise<CellResult[]> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      for (let i = 0; i < this.size; i++) this.spawn();
    });
  }

  private spawn(): void {
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let current: number | null = null;
    let ready = false;
    const next = () => {
      current = this.queue.shift() ?? null;
      if (current === null) child.disconnect();
      else child.send(this.job(current));
    };
    child.on('message', (m: ChildMessage) => {
      if (m.kind === 'ready') {
        ready = true;
        next();
      } else if (m.kind === 'progress') this.events.progress(m.index, m.step);
      else if (m.kind === 'done') {
        this.finish(m.result);
        next();
      } else {
        child.kill();
        this.reject(new Error(`cell ${m.index}: ${m.message}`));
      }
    });
    child.on('exit', (code, signal) => {
      // a worker that cannot start (no backend, no module) would fail every cell alike
      if (!ready) this.reject(new Error(`a sweep worker exited before it was ready (code ${String(code)})`));
      else if (current !== null && !this.results.has(current)) this.lost(current, code, signal);
    });
  }

  private job(index: number): CellJob {
    const cell = this.plan.cells[index];
    if (!cell) throw new Error(`the plan has no cell ${index}`);
    return { cell, steps: this.plan.steps, eval: this.plan.eval };
  }

  /** A child died with a cell: once more in a fresh child, then the cell is marked failed. */
  private lost(index: number, code: number | null, signal: NodeJS.Signals | null): void {
    const tries = (this.tries.get(index) ?? 1) + 1;
    this.tries.set(index, tries);
    const how = signal ? `signal ${signal}` : `code ${String(code)}`;
    process.stderr.write(
      `\ncell ${index}: its worker exited (${how})${tries <= ATTEMPTS ? '; retrying it' : ''}\n`,
    );
    if (tries <= ATTEMPTS) {
      this.queue.unshift(index);
      this.spawn();
      return;
    }
    const cell = this.plan.cells[index] as SweepPlan['cells'][number];
    const empty = { metric: null, ci95: null, finalMetaLoss: null, curve: { steps: [], loss: [] } };
    const failed = { ...empty, diverged: false, divergedAt: null };
    this.finish({ ...cellResult(cell, failed), failed: `its worker exited (${how}) twice` });
  }

  private finish(result: CellResult): void {
    this.results.set(result.index, result);
    this.events.done(result);
    if (this.results.size === this.indices.length)
      this.resolve(this.indices.map((i) => this.results.get(i) as CellResult));
  }
}
