/**
 * Run files in the worker: the whole training state (θ, Adam's moments, Meta-SGD's α, the
 * baseline with its optimiser, the task stream) written with the page's curves, and read back into
 * a run that continues exactly where the saved one stopped. Encoding and the untrusted file's
 * checks run here, off the page's main thread.
 */
import type { Experiment } from '../core/experiment';
import type { FamilyRun } from '../core/families/family';
import { readRunFile, runFromState } from '../core/runs/resume';
import { encodeRunFile, runFileOf, type RunData, type RunFile } from '../core/runs/runFile';
import { loadRunData, type OpenedData } from './host/runData';
import type { RunSummary } from '../core/runs/runSummary';
import type { BackendName, Engine, RunCurve } from './protocol';

/**
 * The run as the text of a run file, with what a list of saved runs shows of it (the summary that
 * reading the text back would give, so the page's runs shelf need not parse the file it saved).
 */
export async function writeRunFile(
  run: FamilyRun,
  opts: {
    curves: RunCurve[];
    name: string | null;
    createdAt: string | null;
    backend: BackendName;
    /** the imported data to embed (the user chose to) */
    data?: RunData | null;
  },
): Promise<{ text: string; summary: RunSummary }> {
  const state = await run.exportState();
  const file = runFileOf(state, {
    curves: opts.curves,
    backend: opts.backend,
    ...(opts.data ? { data: opts.data } : {}),
    ...(opts.name !== null ? { name: opts.name } : {}),
    ...(opts.createdAt !== null ? { createdAt: opts.createdAt } : {}),
  });
  const text = encodeRunFile(file);
  const { name, appVersion, createdAt, savedAt, curves } = file;
  const summary = { appVersion, createdAt, savedAt, config: state.config, step: state.step, curves };
  return { text, summary: name !== undefined ? { name, ...summary } : summary };
}

/**
 * Read a run file of the family `task` and build its run on `engine` (bit-identical to the saved
 * run on the engine and backend it was trained on), on the data it embeds when it does (checked
 * and loaded first: `data`). Throws a readable Error.
 */
export async function openRunFile(
  text: string,
  task: string,
  engine: Engine,
): Promise<{ file: RunFile; run: FamilyRun; data: OpenedData | null }> {
  const data = await loadRunData(text, task);
  const file = readRunFile(text, { tasks: [task] });
  return { file, run: runFromState(file.state, { engine }), data };
}

/** A run moved to another engine or backend with its whole state (θ, moments, stream, step). */
export async function movedRun(run: FamilyRun, config: Experiment, engine: Engine): Promise<FamilyRun> {
  const state = await run.exportState();
  return runFromState({ ...state, config }, { engine });
}
