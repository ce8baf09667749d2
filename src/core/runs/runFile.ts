/**
 * The run file: one versioned JSON document with everything a run needs to continue exactly where
 * it stopped (its TrainingState: settings as the share-link query string, step, engine, θ, Adam
 * moments, Meta-SGD's α, the pretrained baseline, the task stream's position) plus its curves and
 * a little metadata. Float vectors are base64 of little-endian float32. Written by the CLI
 * (`--save-run`) and the page alike; read back by parseRunFile.ts, which trusts nothing.
 *
 *   { "format": "maml-playground-run", "version": 1, "appVersion": "0.1.0",
 *     "name"?: "...", "createdAt": ISO, "savedAt": ISO,
 *     "config": "task=<family>&algo=maml&...", "step": 4210, "engine": "fused", "backend"?: "wasm",
 *     "state": { "theta": b64, "thetaAdam": { "t": 4210, "m": b64, "v": b64 },
 *                "alpha": b64 | null, "alphaAdam": {...} | null,
 *                "pretrained": { "theta": b64, "adam": {...}, "step": 4210 } | null,
 *                "stream": [a, b, c, d (, cached normal)] },
 *     "curves": [{ "name": "meta-loss", "steps": [1, 2, ...], "values": [...] }, ...],
 *     "data"?: { "name": "curves.csv", "sha256": hex, "base64": b64,
 *                "columns"?: { "task"?: name | index, "x"?: ..., "y"?: ... } } }
 *   (imported data, embedded on request, with the columns the user chose where the reader left a choice)
 */
import type { ColumnRequest } from '../data/csv/columns';
import { fieldApplies, FIELD_ORDER, type Experiment } from '../experiment';
import { APP_VERSION } from './appVersion';
import { bytesToBase64, float32ToBase64 } from './base64';
import { copyTrainingState, type AdamState, type TrainingState } from './trainingState';

export const RUN_FILE_FORMAT = 'maml-playground-run';
export const RUN_FILE_VERSION = 1;
/**
 * The oldest version readers accept. A format change raises RUN_FILE_VERSION and adds a step to
 * parseRunFile.ts that migrates the older document (or a sentence refusing it); none exists yet.
 */
export const FIRST_RUN_FILE_VERSION = 1;
/** larger files are refused before they are parsed (a big glyph run is about 15 MB) */
export const MAX_RUN_FILE_CHARS = 64 * 1024 * 1024;
/** points per curve, names and curve counts a file may hold */
export const MAX_CURVE_POINTS = 2_000_000;
export const MAX_CURVES = 64;
export const MAX_NAME_LENGTH = 200;

/**
 * One series over meta-steps, e.g. "meta-loss" (each step's meta-loss), "pretrained-loss", or a
 * held-out evaluation ("eval:maml"). steps[i] is the meta-step of values[i].
 */
export interface Curve {
  name: string;
  steps: number[];
  values: number[];
}

export interface RunFile {
  /** the version of the app that wrote it */
  appVersion: string;
  /** a name the user gave the run */
  name?: string;
  /** ISO 8601 times: when the run started, when this file was written */
  createdAt: string;
  savedAt: string;
  /** the tfjs backend the run trained on (informational: another backend is not bit-identical) */
  backend?: string;
  state: TrainingState;
  curves: Curve[];
  /** the imported data the run trains on, when the user chose to embed it (the file moves whole) */
  data?: RunData;
}

/**
 * Imported data a run file carries: the file's name, its SHA-256 (64 hex digits) and its bytes,
 * and how it was read where the reader left a choice (a table's task, x and y columns), so the
 * resumed run reads it the same way.
 */
export interface RunData {
  name: string;
  hash: string;
  bytes: Uint8Array;
  reading?: { columns?: ColumnRequest };
}

export interface RunFileMeta {
  name?: string;
  createdAt?: string;
  backend?: string;
  curves?: Curve[];
  /** the save time (default: now) */
  savedAt?: Date;
  data?: RunData;
}

