import { startTransition, useEffect, useRef, useState, type DragEvent } from 'react';
import { dataMatches, dataMismatch } from '../../../core/data/dataLink';
import { askedData } from '../linkedData';
import { AskForFile, keep, trainOn, useArrivedData, useRestore, type ReadData } from '../keptData';
import { ConversionPreview, SplitView } from './ConversionPreview';
import { droppedSource, entriesOf, type DropEntry } from './droppedFiles';
import type { ImageImportRequest, ImportedImages } from './imageMessages';
import { importImages, type ImageImport } from './importImages';
import '../import.css';

type State =
  | { kind: 'idle' }
  | { kind: 'reading'; name: string; phase: 'reading' | 'decoding'; done: number; total: number }
  | { kind: 'preview'; name: string; result: ImportedImages }
  | { kind: 'error'; name: string; message: string };

interface Props {
  task: string;
  /** the page takes the imported classes (throws the reason when the run cannot use them) */
  onImages(result: ImportedImages, name: string): void;
  /** on mount, train on the archive kept from an earlier import, when there is one */
  restore: boolean;
}

/**
 * The decoded classes, sent from the import's worker straight to the training worker over a port
 * moved to it (the archive is still kept and embedded).
 */
const handOver = (job: ImageImport): ReadData => {
  const port = job.handOver();
  return { data: port, transfer: [port] };
};

const errorLine = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The imported classes before training: conversions, split, what was read, and the button. */
function Preview({ state, onUse }: { state: Extract<State, { kind: 'preview' }>; onUse(): void }) {
  return (
    <div className="import-summary">
      <ConversionPreview samples={state.result.samples} />
      <SplitView result={state.result} />
      <ul>
        {state.result.lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <button type="button" onClick={onUse}>
        Train on these classes
      </button>
    </div>
  );
}

function Progress({ state, onCancel }: { state: Extract<State, { kind: 'reading' }>; onCancel(): void }) {
  return (
    <div className="import-reading">
      <progress
        className="import-progress"
        max={Math.max(1, state.total)}
        value={state.done}
        aria-label={`${state.phase} ${state.name}`}
      />
      <span className="note">
        {state.phase} {state.done}/{state.total}
      </span>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/**
 * The archive kept from an earlier import (on mount, when asked; its decoded classes handed to
 * the training worker) and one a run file brought, each imported for the page's part of it.
 */
function useKeptImages({ task, onImages, restore }: Props, setWanted: (hash: string | null) => void) {
  const importZip = (file: Blob) => importImages({ kind: 'zip', file }, () => undefined);
  useRestore(
    task,
    restore,
    async (kept) => {
      const job = importZip(kept.file);
      try {
        onImages(await job.done, kept.name);
      } catch (err) {
        job.dispose();
        throw err;
      }
      return handOver(job);
    },
    setWanted,
  );
  // the training worker has the data already (the run file's): only the page's part is made
  useArrivedData(
    task,
    async (file, name) => {
      const job = importZip(file);
      try {
        onImages(await job.done, name);
      } finally {
        job.dispose();
      }
    },
    () => setWanted(null),
  );
}

/**
 * The import being read or previewed, whose worker holds the decoded classes until it is ended
 * (`release`: a new import, a fault, leaving the page), and `read`, which starts one.
 */
function useImport(task: string) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const jobRef = useRef<ImageImport | null>(null);
  const release = () => {
    jobRef.current?.cancel();
    jobRef.current = null;
  };
  useEffect(() => release, []);
  const read = async (name: string, request: Promise<ImageImportRequest>) => {
    release();
    setState({ kind: 'reading', name, phase: 'reading', done: 0, total: 0 });
    let job: ImageImport | null = null;
    try {
      job = importImages(await request, (phase, done, total) =>
        setState({ kind: 'reading', name, phase, done, total }),
      );
      jobRef.current = job;
      const result = await job.done;
      const asked = askedData(task);
      if (asked !== null && !dataMatches(asked, result.hash))
        throw new Error(dataMismatch(asked, result.hash));
      // an interruptible render: the preview's parts do not add up to one long task
      startTransition(() => setState({ kind: 'preview', name, result }));
    } catch (err) {
      // a later import has taken over: this one's end is not shown
      if (job !== null && jobRef.current !== job) return;
      release();
      setState(
        errorLine(err) === 'cancelled' ? { kind: 'idle' } : { kind: 'error', name, message: errorLine(err) },
      );
    }
  };
  return { state, setState, jobRef, release, read };
}

/**
 * "Import images": a zip (picker or drop) or a dropped folder of class folders, imported in a
 * worker with a progress bar and a cancel button, then shown (a few images beside their 28×28
 * conversions, the split, what was read); "Train on these classes" hands them to the page
 * (`onImages`) and the archive to the training worker, and keeps it in IndexedDB. Every fault is
 * one line, and nothing kept or trained on changes until the button is pressed. A link naming
 * data by content hash asks for it and refuses other data, as the table import does.
 */
export function ImportImages({ task, onImages, restore }: Props) {
  const [wanted, setWanted] = useState<string | null>(null);
  const { state, setState, jobRef, release, read } = useImport(task);
  useKeptImages({ task, onImages, restore }, setWanted);
  const dropped = (e: DragEvent) => {
    e.preventDefault();
    const entries: DropEntry[] = entriesOf(e.dataTransfer.items);
    const name = entries.length === 1 ? (entries[0]?.name ?? 'the drop') : `${entries.length} dropped items`;
    if (entries.length > 0) void read(name, droppedSource(entries));
  };
  const use = (s: Extract<State, { kind: 'preview' }>) => {
    const job = jobRef.current;
    if (job === null) return;
    try {
      onImages(s.result, s.name);
    } catch (err) {
      release();
      setState({ kind: 'error', name: s.name, message: errorLine(err) });
      return;
    }
    jobRef.current = null;
    setWanted(null);
    setState({ kind: 'idle' });
    // the hand-over to the training worker and the write to IndexedDB, each a task of its own
    setTimeout(() => {
      trainOn(task, s.name, s.result.archive, s.result.hash, undefined, handOver(job));
      setTimeout(() => void keep(task, s.name, s.result.archive, s.result.hash), 0);
    }, 0);
  };
  return (
    <fieldset className="field import-tasks" onDragOver={(e) => e.preventDefault()} onDrop={dropped}>
      <legend>import images</legend>
      {wanted !== null && <AskForFile hash={wanted} />}
      <label className="import-drop">
        Drop a zip or a folder of class folders here, or{' '}
        <input
          type="file"
          accept=".zip,application/zip"
          aria-label="import image classes from a zip file"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void read(file.name, Promise.resolve({ kind: 'zip', file }));
            e.currentTarget.value = '';
          }}
        />
      </label>
      {state.kind === 'reading' && <Progress state={state} onCancel={() => jobRef.current?.cancel()} />}
      {state.kind === 'error' && (
        <p className="import-error" role="alert">
          {state.name}: {state.message}
        </p>
      )}
      {state.kind === 'preview' && <Preview state={state} onUse={() => use(state)} />}
    </fieldset>
  );
}
