import { useState, type DragEvent } from 'react';
import type { ImportedTable } from '../../core/data/csv/importTable';
import { dataMatches, dataMismatch } from '../../core/data/dataLink';
import { askedData } from './linkedData';
import { AskForFile, keep, trainOn, useArrivedData, useRestore } from './keptData';
import { parseTaskFile } from './parseTaskFile';
import { TaskPreview } from './TaskPreview';
import { ColumnPicker, type PickedColumns } from './ColumnPicker';

type State =
  | { kind: 'idle' }
  | { kind: 'reading'; name: string; done: number }
  | {
      kind: 'preview';
      name: string;
      file: File;
      table: ImportedTable;
      lines: string[];
      /** the columns the user picked (none: the reader's choice) */
      picked: PickedColumns | null;
      /** the reader chose the columns from several: the picker is shown */
      choosable: boolean;
    }
  | { kind: 'error'; name: string; message: string };

/**
 * "Import tasks": a file picker and a drop zone for a task table (CSV, TSV). The file is read in
 * a worker with a progress bar, then previewed (a few tasks, the split, the scaling, what was
 * skipped); "Train on these tasks" hands the table to the page (`onTable`, which throws the
 * reason when the run cannot use it) and the file to the training worker, which starts the run
 * again on it; the file is kept in IndexedDB for the next load (taskFiles.ts). Nothing leaves the browser.
 * A link that names data by its content hash (`data=`) trains on the kept file with that hash; without
 * one the panel asks for the file in one line, and refuses a file whose hash differs (linkedData.ts).
 */
interface Props {
  task: string;
  /** the page takes the table (throws the reason when the run cannot use it) */
  onTable(table: ImportedTable): void;
  /** on mount, train on the file kept from an earlier import, when there is one */
  restore: boolean;
}

type Previewed = Extract<State, { kind: 'preview' }>;

/** The read file's preview: a few tasks, the column choice where it was open, what was read, and the button that trains on them. */
function Preview({
  state,
  onUse,
  onPick,
}: {
  state: Previewed;
  onUse(): void;
  onPick(c: PickedColumns): void;
}) {
  return (
    <div className="import-summary">
      <TaskPreview table={state.table} />
      {state.choosable && <ColumnPicker columns={state.table.columns} onPick={onPick} />}
      <ul>
        {state.lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <button type="button" onClick={onUse}>
        Train on these tasks
      </button>
    </div>
  );
}

/** The picker of a table file. */
function TableInput({ onFile }: { onFile(file: File): void }) {
  return (
    <label className="import-drop">
      Drop a CSV or TSV here, or{' '}
      <input
        type="file"
        accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values"
        aria-label="import tasks from a CSV or TSV file"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) onFile(file);
        }}
      />
    </label>
  );
}

export function ImportTasks({ task, onTable, restore }: Props) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [wanted, setWanted] = useState<string | null>(null);
  useRestore(
    task,
    restore,
    async (kept) => onTable((await parseTaskFile(kept.file, () => undefined, kept.reading?.columns)).table),
    setWanted,
  );
  useArrivedData(
    task,
    async (file, _name, reading) =>
      onTable((await parseTaskFile(file, () => undefined, reading?.columns)).table),
    () => setWanted(null),
  );
  const read = async (file: File, picked: PickedColumns | null = null) => {
    setState({ kind: 'reading', name: file.name, done: 0 });
    try {
      const { table, lines } = await parseTaskFile(
        file,
        (done) => setState({ kind: 'reading', name: file.name, done }),
        picked ?? undefined,
      );
      const asked = askedData(task);
      if (asked !== null && !dataMatches(asked, table.hash)) throw new Error(dataMismatch(asked, table.hash));
      const choosable = picked !== null || table.columns.ambiguous;
      setState({ kind: 'preview', name: file.name, file, table, lines, picked, choosable });
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
    const reading = s.picked ? { columns: s.picked } : undefined;
    trainOn(task, s.name, s.file, s.table.hash, reading);
    void keep(task, s.name, s.file, s.table.hash, reading);
    setWanted(null);
    setState({ kind: 'idle' });
  };
  return (
    <fieldset className="field import-tasks" onDragOver={(e) => e.preventDefault()} onDrop={drop}>
      <legend>import tasks</legend>
      {wanted !== null && <AskForFile hash={wanted} />}
      <TableInput onFile={(file) => void read(file)} />
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
        <Preview state={state} onUse={() => use(state)} onPick={(picked) => void read(state.file, picked)} />
      )}
    </fieldset>
  );
}
