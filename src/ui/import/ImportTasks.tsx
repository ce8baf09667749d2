import { useState, type DragEvent } from 'react';
import type { ImportedTable } from '../../core/data/csv/importTable';
import { session } from '../session/session';
import { parseTaskFile } from './parseTaskFile';
import { TaskPreview } from './TaskPreview';

type State =
  | { kind: 'idle' }
  | { kind: 'reading'; name: string; done: number }
  | { kind: 'preview'; name: string; bytes: ArrayBuffer; table: ImportedTable; lines: string[] }
  | { kind: 'error'; name: string; message: string };

/**
 * "Import tasks": a file picker and a drop zone for a task table (CSV, TSV). The file is read in
 * a worker with a progress bar, then previewed (a few tasks, the split, the scaling, what was
 * skipped); "Train on these tasks" hands the table to the page (`onTable`, which throws the
 * reason when the run cannot use it) and the file to the training worker, which starts the run
 * again on it. Nothing leaves the browser.
 */
export function ImportTasks({ task, onTable }: { task: string; onTable(table: ImportedTable): void }) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const read = async (file: File) => {
    setState({ kind: 'reading', name: file.name, done: 0 });
    try {
      const bytes = await file.arrayBuffer();
      const { table, lines } = await parseTaskFile(bytes, (done) =>
        setState({ kind: 'reading', name: file.name, done }),
      );
      setState({ kind: 'preview', name: file.name, bytes, table, lines });
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
    session.send({ kind: 'taskFile', task, bytes: s.bytes, source: s.name });
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
