/**
 * Reading a run file (see runFile.ts) as untrusted input: it may be another file, a truncated or
 * hand-edited one, one from a newer app, or one built to crash the reader. Everything is checked
 * before anything is built from it; each problem becomes one RunFileError with a sentence a
 * person can act on ("This run file's θ has 1,761 numbers but its settings need 66,561").
 */
import type { ColumnRequest } from '../data/csv/columns';
import { familySchema, parseExperiment, TASKS, type Experiment } from '../experiment';
import { APP_VERSION } from './appVersion';
import { base64ToBytes, base64ToFloat32 } from './base64';
import {
  MAX_CURVE_POINTS,
  MAX_CURVES,
  MAX_NAME_LENGTH,
  MAX_RUN_FILE_CHARS,
  RUN_FILE_FORMAT,
  RUN_FILE_VERSION,
  FIRST_RUN_FILE_VERSION,
  type Curve,
  type RunData,
  type RunFile,
} from './runFile';
import {
  checkTrainingState,
  RUN_ENGINES,
  type AdamState,
  type PretrainedState,
  type RunEngine,
  type StateSizes,
  type TrainingState,
} from './trainingState';

/** Why a run file was refused; nothing was changed. */
export class RunFileError extends Error {
  override name = 'RunFileError';
}

export interface ParseRunFileOptions {
  /** the task families the caller can open (default: all) */
  tasks?: readonly string[];
}

type Json = Record<string, unknown>;

const SUBJECT = "This run file's";
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function fail(message: string): never {
  throw new RunFileError(message);
}

/** Runs a check that throws plain Errors, turning them into RunFileErrors. */
function checked<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RunFileError) throw e;
    fail(e instanceof Error ? e.message : String(e));
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v.length > 30 ? `${v.slice(0, 27)}...` : v}"`;
  return typeof v === 'object' ? 'an object' : String(v);
}

function object(parent: Json, key: string, path: string): Json {
  const v = parent[key];
  if (!isObject(v)) fail(`This run file's ${path} is ${describe(v)}, not an object`);
  return v;
}

export function string(parent: Json, key: string, path: string, maxLength: number): string {
  const v = parent[key];
  if (typeof v !== 'string') fail(`This run file's ${path} is ${describe(v)}, not text`);
  if (v.length > maxLength)
    fail(`This run file's ${path} is ${v.length} characters long (at most ${maxLength})`);
  return v;
}

export function wholeNumber(parent: Json, key: string, path: string): number {
  const v = parent[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    fail(`This run file's ${path} is ${describe(v)}, not a whole number ≥ 0`);
  }
  return v;
}

export function time(doc: Json, key: string): string {
  const v = string(doc, key, key, 40);
  if (!ISO_TIME.test(v) || Number.isNaN(Date.parse(v)))
    fail(`This run file's ${key} "${v}" is not an ISO 8601 time`);
  return v;
}

function vector(parent: Json, key: string, path: string): Float32Array {
  const text = string(parent, key, path, MAX_RUN_FILE_CHARS);
  return checked(() => base64ToFloat32(text, `${SUBJECT} ${path}`));
}

function adam(parent: Json, key: string, path: string): AdamState {
  const a = object(parent, key, path);
  return {
    t: wholeNumber(a, 't', `${path}.t`),
    m: vector(a, 'm', `${path}.m`),
    v: vector(a, 'v', `${path}.v`),
  };
}

function nullable<T>(parent: Json, key: string, path: string, read: () => T): T | null {
  if (!(key in parent)) fail(`This run file has no ${path} (it should be null when there is none)`);
  return parent[key] === null ? null : read();
}

