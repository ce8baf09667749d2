import { useId, useState } from 'react';
import { session } from '../session/session';
import { useStore } from '../shell/store';
import { formatCount, formatDateTime } from '../kit/format';
import { deleteSavedRun, getStoredRun, OPEN_RUN_KEY, type SavedRun } from '../runs/autosaveDb';
import { putSavedRun, renameSavedRun } from '../runs/shelfRecords';
import { ALGO_SHORT, type ShelfEntry } from '../runs/shelfEntry';
import { whileNoTabHolds } from '../runs/runLocks';
import { MapsShelf } from './MapsShelf';
import { useHeldRuns, useShelf } from './useShelf';

type Readable = Extract<ShelfEntry, { ok: true }>;

function when(iso: string): string {
  return iso === '' ? 'unknown time' : formatDateTime(iso);
}

/** The record with its run file (the shelf holds records without them), or why it cannot be had. */
async function fullRecord(e: Readable): Promise<SavedRun | string> {
  try {
    const stored = await getStoredRun(e.id);
    if (stored === null) return 'it is no longer saved in this browser';
    return stored.ok ? stored.run : 'it is not a saved run record';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function openEntry(e: Readable): Promise<void> {
  const task = useStore.getState().config.task;
  if (e.config.task !== task) {
    // another family's page opens it (its link), continuing this record
    sessionStorage.setItem(OPEN_RUN_KEY, e.id);
    window.location.assign(`?${e.run.key}`);
    return;
  }
  const record = await fullRecord(e);
  if (typeof record === 'string') {
    useStore.getState().notify('warning', `Could not open the saved run “${e.name}”: ${record}`);
    return;
  }
  session.openRun(record.text, `the saved run “${e.name}”`, e.id);
}

async function deleteEntry(e: ShelfEntry): Promise<void> {
  const s = useStore.getState();
  // what Undo puts back: the whole record, file included
  const undo: { record: SavedRun | null } = { record: null };
  const remove = async () => {
    const full = e.ok ? await fullRecord(e) : null;
    undo.record = typeof full === 'string' ? null : full;
    await deleteSavedRun(e.id);
  };
  // a run another tab goes on training would be written back by its next save
  if (!(await whileNoTabHolds(String(e.id), remove))) {
    const which = e.name !== undefined ? `“${e.name}”` : 'The damaged run';
    s.notify('info', `${which} was not deleted: another tab is training it`, [
      'That tab goes on saving it. Reset or Start fresh there, or close that tab, then delete it here.',
    ]);
    return;
  }
  if (!e.ok) return;
  s.uncompareRun(e.id);
  const { record } = undo;
  if (record === null) {
    s.notify('info', `Deleted the saved run “${e.name}”.`);
    return;
  }
  s.notify('info', `Deleted the saved run “${e.name}”.`, [], {
    label: 'Undo',
    run: () => void putSavedRun(record),
  });
}

function RenameField({ entry, done }: { entry: Readable; done(): void }) {
  const [value, setValue] = useState(entry.named ? entry.name : '');
  const save = () => {
    const name = value.trim();
    renameSavedRun(entry.id, name)
      .then(() => {
        session.autosave.renamed(entry.id, name);
        const s = useStore.getState();
        if (s.compared.some((r) => r.id === entry.id)) {
          s.compareRun({ ...entry.compare, name: name || entry.name });
        }
      })
      .catch((e: unknown) =>
        useStore
          .getState()
          .notify('error', 'Could not rename the run', [e instanceof Error ? e.message : String(e)]),
      )
      .finally(done);
  };
  return (
    <form
      className="shelf-rename"
      onSubmit={(ev) => {
        ev.preventDefault();
        save();
      }}
    >
      <input
        type="text"
        aria-label="Run name"
        value={value}
        maxLength={200}
        placeholder={entry.name}
        autoFocus
        onChange={(ev) => setValue(ev.currentTarget.value)}
        onKeyDown={(ev) => {
          if (ev.key === 'Escape') done();
        }}
      />
      <button type="submit">Save name</button>
      <button type="button" onClick={done}>
        Cancel
      </button>
    </form>
  );
}

/** A saved run that cannot be read: what went wrong, and Delete. */
function DamagedEntry({ entry }: { entry: Extract<ShelfEntry, { ok: false }> }) {
  return (
    <li className="shelf-entry damaged" data-testid="shelf-entry">
      <div className="shelf-title">
        <strong>Damaged saved run{entry.name !== undefined ? ` “${entry.name}”` : ''}</strong>
        <button type="button" onClick={() => void deleteEntry(entry)}>
          Delete
        </button>
      </div>
      <p className="shelf-meta">
        Saved {when(entry.savedAt)}; it cannot be opened: {entry.reason}
      </p>
    </li>
  );
}

/** The tick that draws this run's curves in the charts (only on its own task's page). */
function CompareCheck({
  entry,
  id,
  task,
  other,
  compared,
  refuse,
}: {
  entry: Readable;
  id: string;
  task: string;
  other: boolean;
  compared: boolean;
  refuse(m: string | null): void;
}) {
  const toggle = (checked: boolean) => {
    const s = useStore.getState();
    if (!checked) {
      s.uncompareRun(entry.id);
      refuse(null);
    } else refuse(s.compareRun(entry.compare));
  };
  return (
    <span
      className="inline-field"
      title={
        other
          ? `Only ${task} runs are drawn on this page: open a ${entry.config.task} page to compare this one.`
          : 'Draw its learning and adaptation curves in the charts (dashed).'
      }
    >
      <input
        id={id}
        type="checkbox"
        checked={compared && !other}
        disabled={other}
        onChange={(ev) => toggle(ev.currentTarget.checked)}
      />
      <label htmlFor={id} className="visually-hidden">
        Compare {entry.name}
      </label>
    </span>
  );
}

/** Rename, Open and Delete for one saved run. */
function EntryActions({
  entry,
  live,
  elsewhere,
  other,
  phase,
  rename,
}: {
  entry: Readable;
  live: boolean;
  elsewhere: boolean;
  other: boolean;
  phase: string;
  rename(): void;
}) {
  return (
    <div className="field-row shelf-actions">
      <button type="button" onClick={rename} aria-label={`Rename ${entry.name}`}>
        Rename
      </button>
      <button
        type="button"
        disabled={live || phase !== 'ready'}
        title={
          other
            ? `Opens the ${entry.config.task} page and continues this run there.`
            : 'Continue training this run here (the run on the page stays saved).'
        }
        onClick={() => void openEntry(entry)}
      >
        Open
      </button>
      <button
        type="button"
        disabled={live}
        title={
          live
            ? 'This is the run on the page; Start fresh or Reset to leave it first.'
            : elsewhere
              ? 'Another tab is training this run: Reset or Start fresh there, or close it, first.'
              : undefined
        }
        onClick={() => void deleteEntry(entry)}
      >
        Delete
      </button>
    </div>
  );
}

function Entry({
  entry,
  live,
  elsewhere,
  refuse,
}: {
  entry: ShelfEntry;
  live: boolean;
  /** another tab is continuing this run */
  elsewhere: boolean;
  refuse(m: string | null): void;
}) {
  const [renaming, setRenaming] = useState(false);
  const task = useStore((s) => s.config.task);
  const phase = useStore((s) => s.phase);
  const compared = useStore((s) => s.compared.some((r) => r.id === entry.id));
  const checkId = useId();
  if (!entry.ok) {
    return <DamagedEntry entry={entry} />;
  }
  const other = entry.config.task !== task;
  return (
    <li className="shelf-entry" data-testid="shelf-entry" data-run={entry.id}>
      <div className="shelf-title">
        <CompareCheck
          entry={entry}
          id={checkId}
          task={task}
          other={other}
          compared={compared}
          refuse={refuse}
        />
        {renaming ? (
          <RenameField entry={entry} done={() => setRenaming(false)} />
        ) : (
          <strong className="shelf-name">{entry.name}</strong>
        )}
        {live ? <span className="shelf-badge">on the page</span> : null}
        {elsewhere ? (
          <span className="shelf-badge" title="Another tab is training this run and goes on saving it.">
            open in another tab
          </span>
        ) : null}
      </div>
      <p className="shelf-meta">
        {entry.config.task} · {ALGO_SHORT[entry.config.algo]} · {entry.settings}
        <br />
        step {formatCount(entry.step)} · {entry.best ?? 'no held-out evaluation saved'} · saved{' '}
        {when(entry.savedAt)}
      </p>
      {!renaming ? (
        <EntryActions
          entry={entry}
          live={live}
          elsewhere={elsewhere}
          other={other}
          phase={phase}
          rename={() => setRenaming(true)}
        />
      ) : null}
    </li>
  );
}

/** The runs saved in this browser: rename, open, delete, and tick up to four to compare. */
export function RunsShelf() {
  const { entries, error } = useShelf();
  const [message, setMessage] = useState<string | null>(null);
  const task = useStore((s) => s.config.task);
  const live = useStore((s) => s.liveRunId);
  const held = useHeldRuns(entries);
  const others = entries?.some((e) => e.ok && e.config.task !== task) ?? false;
  return (
    <section className="panel shelf" aria-labelledby="shelf-title">
      <h2 id="shelf-title">Runs</h2>
      {error !== null ? (
        <p className="note warn">Saved runs cannot be read in this browser: {error}</p>
      ) : entries === null ? null : entries.length === 0 ? (
        <p className="note">No runs saved yet: a run is saved here as soon as it trains.</p>
      ) : (
        <>
          <p className="note">
            Saved in this browser, newest first. Tick up to four to compare their curves (dashed).
            {others ? ` Runs of other families are listed; they compare on their own family's page.` : ''}
          </p>
          {message !== null ? (
            <p className="note warn" role="alert" data-testid="shelf-message">
              {message}
            </p>
          ) : null}
          <ul className="shelf-list">
            {entries.map((e) => (
              <Entry
                key={String(e.id)}
                entry={e}
                live={e.id === live}
                elsewhere={e.id !== live && held.has(String(e.id))}
                refuse={setMessage}
              />
            ))}
          </ul>
        </>
      )}
      <MapsShelf />
    </section>
  );
}
