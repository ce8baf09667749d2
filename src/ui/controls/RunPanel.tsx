import { useEffect, useRef, useState } from 'react';
import { isThetaFileText } from '../../core/thetaFile';
import { MAX_RUN_FILE_CHARS } from '../../core/runs/runFile';
import { session } from '../session/session';
import { useStore } from '../shell/store';
import { formatClock, formatCount } from '../kit/format';
import { linkData } from '../import/linkedData';

/**
 * Open a run file or a θ file (either format: `--save-theta`'s, or a glyph network's θ file with
 * MAML++'s sets and rates) the user picked or dropped; the worker checks it, and a bad file changes
 * nothing and is answered with the reason.
 */
async function importRunFile(file: File): Promise<void> {
  const s = useStore.getState();
  if (file.size > MAX_RUN_FILE_CHARS) {
    s.notify('error', `${file.name} is not a run file this page can open`, [
      `It is ${(file.size / 2 ** 20).toFixed(0)} MB; run files are at most ${MAX_RUN_FILE_CHARS / 2 ** 20} MB.`,
    ]);
    return;
  }
  let text: string;
  try {
    text = await file.text();
  } catch (e) {
    s.notify('error', `Could not read ${file.name}`, [e instanceof Error ? e.message : String(e)]);
    return;
  }
  if (isThetaFileText(text)) session.loadThetaFile(text, `the θ file ${file.name}`);
  else session.openRun(text, `the run file ${file.name}`);
}

/** The run as a file the CLI and another browser can continue (same format as `--save-run`). */
async function downloadRunFile(embedData: boolean): Promise<void> {
  const s = useStore.getState();
  const { curves, name } = session.autosave.fileParts();
  const reply = await session.exportRun(curves, name, null, embedData);
  if (reply.text === null) {
    s.notify('error', 'Could not write the run file', [reply.error ?? 'unknown error']);
    return;
  }
  const url = URL.createObjectURL(new Blob([reply.text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `maml-${reply.config.task}-${reply.config.algo}-step${reply.step}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Drop a run file anywhere on the page to continue it. */
function useDropRunFile(): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(true);
    };
    const onLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) setOver(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (file) void importRunFile(file);
    };
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
  return over;
}

/** Autosave's state, and the run as a file: download it, or import one (picker or drag and drop). */
export function RunPanel() {
  const saved = useStore((s) => s.saved);
  const phase = useStore((s) => s.phase);
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [embed, setEmbed] = useState(false);
  const task = useStore((s) => s.config.task);
  // (read at each render: the panel renders again as the run restarts on imported data)
  const imported = linkData(task) !== null;
  const dropping = useDropRunFile();
  return (
    <section className={`panel runs${dropping ? ' dropping' : ''}`} aria-labelledby="run-title">
      <h2 id="run-title">Keep this run</h2>
      <p className="note" data-testid="autosave-status">
        {saved === null
          ? 'Saved in this browser every few seconds while it trains: a reload continues it exactly.'
          : saved.error !== null
            ? `Not saved in this browser: ${saved.error}`
            : `Saved in this browser at meta-step ${formatCount(saved.step)} (${formatClock(saved.savedAt ?? '')}): a reload continues from there.`}
      </p>
      <div className="field-row">
        <button
          type="button"
          disabled={busy || phase !== 'ready'}
          title="Download run file: θ, Adam's moments, the baselines, the task stream and the curves, in the format of npm run train -- --save-run (the CLI continues it with --resume)."
          onClick={() => {
            setBusy(true);
            void downloadRunFile(imported && embed).finally(() => setBusy(false));
          }}
        >
          Download run file
        </button>
        {imported && (
          <label
            className="inline-field"
            title="The run file also carries the imported data (checked by its SHA-256 when opened), so it continues on another machine without the file. It stays out unless you tick this."
          >
            <input type="checkbox" checked={embed} onChange={(e) => setEmbed(e.currentTarget.checked)} /> with
            the imported data
          </label>
        )}
        <button
          type="button"
          disabled={phase === 'failed'}
          title="Import run file: continue a run saved by this page or by npm run train -- --save-run, or start a new run from a θ file (npm run train -- --save-theta, or the glyph lab's Download θ); or drop the file onto the page."
          onClick={() => input.current?.click()}
        >
          Import run file
        </button>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          aria-label="Import run file"
          className="visually-hidden"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) void importRunFile(file);
          }}
        />
      </div>
      {dropping ? <p className="note">Drop the run file to continue it here.</p> : null}
    </section>
  );
}
