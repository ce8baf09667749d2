/**
 * Autosave: while a run trains, the worker writes it as a run file every few seconds, and on
 * pause and when the page is hidden; the page keeps it in IndexedDB, one record per run, indexed
 * by the experiment's settings, so a reload continues the latest run of the experiment exactly
 * (Adam's moments and the task stream included). The latest file also lets a crashed worker
 * continue exactly instead of from a bare snapshot.
 */
import { serializeExperiment, type Experiment } from '../../core/experiment';
import type { RunSummary } from '../../core/runs/runSummary';
import type { RunCurve } from '../../worker/protocol';
import { evalHistoryView } from '../shell/evalView';
import { useStore } from '../shell/store';
import { deleteSavedRun } from './autosaveDb';
import { putSavedRun } from './shelfRecords';
import { runCurves } from './runCurves';
import { holdRunLock } from './runLocks';
import { copyName, defaultName } from './shelfEntry';

/** seconds between saves while training */
export const AUTOSAVE_MS = 5000;

export interface RunFileReply {
  step: number;
  config: Experiment;
  text: string | null;
  summary: RunSummary | null;
  error: string | null;
}

/** What autosave needs from the session. */
export interface RunWriter {
  exportRun(curves: RunCurve[], name: string | null, createdAt: string | null): Promise<RunFileReply>;
}

/** The experiment a saved run belongs to: its settings without the page's own keys. */
export function experimentKey(config: Experiment): string {
  return serializeExperiment(config);
}

function newRunId(): string {
  const r = new Uint32Array(2);
  crypto.getRandomValues(r);
  return `${Date.now().toString(36)}-${Array.from(r, (x) => x.toString(36)).join('')}`;
}

export class Autosave {
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;
  /** a save was asked for while one was being written: write again when it is done */
  private again = false;
  /** the storage failure was reported (once) */
  private warned = false;
  /** releases the claim on this run's record (held while this tab continues it) */
  private release: (() => void) | null = null;
  /** this run's record (null: not saved yet) */
  private runId: string | null = null;
  private savedKey: string | null = null;
  private savedStep = -1;
  /** the name the latest save wrote (a rename while a save is under way leaves it behind) */
  private savedName: string | null = null;
  /** evaluations in the latest save */
  private savedEvals = 0;
  private createdAt: string | null = null;
  /** the name given to this run (on the runs shelf, or in the file it continues) */
  private name: string | null = null;
  /** the curves of the file this run continues (its evaluations before this page's) */
  private prior: RunCurve[] = [];
  private latestFile: { key: string; step: number; text: string } | null = null;
  /** counts the runs this page has moved on to: a save begun for an earlier one writes nothing */
  private generation = 0;

  constructor(private readonly writer: RunWriter) {}

