/**
 * A pool of sensitivity-map workers fed one cell at a time from a queue. A worker that dies (its
 * error event, or an error message about its cell) takes only its cell: the cell is retried once
 * in a fresh worker, then marked failed. cancel() ends every worker; the cells already finished
 * stay with the caller (they were handed over as they finished).
 */
import type { EvalRequest } from '../../core/families/family';
import { cellResult, type CellResult, type SweepPlan } from '../../core/sweep/mapFile';
import type { FromSweepWorker, ToSweepWorker } from '../../worker/sweepProtocol';

/** What the pool needs of a worker (a page Worker, or a fake in tests). */
export interface CellWorker {
  postMessage(message: ToSweepWorker): void;
  terminate(): void;
  onmessage: ((e: { data: FromSweepWorker }) => void) | null;
  onerror: ((e: { message?: string; preventDefault?: () => void }) => void) | null;
}

export interface PoolEvents {
  /** a cell is handed to a worker (again, when its first worker died) */
  began?(index: number): void;
  progress(index: number, step: number): void;
  /** a finished cell: trained, diverged, or failed twice; runText opens its run */
  done(result: CellResult, runText: string | null): void;
  /** every queued cell has finished */
  finished(): void;
  /** a worker could not start (no backend): every cell would fail alike, so the pool stopped */
  fatal(message: string): void;
}

/** a cell is tried this many times before it is marked failed */
export const CELL_ATTEMPTS = 2;

/** The pool size for a machine: one worker per core but one (the page's), at least one. */
export function poolSize(cores: number | undefined, cells: number): number {
  const free = Math.max(1, Math.floor(cores ?? 2) - 1);
  return Math.max(1, Math.min(free, cells));
}

export class CellPool {
  private readonly queue: number[];
  private readonly tries = new Map<number, number>();
  private readonly live = new Set<CellWorker>();
  private remaining: number;
  private stopped = false;

  constructor(
    private readonly plan: SweepPlan,
    indices: readonly number[],
    private readonly make: () => CellWorker,
    private readonly wasmPath: string,
    private readonly events: PoolEvents,
  ) {
    this.queue = [...indices];
    this.remaining = indices.length;
  }

  start(size: number): void {
    if (this.remaining === 0) {
      this.events.finished();
      return;
    }
    for (let i = 0; i < Math.min(size, this.queue.length); i++) this.spawn();
  }

  /** Ends every worker now; cells in training are dropped (they stay unfinished). */
  cancel(): void {
    this.stopped = true;
    for (const w of this.live) w.terminate();
    this.live.clear();
  }

  private spawn(): void {
    const worker = this.make();
    this.live.add(worker);
    let current: number | null = null;
    let ready = false;
    const next = () => {
      current = this.queue.shift() ?? null;
      if (current === null) this.retire(worker);
      else {
        this.events.began?.(current);
        worker.postMessage(this.job(current));
      }
    };
    worker.onmessage = (e) => {
      if (this.stopped) return;
      const m = e.data;
      if (m.kind === 'ready') {
        ready = true;
        next();
      } else if (!ready)
        this.fail(`a map worker could not start: ${m.kind === 'error' ? m.message : m.kind}`);
      else if (m.kind === 'progress') this.events.progress(m.index, m.step);
      else if (m.kind === 'done') {
        this.finish(m.result, m.runText);
        next();
      } else if (m.kind === 'error') this.lost(worker, current, m.message);
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      const why = e.message || 'the worker failed';
      if (this.stopped) return;
      if (ready) this.lost(worker, current, why);
      else this.fail(`a map worker could not start: ${why}`);
    };
    worker.postMessage({ kind: 'init', wasmPath: this.wasmPath });
  }

  private fail(message: string): void {
    this.cancel();
    this.events.fatal(message);
  }

  private job(index: number): ToSweepWorker {
    const cell = this.plan.cells[index];
    if (!cell) throw new Error(`the plan has no cell ${index}`);
    const evalRequest: EvalRequest = this.plan.eval;
    return { kind: 'cell', cell, steps: this.plan.steps, eval: evalRequest };
  }

  private retire(worker: CellWorker): void {
    worker.terminate();
    this.live.delete(worker);
  }

  /** The worker is ended; its cell goes back to the queue once, then is marked failed. */
  private lost(worker: CellWorker, index: number | null, why: string): void {
    this.retire(worker);
    if (index !== null) {
      const tries = (this.tries.get(index) ?? 1) + 1;
      this.tries.set(index, tries);
      if (tries > CELL_ATTEMPTS) this.finish(failedCell(this.plan, index, why), null);
      else this.queue.unshift(index);
    }
    if (this.queue.length > 0 && !this.stopped) this.spawn();
  }

  private finish(result: CellResult, runText: string | null): void {
    this.events.done(result, runText);
    this.remaining--;
    if (this.remaining === 0) this.events.finished();
  }
}

/** A cell whose worker failed twice: no numbers, and the reason. */
export function failedCell(plan: SweepPlan, index: number, why: string): CellResult {
  const cell = plan.cells[index];
  if (!cell) throw new Error(`the plan has no cell ${index}`);
  const empty = { metric: null, ci95: null, finalMetaLoss: null, curve: { steps: [], loss: [] } };
  return {
    ...cellResult(cell, { ...empty, diverged: false, divergedAt: null }),
    failed: `its worker failed twice (${why})`,
  };
}
