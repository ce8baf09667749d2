/**
 * Messages between the page and a sensitivity-map worker (sweep.worker.ts): the page sends one
 * cell at a time; the worker answers with progress, the cell's result and the trained run as a
 * run file (so a click on the cell opens it in the playground), or the step rate of a probe.
 */
import type { EvalRequest } from '../core/families/family';
import type { CellResult, PlanCell } from '../core/sweep/mapFile';

export type ToSweepWorker =
  /** start tfjs on wasm (the CLI's backend, so the cells equal the CLI's) */
  | { kind: 'init'; wasmPath: string }
  | { kind: 'cell'; cell: PlanCell; steps: number; eval: EvalRequest }
  /** what the page needs of a family to plan a map (the page does not load the compute) */
  | { kind: 'describe'; task: string }
  /** time meta-steps of the experiment `query` for about `budgetMs`, then one scoring */
  | { kind: 'probe'; query: string; budgetMs: number; eval: EvalRequest };

export type FromSweepWorker =
  | { kind: 'ready'; backend: string }
  | { kind: 'progress'; index: number; step: number }
  /** runText: the trained run's file (null for a diverged cell) */
  | { kind: 'done'; result: CellResult; runText: string | null }
  /** meta-steps per second and the seconds one scoring takes, on this worker */
  | { kind: 'rate'; stepsPerSec: number; evalSec: number }
  | { kind: 'family'; task: string; metric: FamilyMetric; evalTasks: number }
  | { kind: 'error'; index: number | null; message: string };

/** A family's metric as a map file keeps it. */
export interface FamilyMetric {
  name: string;
  unit: string;
  direction: 'lower' | 'higher';
}