  /**
   * Start saving: every few seconds while training, when the page is hidden, and once training has
   * stopped (the session calls `stopped` when the worker's report says so, with the last losses in).
   */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (useStore.getState().running) void this.save();
    }, AUTOSAVE_MS);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') void this.save();
    });
    // an evaluation that arrives after a pause joins the saved file (the shelf ranks runs by it)
    let evalsSeen = 0;
    useStore.subscribe((s) => {
      const evals = evalHistoryView(s).points.length;
      if (evals === evalsSeen) return;
      evalsSeen = evals;
      // (save skips a file it already wrote; one being written is written again after)
      if (!s.running) void this.save();
    });
  }

  /** The worker stopped training (a pause, a replay's end, a single step): its losses are on the page. */
  stopped(): void {
    void this.save();
  }

  /**
   * A run continued from a saved file keeps that file's creation time and, when no other tab holds
   * it, its record; a second tab continuing the same saved run saves as a copy of its own.
   */
  continued(
    opened: { createdAt: string; step: number; config: Experiment; name: string | null; curves: RunCurve[] },
    runId: string | null,
  ): void {
    const { createdAt, step, config } = opened;
    this.generation++;
    this.own(null);
    if (runId !== null) void this.claim(runId);
    this.name = opened.name;
    this.savedName = opened.name;
    this.prior = opened.curves.filter((c) => c.name.startsWith('eval:') || c.name.startsWith('adapt:'));
    this.createdAt = createdAt;
    this.savedKey = experimentKey(config);
    this.savedStep = step;
  }

  /** Hold this run's record for this tab (Web Locks); taken elsewhere: save as a new record. */
  private async claim(runId: string): Promise<void> {
    this.release?.();
    this.release = null;
    // held until this tab moves on to another run (or closes)
    const release = await holdRunLock(runId);
    if (release === null) {
      // named so in both tabs' shelves, beside the record the other tab goes on saving
      const s = useStore.getState();
      this.name = copyName(this.name ?? defaultName(s.config));
      s.notify(
        'info',
        `This run is also open in another tab: this tab saves its continuation as a copy, “${this.name}”.`,
      );
      return;
    }
    this.release = release;
    this.own(runId);
  }

  private own(runId: string | null): void {
    this.runId = runId;
    useStore.setState({ liveRunId: runId });
  }

  /** A fresh run (reset, new network): the next save starts a new record. */
  restarted(): void {
    this.generation++;
    this.release?.();
    this.release = null;
    this.own(null);
    this.savedEvals = 0;
    this.createdAt = null;
    this.name = null;
    this.savedName = null;
    this.prior = [];
    this.savedStep = -1;
    this.latestFile = null;
  }

  /** What this run's file holds beside its state: the page's curves (and its file's) and its name. */
  fileParts(): { curves: RunCurve[]; name: string | null } {
    return { curves: runCurves(useStore.getState(), this.prior), name: this.name };
  }

  /**
   * A saved run was renamed on the shelf: this run's next saves keep the name, and this run is
   * saved again now, since a save under way may write its record over the renamed one with the
   * old name (a rename just after a reload was lost that way: the paused page saved no more). The
   * save under way records the name it wrote, so the save after it still sees the new one unsaved.
   */
  renamed(runId: string, name: string): void {
    if (runId !== this.runId) return;
    const next = name === '' ? null : name;
    if (next === this.name) return;
    this.name = next;
    void this.save();
  }

  /** This run's saved record, if it has one. */
  currentId(): string | null {
    return this.runId;
  }

  /**
   * The latest file written for the current experiment, when it is at least as recent as `step`
   * (for an exact restart after a crash; an older file would lose training a snapshot still has).
   */
  latest(config: Experiment, step: number): { step: number; text: string } | null {
    const f = this.latestFile;
    return f && f.key === experimentKey(config) && f.step >= step ? f : null;
  }

  /** Forget this run's saved record ("Start fresh"). */
  async discard(): Promise<void> {
    if (this.runId !== null) await deleteSavedRun(this.runId);
    this.savedKey = null;
    this.restarted();
    useStore.setState({ saved: null });
  }

  async save(): Promise<void> {
    const s = useStore.getState();
    if (this.busy) {
      this.again = true;
      return;
    }
    if (s.phase !== 'ready' || s.step === 0) return;
    const evals = evalHistoryView(s).points.length;
    if (
      s.step === this.savedStep &&
      experimentKey(s.config) === this.savedKey &&
      evals === this.savedEvals &&
      this.name === this.savedName
    )
      return;
    this.busy = true;
    const name = this.name;
    const generation = this.generation;
    // the page moved on to another run meanwhile (a reset, an opened file): this file is not its
    // own, and its record must not take it; the save after this one writes the new run
    const stale = () => {
      if (generation !== this.generation) this.again = true;
      return generation !== this.generation;
    };
    try {
      this.createdAt ??= new Date().toISOString();
      const reply = await this.writer.exportRun(runCurves(s, this.prior), name, this.createdAt);
      if (stale()) return;
      if (reply.text === null) {
        useStore.setState({ saved: { step: reply.step, savedAt: null, error: reply.error } });
        return;
      }
      const key = experimentKey(reply.config);
      const savedAt = new Date().toISOString();
      this.latestFile = { key, step: reply.step, text: reply.text };
      if (this.runId === null) await this.claim(newRunId());
      if (stale()) return;
      await putSavedRun(
        {
          id: this.runId ?? newRunId(),
          key,
          task: reply.config.task,
          algo: reply.config.algo,
          step: reply.step,
          savedAt,
          text: reply.text,
          ...(name !== null ? { name } : {}),
        },
        reply.summary,
      );
      if (stale()) return;
      this.savedKey = key;
      this.savedStep = reply.step;
      this.savedName = name;
      this.savedEvals = evals;
      useStore.setState({ saved: { step: reply.step, savedAt, error: null } });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      useStore.setState({ saved: { step: s.step, savedAt: null, error } });
      if (!this.warned) {
        this.warned = true;
        useStore
          .getState()
          .notify('warning', 'This run is not being saved in this browser', [
            `The browser refused to store it: ${error}`,
            'Training goes on; Download run file still keeps it.',
          ]);
      }
    } finally {
      this.busy = false;
      if (this.again) {
        this.again = false;
        void this.save();
      }
    }
  }
}
