/**
 * The train CLI's side of run files (src/core/runs): reading --resume's file, checking --config
 * against it, recording the curves a file carries, and writing --save-run's file safely (RunSaver).
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import { FIELD_ORDER, fieldApplies, type Experiment } from '../core/experiment';
import { restartReason } from '../core/families/restart';
import { readRunFileData, RunFileError } from '../core/runs/parseRunFile';
import { readRunFile } from '../core/runs/resume';
import type { FamilyRun } from '../core/families/family';
import {
  encodeRunFile,
  MAX_RUN_FILE_CHARS,
  runFileOf,
  type Curve,
  type RunData,
  type RunFile,
} from '../core/runs/runFile';
import { UsageError } from './args';
import type { NodeBackend } from './backend';
import { Interrupt } from './interrupt';

/**
 * --resume's file read as far as its settings and embedded data: a run file of imported data is
 * parsed whole (`parseRunHead`) only once that data is loaded, because its state's sizes depend
 * on it (an image family's baseline has a head per class). Every problem with it is one line and
 * exit status 2.
 */
export interface RunHead {
  path: string;
  text: string;
  config: Experiment;
  data: RunData | null;
}

/** Reads a run file and checks its header, settings and embedded data (see RunHead). */
export function readRunHead(path: string): RunHead {
  let text: string;
  try {
    // a UTF-8 character is 1-4 bytes: refuse what cannot fit before reading it into memory
    if (statSync(path).size > 4 * MAX_RUN_FILE_CHARS)
      throw new RunFileError('This file is far too large for a run file');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof RunFileError) throw new UsageError(`--resume ${path}: ${e.message}`);
    const code = (e as { code?: string }).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(e));
    throw new UsageError(`--resume ${path}: cannot read it (${why})`);
  }
  return { path, text, ...asUsage(path, () => readRunFileData(text)) };
}

/** The whole run file of a head, once the data it trains on is loaded. */
export function parseRunHead(head: RunHead): RunFile {
  return asUsage(head.path, () => readRunFile(head.text));
}

function asUsage<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof RunFileError) throw new UsageError(`--resume ${path}: ${e.message}`);
    throw e;
  }
}

const show = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));

/** The settings that differ, as "beta=0.01 (the run file has 0.001)". */
export function configChanges(file: Experiment, asked: Experiment): string[] {
  const a = file as unknown as Record<string, unknown>;
  const b = asked as unknown as Record<string, unknown>;
  return FIELD_ORDER.filter((k) => fieldApplies(k, asked.task) || fieldApplies(k, file.task))
    .filter((k) => show(a[k]) !== show(b[k]))
    .map((k) => `${k}=${show(b[k])} (the run file has ${a[k] === undefined ? 'none' : show(a[k])})`);
}

/**
 * --config against the run file's settings: none of its values may differ, unless --lenient, and
 * then only the ones a running run can change (α, β, inner steps, K, query, meta-batch, algorithm).
 * Returns the changes to apply after resuming (empty: continue exactly).
 */
export function checkResumeConfig(file: Experiment, asked: Experiment, lenient: boolean): string[] {
  const changes = configChanges(file, asked);
  if (changes.length === 0) return [];
  for (const c of changes) process.stderr.write(`  --config ${c}\n`);
  const why = restartReason(file, asked);
  if (why !== null) {
    throw new UsageError(
      `--config conflicts with the run file (${why}): a resumed run keeps its network and task stream; leave that value out, or start a new run`,
    );
  }
  if (!lenient) {
    throw new UsageError(
      `--config conflicts with the run file's settings (see above): leave ${changes.length === 1 ? 'it' : 'them'} out to continue the run exactly, or pass --lenient to change ${changes.length === 1 ? 'it' : 'them'} from the resumed step`,
    );
  }
  return changes;
}

/**
 * Every step's meta-loss (and the baseline's loss), continuing a resumed file's curves. Reading a
 * scalar back on the CLI's CPU backends is a copy, not a GPU sync.
 */
export class CurveRecorder {
  private readonly curves = new Map<string, Curve>();

  constructor(from: readonly Curve[] = []) {
    for (const c of from)
      this.curves.set(c.name, { name: c.name, steps: [...c.steps], values: [...c.values] });
  }

  private series(name: string): Curve {
    let c = this.curves.get(name);
    if (!c) this.curves.set(name, (c = { name, steps: [], values: [] }));
    return c;
  }

  async add(step: number, meta: tf.Scalar, pretrained: tf.Scalar | null): Promise<number> {
    const m = (await meta.data())[0] as number;
    const c = this.series('meta-loss');
    c.steps.push(step);
    c.values.push(m);
    if (pretrained) {
      const p = this.series('pretrained-loss');
      p.steps.push(step);
      p.values.push((await pretrained.data())[0] as number);
    }
    return m;
  }

  all(): Curve[] {
    return [...this.curves.values()];
  }
}

/** Write through a temporary file and a rename, so an interrupted write never leaves half a file. */
export function writeFileAtomic(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.partial`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (e) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
    throw e;
  }
}

/** --save-run also rewrites its file this often while training */
const SAVE_EVERY_MS = 60_000;

/** --save-run: the whole run with its curves, rewritten every minute and at the end; Ctrl-C saves and stops. */
export class RunSaver {
  readonly recorder: CurveRecorder;
  readonly interrupt = new Interrupt();
  private readonly createdAt: string;
  private lastSave = performance.now();

  constructor(
    private readonly run: FamilyRun,
    private readonly path: string,
    private readonly resumed: RunFile | null,
    private readonly backend: NodeBackend,
    /** the imported data the file embeds (null: none) */
    private readonly data: RunData | null = null,
  ) {
    this.recorder = new CurveRecorder(resumed?.curves);
    this.createdAt = resumed?.createdAt ?? new Date().toISOString();
  }

  async write(quiet = false): Promise<void> {
    const state = await this.run.exportState();
    const meta = {
      createdAt: this.createdAt,
      curves: this.recorder.all(),
      ...(this.run.engine === 'tfjs' ? { backend: this.backend } : {}),
      ...(this.resumed?.name !== undefined ? { name: this.resumed.name } : {}),
      ...(this.data ? { data: this.data } : {}),
    };
    writeFileAtomic(this.path, encodeRunFile(runFileOf(state, meta)));
    if (!quiet) process.stderr.write(`wrote the run (meta-step ${state.step}) to ${this.path}\n`);
  }

  /** After each meta-step: a Ctrl-C gets its turn, and a minute's training is saved. */
  async afterStep(): Promise<void> {
    await this.interrupt.poll();
    if (performance.now() - this.lastSave > SAVE_EVERY_MS) {
      await this.write(true); // a run killed mid-step (or a lost machine) keeps its last minute
      this.lastSave = performance.now();
    }
  }
}
