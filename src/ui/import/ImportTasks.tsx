import { useEffect, useState, type DragEvent } from 'react';
import type { ImportedTable } from '../../core/data/csv/importTable';
import { session } from '../session/session';
import { useStore } from '../shell/store';
import { keepTaskFile, keptTaskFile } from './taskFiles';
import { parseTaskFile } from './parseTaskFile';
import { TaskPreview } from './TaskPreview';

type State =
  | { kind: 'idle' }
  | { kind: 'reading'; name: string; done: number }
  | { kind: 'preview'; name: string; file: Blob; table: ImportedTable; lines: string[] }
  | { kind: 'error'; name: string; message: string };

/**
 * "Import tasks": a file picker and a drop zone for a task table (CSV, TSV). The file is read in
 * a worker with a progress bar, then previewed (a few tasks, the split, the scaling, what was
 * skipped); "Train on these tasks" hands the table to the page (`onTable`, which throws the
 * reason when the run cannot use it) and the file to the training worker, which starts the run
 * again on it; the file is kept in IndexedDB for the next load (taskFiles.ts). Nothing leaves the browser.
 */
/** the page says once per load that imported data is not kept */
let toldNotKept = false;

/** Keep the file for the next load; where the browser refuses, say so once (training goes on). */
async function keep(task: string, name: string, file: Blob, hash: string): Promise<void> {
  if (await keepTaskFile({ task, name, hash, file, savedAt: new Date().toISOString() })) return;
  if (toldNotKept) return;
  toldNotKept = true;
  useStore
    .getState()
    .notify('warning', 'The imported tasks are not kept in this browser', [
      'Storage is full or turned off: training goes on, and after a reload the file must be imported again.',
    ]);
}

interface Props {
  task: string;
  /** the page takes the table (throws the reason when the run cannot use it) */
  onTable(table: ImportedTable): void;
  /** on mount, train on the file kept from an earlier import, when there is one */
  restore: boolean;
}

/** On mount, when asked, train on the file kept from an earlier import (if there is one). */
function useRestore(task: string, restore: boolean, onTable: Props['onTable']): void {
  useEffect(() => {
    if (!restore) return;
    void keptTaskFile(task)
      .then(async (kept) => {
        if (!kept) return;
        const { table } = await parseTaskFile(kept.file, () => undefined);
        onTable(table);
        session.send({ kind: 'taskFile', task, file: kept.file, source: kept.name });
      })
      .catch(() => undefined); // a kept file this config cannot use leaves the example in place
    // once per mount: a later import replaces the kept file itself
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}

export function ImportTasks({ task, onTable, restore }: Props) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  useRestore(task, restore, onTable);
  const read = async (file: File) => {
    setState({ kind: 'reading', name: file.name, done: 0 });
    try {
      const { table, lines } = await parseTaskFile(file, (done) =>
        setState({ kind: 'reading', name: file.name, done }),
      );
      setState({ kind: 'preview', name: file.name, file, table, lines });
    } catch (err) {
      setState({ kind: 'error', name: file.name, message: err instanceof Error ? err.message : String(err) });
    }
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (file) void read(file);
  };
  const use = (s: Extract<State, { kind: 'preview' }>) => {
    try {
      onTable(s.table);
    } catch (err) {
      setState({ kind: 'error', name: s.name, message: err instanceof Error ? err.message : String(err) });
      return;
    }
    session.send({ kind: 'taskFile', task, file: s.file, source: s.name });
    void keep(task, s.name, s.file, s.table.hash);
    setState({ kind: 'idle' });
  };
  return (
    <fieldset className="field import-tasks" onDragOver={(e) => e.preventDefault()} onDrop={drop}>
      <legend>import tasks</legend>
      <label className="import-drop">
        Drop a CSV or TSV here, or{' '}
        <input
          type="file"
          accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values"
          aria-label="import tasks from a CSV or TSV file"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void read(file);
          }}
        />
      </label>
      {state.kind === 'reading' && (
        <progress
          className="import-progress"
          max={1}
          value={state.done}
          aria-label={`reading ${state.name}`}
        />
      )}
      {state.kind === 'error' && (
        <p className="import-error" role="alert">
          {state.name}: {state.message}
        </p>
      )}
      {state.kind === 'preview' && (
        <div className="import-summary">
          <TaskPreview table={state.table} />
          <ul>
            {state.lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <button type="button" onClick={() => use(state)}>
            Train on these tasks
          </button>
        </div>
      )}
    </fieldset>
  );
}