export function readHeader(text: unknown): Json {
  if (typeof text !== 'string') fail('This run file could not be read as text');
  if (text.length > MAX_RUN_FILE_CHARS) {
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    fail(`This file is ${mb(text.length)}; run files larger than ${mb(MAX_RUN_FILE_CHARS)} are refused`);
  }
  if (text.trim() === '') fail('This file is empty, not a run file');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    fail('This is not a run file: it is not valid JSON (is it cut short?)');
  }
  if (!isObject(doc)) fail('This is not a run file: it holds no JSON object');
  if (doc.format === 'maml-playground-theta/1') {
    fail('This is a θ file (a saved θ only), not a run file: load it as a θ file');
  }
  if (doc.format !== RUN_FILE_FORMAT) {
    fail(`This is not a MAML Playground run file (its format is ${describe(doc.format)})`);
  }
  const version = doc.version;
  if (version === undefined) fail('This run file has no format version (is it hand-made?)');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    fail(`This run file's version is ${describe(version)}, not a version number`);
  }
  if (version < FIRST_RUN_FILE_VERSION) {
    // no release wrote these: there is nothing to migrate from
    fail(
      `This run file has format version ${version}, older than any this app wrote (the first was ${FIRST_RUN_FILE_VERSION}): it cannot be read`,
    );
  }
  if (version > RUN_FILE_VERSION) {
    const by = typeof doc.appVersion === 'string' ? ` by app version ${describe(doc.appVersion)}` : '';
    fail(
      `This run file has format version ${version} (written${by}); this app (${APP_VERSION}) reads version ${RUN_FILE_VERSION}: update the app`,
    );
  }
  return doc;
}

export function readConfig(doc: Json, options: ParseRunFileOptions): Experiment {
  const query = string(doc, 'config', 'config', 4000);
  const { config, warnings } = parseExperiment(query);
  if (warnings.length > 0) fail(`This run file's settings are invalid: ${warnings[0]?.message}`);
  const allowed = options.tasks ?? TASKS;
  if (!allowed.includes(config.task)) {
    const label = (task: string) => familySchema(task).label;
    fail(
      `This run file is a ${label(config.task)} run; here only ${allowed.map(label).join(' or ')} runs open`,
    );
  }
  return config;
}

function readState(
  doc: Json,
  config: Experiment,
  sizesOf: (config: Experiment) => StateSizes,
): TrainingState {
  const step = wholeNumber(doc, 'step', 'step');
  const engine = doc.engine;
  if (typeof engine !== 'string' || !RUN_ENGINES.includes(engine as RunEngine)) {
    fail(`This run file's engine is ${describe(engine)}, not ${RUN_ENGINES.join(' or ')}`);
  }
  const s = object(doc, 'state', 'state');
  const stream = s.stream;
  if (!Array.isArray(stream) || stream.length > 5 || !stream.every((w) => typeof w === 'number')) {
    fail("This run file's state.stream is not a task-stream position (a list of 4 or 5 numbers)");
  }
  const pretrained = nullable(s, 'pretrained', 'state.pretrained', (): PretrainedState => {
    const p = object(s, 'pretrained', 'state.pretrained');
    return {
      theta: vector(p, 'theta', 'pretrained θ'),
      adam: adam(p, 'adam', 'pretrained θ Adam state'),
      step: wholeNumber(p, 'step', 'state.pretrained.step'),
    };
  });
  const state: TrainingState = {
    config,
    engine: engine as RunEngine,
    step,
    theta: vector(s, 'theta', 'θ'),
    thetaAdam: adam(s, 'thetaAdam', 'θ Adam state'),
    alpha: nullable(s, 'alpha', 'state.alpha', () => vector(s, 'alpha', 'Meta-SGD α')),
    alphaAdam: nullable(s, 'alphaAdam', 'state.alphaAdam', () =>
      adam(s, 'alphaAdam', 'Meta-SGD α Adam state'),
    ),
    pretrained,
    stream: stream as number[],
  };
  const sizes = checked(() => sizesOf(config));
  checked(() => checkTrainingState(state, sizes, 'This run file'));
  return state;
}