/** A run file for a state taken with FamilyRun.exportState(), stamped with this app's version. */
export function runFileOf(state: TrainingState, meta: RunFileMeta = {}): RunFile {
  const savedAt = (meta.savedAt ?? new Date()).toISOString();
  return {
    appVersion: APP_VERSION,
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    createdAt: meta.createdAt ?? savedAt,
    savedAt,
    ...(meta.backend !== undefined ? { backend: meta.backend } : {}),
    state: copyTrainingState(state),
    curves: (meta.curves ?? []).map((c) => ({ name: c.name, steps: [...c.steps], values: [...c.values] })),
    ...(meta.data ? { data: meta.data } : {}),
  };
}

/**
 * The settings as the share-link query string, with every number at full precision (a share
 * link rounds to 6 significant digits; a run must continue with exactly its α and β). Numbers
 * with 6 digits or fewer read exactly as in serializeExperiment.
 */
export function exactQuery(config: Experiment): string {
  const params = new URLSearchParams();
  const record = config as unknown as Record<string, unknown>;
  for (const key of FIELD_ORDER) {
    const v = record[key];
    if (v === undefined || !fieldApplies(key, config.task)) continue;
    params.set(key, Array.isArray(v) ? v.join(',') : String(v));
  }
  return params.toString().replace(/%2C/g, ',');
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return false;
  return true;
}

/**
 * The file's text (one line of JSON and a newline). Throws when the run cannot be saved as a
 * continuable run: non-finite numbers (the run diverged) or curves whose lengths disagree.
 */
export function encodeRunFile(file: RunFile): string {
  const s = file.state;
  const vectors = [s.theta, s.thetaAdam.m, s.thetaAdam.v, s.alpha, s.alphaAdam?.m, s.alphaAdam?.v];
  if (s.pretrained) vectors.push(s.pretrained.theta, s.pretrained.adam.m, s.pretrained.adam.v);
  if (!vectors.every((v) => !v || allFinite(v))) {
    throw new Error('cannot save this run: its parameters are not all finite (the run diverged)');
  }
  for (const c of file.curves) {
    if (c.steps.length !== c.values.length || !allFinite(c.values)) {
      throw new Error(`cannot save the curve "${c.name}": its steps and values disagree or are not finite`);
    }
  }
  const adam = (a: AdamState) => ({ t: a.t, m: float32ToBase64(a.m), v: float32ToBase64(a.v) });
  const doc = {
    format: RUN_FILE_FORMAT,
    version: RUN_FILE_VERSION,
    appVersion: file.appVersion,
    ...(file.name !== undefined ? { name: file.name } : {}),
    createdAt: file.createdAt,
    savedAt: file.savedAt,
    config: exactQuery(s.config),
    step: s.step,
    engine: s.engine,
    ...(file.backend !== undefined ? { backend: file.backend } : {}),
    state: {
      theta: float32ToBase64(s.theta),
      thetaAdam: adam(s.thetaAdam),
      alpha: s.alpha ? float32ToBase64(s.alpha) : null,
      alphaAdam: s.alphaAdam ? adam(s.alphaAdam) : null,
      pretrained: s.pretrained
        ? {
            theta: float32ToBase64(s.pretrained.theta),
            adam: adam(s.pretrained.adam),
            step: s.pretrained.step,
          }
        : null,
      stream: s.stream,
    },
    curves: file.curves.map((c) => ({ name: c.name, steps: c.steps, values: c.values })),
    ...(file.data ? { data: dataDoc(file.data) } : {}),
  };
  return `${JSON.stringify(doc)}\n`;
}

/** The embedded data as the file writes it (the column choice only where one was made). */
function dataDoc(data: RunData): Record<string, unknown> {
  const columns = data.reading?.columns;
  return {
    name: data.name,
    sha256: data.hash,
    base64: bytesToBase64(data.bytes),
    ...(columns && Object.keys(columns).length > 0 ? { columns: { ...columns } } : {}),
  };
}
