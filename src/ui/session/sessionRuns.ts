/**
 * The session's run files: asking the worker to write the run as a file (downloads, autosave), and
 * opening one in it (a saved run, an imported file, a crash restart). A saved record the worker
 * refuses is marked damaged on the runs shelf, and this page's autosave never writes over it.
 */
import type { FromWorker, RunCurve, ToWorker } from '../../worker/protocol';
import { useStore } from '../shell/store';
import { Autosave, type RunFileReply, type RunWriter } from '../runs/autosave';
import { markSavedRunDamaged } from '../runs/shelfRecords';
import { showOpenedRun } from '../runs/openedRun';

const store = useStore;

/** What the run files need from the session: its worker, and request ids shared with its own. */
export interface WorkerLine {
  post(msg: ToWorker): void;
  requestId(): number;
}

type RunFileMessage = Extract<FromWorker, { kind: 'runFile' | 'runOpened' | 'runNotOpened' }>;

export class SessionRuns implements RunWriter {
  /** saves the run in this browser while it trains (and holds the latest file for crash restarts) */
  readonly autosave = new Autosave(this);
  private waiters = new Map<number, (r: RunFileReply) => void>();
  /** the run file being opened: the saved record it came from (its saves go on there), and
   * whether it restarts this page's own run after a crash (its curves stay) */
  private opening = { id: null as string | null, restart: false };

  constructor(private readonly worker: WorkerLine) {}

  /** The run as a run file, written by the worker (its whole state plus these curves; `embedData`: and its imported data). */
  exportRun(
    curves: RunCurve[],
    name: string | null,
    createdAt: string | null,
    embedData = false,
  ): Promise<RunFileReply> {
    const requestId = this.worker.requestId();
    return new Promise((resolve) => {
      this.waiters.set(requestId, resolve);
      this.worker.post({ kind: 'exportRun', requestId, curves, name, createdAt, embedData });
    });
  }

  /** Continue a saved run (autosave: its record's id; an imported file: null) in the running worker. */
  open(text: string, source: string, savedId: string | null, restart: boolean): void {
    this.opening = { id: savedId, restart };
    const keepRunning = restart && store.getState().running;
    store.setState({ resuming: true, running: keepRunning, replay: null, share: null });
    this.worker.post({ kind: 'openRun', text, source });
    if (keepRunning) this.worker.post({ kind: 'play' });
  }

  /** The worker stopped: the files asked of it will not come. */
  workerStopped(): void {
    const s = store.getState();
    for (const [, resolve] of this.waiters)
      resolve({ step: s.step, config: s.config, text: null, summary: null, error: 'the worker stopped' });
    this.waiters.clear();
  }

  received(msg: RunFileMessage): void {
    switch (msg.kind) {
      case 'runFile':
        this.waiters.get(msg.requestId)?.(msg);
        this.waiters.delete(msg.requestId);
        break;
      case 'runOpened':
        showOpenedRun(msg, this.autosave, this.opening.id, this.opening.restart);
        this.opening = { id: null, restart: false };
        break;
      case 'runNotOpened':
        this.refused(msg.source, msg.reason);
        break;
    }
  }

  /** The worker refused the file (the run it had goes on); a saved record is marked damaged. */
  private refused(source: string, reason: string): void {
    const { id } = this.opening;
    this.opening = { id: null, restart: false };
    store.setState({ resuming: false });
    const s = store.getState();
    if (id === null) {
      s.notify('warning', `Could not open ${source}: ${reason}`);
      return;
    }
    // this page's next save of its run is a new record: the refused one stays as it is
    if (id === this.autosave.currentId()) this.autosave.restarted();
    void markSavedRunDamaged(id, `the training worker refused it: ${reason}`);
    s.notify('warning', `Could not open ${source}: ${reason}`, [
      'It is listed as damaged under Runs, where it can be deleted; nothing is saved over it.',
    ]);
  }
}
