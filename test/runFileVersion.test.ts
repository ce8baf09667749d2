import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { RunFileError } from '../src/core/runs/parseRunFile';
import { readRunFile, stateSizes } from '../src/core/runs/resume';
import { encodeRunFile, FIRST_RUN_FILE_VERSION, RUN_FILE_VERSION, runFileOf } from '../src/core/runs/runFile';
import { readRunSummary, renameRunFile } from '../src/core/runs/runSummary';
import type { TrainingState } from '../src/core/runs/trainingState';

const vec = (n: number, v: number) => new Float32Array(n).fill(v);

/** A small valid run (sinusoid, hidden=[2]) as this app writes it. */
function currentText(): string {
  const config = parseExperiment('task=sinusoid&hidden=2&algo=fomaml&alpha=0.02').config;
  const n = stateSizes(config).theta;
  const adam = { t: 5, m: vec(n, 0.1), v: vec(n, 0.01) };
  const state: TrainingState = {
    config,
    engine: 'tfjs',
    step: 5,
    theta: vec(n, 0.5),
    thetaAdam: adam,
    alpha: null,
    alphaAdam: null,
    pretrained: null,
    stream: [1, 2, 3, 4],
  };
  return encodeRunFile(
    runFileOf(state, {
      createdAt: '2025-03-01T10:00:00.000Z',
      savedAt: new Date('2025-03-01T10:05:00Z'),
      curves: [
        { name: 'meta-loss', steps: [1, 2, 3, 4, 5], values: [4, 3, 2.5, 2, 1.5] },
        { name: 'eval:maml', steps: [0, 5], values: [3.9, 1.2] },
      ],
    }),
  );
}

/** The same run as a file of another version would hold it. */
function asVersion(version: unknown): string {
  const doc = JSON.parse(currentText()) as Record<string, unknown>;
  if (version === undefined) delete doc.version;
  else doc.version = version;
  return JSON.stringify(doc);
}

function refusal(text: string): string {
  try {
    readRunFile(text);
  } catch (e) {
    expect(e).toBeInstanceOf(RunFileError);
    return (e as Error).message;
  }
  throw new Error('the file was read');
}

describe('run file versions', () => {
  it('reads the current version, the only one written so far', () => {
    expect(RUN_FILE_VERSION).toBe(1);
    expect(FIRST_RUN_FILE_VERSION).toBe(1);
    const file = readRunFile(asVersion(1));
    expect(file.state.step).toBe(5);
    expect(file.state.config.algo).toBe('fomaml');
  });

  it('refuses a version older than any release wrote (0) with a sentence saying so', () => {
    expect(refusal(asVersion(0))).toBe(
      'This run file has format version 0, older than any this app wrote (the first was 1): it cannot be read',
    );
    // the shelf's quick read says the same
    expect(() => readRunSummary(asVersion(0))).toThrow(/format version 0, older than any/);
  });

  it('refuses a newer version and asks for an update', () => {
    expect(refusal(asVersion(RUN_FILE_VERSION + 1))).toMatch(
      /^This run file has format version 2 \(written by app version "[^"]+"\); this app \([^)]+\) reads version 1: update the app$/,
    );
  });

  it('refuses a file without a version, and versions that are not whole numbers', () => {
    expect(refusal(asVersion(undefined))).toBe('This run file has no format version (is it hand-made?)');
    expect(refusal(asVersion(1.5))).toMatch(/version is 1\.5, not a version number/);
    expect(refusal(asVersion(-1))).toMatch(/version is -1, not a version number/);
  });
});

describe('the run summary (the saved-runs shelf)', () => {
  it('reads the settings, step, name and curves without the state', () => {
    const s = readRunSummary(currentText());
    expect(s.step).toBe(5);
    expect(s.config.alpha).toBe(0.02);
    expect(s.name).toBeUndefined();
    expect(s.curves.map((c) => c.name)).toEqual(['meta-loss', 'eval:maml']);
    expect(s.savedAt).toBe('2025-03-01T10:05:00.000Z');
  });

  it('refuses what the full read refuses in the header, curves or settings', () => {
    expect(() => readRunSummary('{"format":"maml-playground-run","vers')).toThrow(/not valid JSON/);
    const doc = JSON.parse(currentText()) as Record<string, unknown>;
    expect(() => readRunSummary(JSON.stringify({ ...doc, config: 'task=nope' }))).toThrow(RunFileError);
    expect(() => readRunSummary(JSON.stringify({ ...doc, curves: 3 }))).toThrow(/curves are 3/);
    expect(() => readRunSummary(JSON.stringify({ ...doc, state: null }))).toThrow(/state is missing/);
  });

  it('renames a file and keeps everything else exactly, θ included', () => {
    const text = currentText();
    const renamed = renameRunFile(text, '  first-order, α 0.02  ');
    expect(readRunSummary(renamed).name).toBe('first-order, α 0.02');
    const before = readRunFile(text);
    const after = readRunFile(renamed);
    expect(after.state.theta).toEqual(before.state.theta);
    expect(after.curves).toEqual(before.curves);
    expect(readRunSummary(renameRunFile(renamed, ' ')).name).toBeUndefined();
  });
});
