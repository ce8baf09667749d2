import type { TaskTable } from '../../data/csv/taskTable';
import { exampleTable } from './example';

/**
 * The imported table runs of this family train on: one per context (the page's worker, the CLI),
 * set by whoever imported it before a run is created. Without one, the example table.
 */
let current: TaskTable | null = null;

export function setLoadedTable(table: TaskTable | null): void {
  current = table;
}

/** The imported table, or the example when none is loaded. */
export function loadedTable(): TaskTable {
  return current ?? exampleTable();
}

/** Whether runs train on the example table (no file was imported). */
export function usingExample(): boolean {
  return current === null;
}
