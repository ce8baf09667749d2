/**
 * A child process of `npm run sweep -- --workers N`: starts the wasm backend, says it is ready,
 * then trains the cells its parent sends one at a time, reporting progress and each result over
 * the IPC channel (see sweepPool.ts for the messages).
 */
import type { EvalRequest } from '../core/families/family';
import { runCell } from '../core/sweep/cell';
import { cellResult, planCellConfig, type PlanCell } from '../core/sweep/mapFile';
import { startBackend } from './backend';

export interface CellJob {
  cell: PlanCell;
  steps: number;
  eval: EvalRequest;
}

const send = (message: unknown): void => {
  process.send?.(message);
};

async function handle(job: CellJob): Promise<void> {
  try {
    const score = await runCell(planCellConfig(job.cell), job.steps, job.eval, {
      onProgress: (step) => send({ kind: 'progress', index: job.cell.index, step }),
    });
    send({ kind: 'done', result: cellResult(job.cell, score) });
  } catch (err) {
    send({ kind: 'error', index: job.cell.index, message: err instanceof Error ? err.message : String(err) });
  }
}

await startBackend('wasm');
process.on('message', (job: CellJob) => void handle(job));
process.on('disconnect', () => process.exit(0));
send({ kind: 'ready' });
