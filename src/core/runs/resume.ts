/**
 * From a run file to a running run, for every registered task family: the lengths a config's
 * state must have, reading a file with them, and building a run that continues from a state.
 * (runFile.ts and parseRunFile.ts load no compute; this module loads the families.)
 */
import type { Experiment } from '../experiment';
import type { FamilyRun } from '../families/family';
import { familyOf } from '../families/registry';
import { parseRunFile, type ParseRunFileOptions } from './parseRunFile';
import type { RunFile } from './runFile';
import type { RunEngine, StateSizes, TrainingState } from './trainingState';

/** The lengths of a config's training state, as its family declares them. */
export function stateSizes(config: Experiment): StateSizes {
  return familyOf(config.task).stateSizes(config);
}

/** parseRunFile with the registered families' sizes: the one call a page or the CLI needs. */
export function readRunFile(text: string, options: ParseRunFileOptions = {}): RunFile {
  return parseRunFile(text, stateSizes, options);
}

export interface ResumeOptions {
  /** train on this engine instead of the state's (not bit-identical across engines) */
  engine?: RunEngine;
}

/**
 * A new run of the state's settings, positioned exactly at the state: the next step() is the one
 * the saved run would have taken. Its engine is the state's unless told otherwise (a regression
 * run falls back to tfjs when the fused module is not loaded: check run.engine). Throws (and
 * frees what it made) when the state does not fit.
 */
export function runFromState(state: TrainingState, options: ResumeOptions = {}): FamilyRun {
  const run = familyOf(state.config.task).createRun(state.config, {
    engine: options.engine ?? state.engine,
    pretrained: state.pretrained !== null,
  });
  try {
    run.restoreState(state);
    return run;
  } catch (e) {
    run.dispose();
    throw e;
  }
}
