/**
 * What a list of saved runs shows of a run file without building its state: its name, times,
 * settings, meta-step and curves, checked as parseRunFile.ts checks them (the θ vectors are left
 * to the full read that opening the run does). Also renaming a file without touching the rest.
 */
import type { Experiment } from '../experiment';
import {
  readConfig,
  readCurves,
  readHeader,
  RunFileError,
  string,
  time,
  wholeNumber,
  type ParseRunFileOptions,
} from './parseRunFile';
import { MAX_NAME_LENGTH, type Curve } from './runFile';

export interface RunSummary {
  name?: string;
  appVersion: string;
  createdAt: string;
  savedAt: string;
  config: Experiment;
  step: number;
  curves: Curve[];
}

/** The summary of a run file's text; throws RunFileError with the reason it cannot be read. */
export function readRunSummary(text: string, options: ParseRunFileOptions = {}): RunSummary {
  const doc = readHeader(text);
  const appVersion = string(doc, 'appVersion', 'appVersion', 50);
  const name = doc.name === undefined ? undefined : string(doc, 'name', 'name', MAX_NAME_LENGTH);
  const createdAt = time(doc, 'createdAt');
  const savedAt = time(doc, 'savedAt');
  const config = readConfig(doc, options);
  const step = wholeNumber(doc, 'step', 'step');
  if (typeof doc.state !== 'object' || doc.state === null) {
    throw new RunFileError("This run file's state is missing");
  }
  const curves = readCurves(doc);
  return { ...(name !== undefined ? { name } : {}), appVersion, createdAt, savedAt, config, step, curves };
}

/** The same run file with another name (trimmed; empty removes it); everything else unchanged. */
export function renameRunFile(text: string, name: string): string {
  const doc = readHeader(text);
  const trimmed = name.trim().slice(0, MAX_NAME_LENGTH);
  const { name: _old, ...rest } = doc;
  return `${JSON.stringify(trimmed === '' ? rest : { ...rest, name: trimmed })}\n`;
}