export function readCurves(doc: Json): Curve[] {
  const list = doc.curves;
  if (!Array.isArray(list)) fail(`This run file's curves are ${describe(list)}, not a list`);
  if (list.length > MAX_CURVES) fail(`This run file has ${list.length} curves (at most ${MAX_CURVES})`);
  return list.map((c: unknown, i): Curve => {
    if (!isObject(c)) fail(`This run file's curve ${i + 1} is ${describe(c)}, not an object`);
    const name = string(c, 'name', `curve ${i + 1}'s name`, 100);
    const { steps, values } = c;
    if (!Array.isArray(steps) || !Array.isArray(values)) {
      fail(`This run file's curve "${name}" needs lists of steps and values`);
    }
    if (steps.length !== values.length) {
      fail(`This run file's curve "${name}" has ${steps.length} steps but ${values.length} values`);
    }
    if (steps.length > MAX_CURVE_POINTS)
      fail(`This run file's curve "${name}" has over ${MAX_CURVE_POINTS} points`);
    if (!steps.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
      fail(`This run file's curve "${name}" has steps that are not whole numbers ≥ 0`);
    }
    if (!values.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      fail(`This run file's curve "${name}" has values that are not finite numbers`);
    }
    return { name, steps: steps as number[], values: values as number[] };
  });
}

/**
 * Parse and check a run file's text. `sizesOf` gives the lengths a config's state must have
 * (resume.ts's stateSizes, or readRunFile there, which passes it). Throws RunFileError.
 */
export function parseRunFile(
  text: string,
  sizesOf: (config: Experiment) => StateSizes,
  options: ParseRunFileOptions = {},
): RunFile {
  const doc = readHeader(text);
  const appVersion = string(doc, 'appVersion', 'appVersion', 50);
  const name = doc.name === undefined ? undefined : string(doc, 'name', 'name', MAX_NAME_LENGTH);
  const backend = doc.backend === undefined ? undefined : string(doc, 'backend', 'backend', 20);
  const createdAt = time(doc, 'createdAt');
  const savedAt = time(doc, 'savedAt');
  const config = readConfig(doc, options);
  const state = readState(doc, config, sizesOf);
  const curves = readCurves(doc);
  const data = readData(doc);
  return {
    appVersion,
    ...(name !== undefined ? { name } : {}),
    createdAt,
    savedAt,
    ...(backend !== undefined ? { backend } : {}),
    state,
    curves,
    ...(data ? { data } : {}),
  };
}

/**
 * A run file's settings and embedded data alone (null: it carries none), read before its state,
 * whose sizes may depend on the data (an image family's baseline has a head per class). Throws
 * RunFileError.
 */
export function readRunFileData(
  text: string,
  options: ParseRunFileOptions = {},
): { config: Experiment; data: RunData | null } {
  const doc = readHeader(text);
  return { config: readConfig(doc, options), data: readData(doc) };
}

/**
 * The embedded data, when there is any: a name, a SHA-256 in hex and the bytes in base64. That the
 * bytes have that hash is checked by whoever reads them (hashing is asynchronous).
 */
function readData(doc: Json): RunData | null {
  if (doc.data === undefined) return null;
  const d = object(doc, 'data', 'data');
  const name = string(d, 'name', 'data.name', MAX_NAME_LENGTH);
  const hash = string(d, 'sha256', 'data.sha256', 64).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hash))
    fail(`This run file's data.sha256 is ${describe(d.sha256)}, not 64 hex digits`);
  const bytes = base64ToBytes(string(d, 'base64', 'data.base64', MAX_RUN_FILE_CHARS));
  if (!bytes) fail("This run file's data.base64 is not base64");
  if (d.columns === undefined) return { name, hash, bytes };
  return { name, hash, bytes, reading: { columns: readColumns(object(d, 'columns', 'data.columns')) } };
}

/** The column choice the data was read with: each role a header name or a column index. */
function readColumns(c: Json): ColumnRequest {
  const out: ColumnRequest = {};
  for (const role of ['task', 'x', 'y'] as const) {
    const v = c[role];
    if (v === undefined) continue;
    out[role] =
      typeof v === 'number'
        ? wholeNumber(c, role, `data.columns.${role}`)
        : string(c, role, `data.columns.${role}`, MAX_NAME_LENGTH);
  }
  return out;
}
