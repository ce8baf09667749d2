/**
 * The experiment schema: one table of every shareable field with its type, default and bounds,
 * composed from the shared fields (schema.ts) and each registered task family's own fields
 * (families/schemas.ts). The URL, the CLI and the worker all parse through here. Parsing untrusted
 * input never throws: each field is taken from the input only when valid, otherwise clamped or
 * defaulted, and every such change is reported as a human-readable warning.
 */
import { DEFAULT_TASK, FAMILY_SCHEMAS } from './families/schemas';
import {
  formatNumber,
  parseField,
  SEED_FIELD,
  SHARED_DEFAULTS,
  SHARED_FIELDS,
  show,
  type EnumField,
  type Experiment,
  type FamilySchema,
  type Field,
  type FieldValue,
} from './schema';

export { ALGOS, ALGO_LABELS, parseNumber, type Algo, type Experiment } from './schema';

export const TASKS: readonly string[] = FAMILY_SCHEMAS.map((f) => f.name);
export type TaskName = string;

export function familySchema(task: string): FamilySchema {
  const f = FAMILY_SCHEMAS.find((s) => s.name === task);
  if (!f) throw new Error(`unknown task family "${task}" (known: ${TASKS.join(', ')})`);
  return f;
}

/** Every field: the task, the shared ones, each family's own (first declaration wins), the seed. */
export const FIELDS = ((): { readonly [K in keyof Experiment]-?: Field } => {
  const out: Record<string, Field> = {
    task: { kind: 'enum', values: TASKS, help: 'Which family of tasks to meta-learn over.' },
    ...SHARED_FIELDS,
  };
  for (const f of FAMILY_SCHEMAS) {
    for (const [key, spec] of Object.entries(f.fields)) if (!(key in out)) out[key] = spec.field;
  }
  out.seed = SEED_FIELD;
  return out as { [K in keyof Experiment]-?: Field };
})();

/** Canonical order of fields in share links and the CLI. */
export const FIELD_ORDER = Object.keys(FIELDS) as (keyof Experiment)[];

/** The fields carried by every config, with their defaults (the first families' own fields). */
const CARRIED: Record<string, FieldValue> = {};
for (const f of FAMILY_SCHEMAS) {
  for (const [key, spec] of Object.entries(f.fields))
    if (spec.carried && !(key in CARRIED)) CARRIED[key] = spec.default;
}

const copyValue = (v: FieldValue): FieldValue => (Array.isArray(v) ? ([...v] as FieldValue) : v);

/** A family's defaults: shared settings, its own overrides, every carried field, its own fields. */
export function defaultsFor(task: string): Experiment {
  const family = familySchema(task);
  const out: Record<string, FieldValue> = { task, ...SHARED_DEFAULTS };
  for (const [key, v] of Object.entries(CARRIED)) out[key] = copyValue(v);
  for (const [key, spec] of Object.entries(family.fields)) out[key] = copyValue(spec.default);
  for (const [key, v] of Object.entries(family.defaults)) out[key] = copyValue(v as FieldValue);
  // the canonical key order, so configs print and compare alike
  const ordered: Record<string, FieldValue> = {};
  for (const key of FIELD_ORDER) if (key in out) ordered[key] = out[key] as FieldValue;
  return ordered as unknown as Experiment;
}

/** The first family's defaults: the paper's settings (Finn et al. 2017), see shared/REFERENCES.md. */
export const DEFAULT_EXPERIMENT: Readonly<Experiment> = Object.freeze(defaultsFor(DEFAULT_TASK));

/** Whether a field means something for a task family (others are left out of its links). */
export function fieldApplies(key: keyof Experiment | string, task: string): boolean {
  if (key === 'task' || key === 'seed' || key in SHARED_FIELDS) return true;
  const family = FAMILY_SCHEMAS.find((f) => f.name === task);
  return family !== undefined && key in family.fields;
}

export interface ParseWarning {
  key: string;
  /** the raw value given (truncated for display) */
  given: string;
  message: string;
}

export interface ParseResult {
  config: Experiment;
  warnings: ParseWarning[];
}

export type ExperimentInput = string | URLSearchParams | Record<string, unknown>;

/** Turn any accepted input shape into string-valued entries (last value of a key wins). */
function toEntries(input: ExperimentInput): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof input === 'string') {
    let s = input.trim();
    const hash = s.indexOf('#');
    if (hash >= 0) s = s.slice(0, hash);
    const q = s.indexOf('?');
    if (q >= 0) s = s.slice(q + 1);
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) s = ''; // a URL without a query string
    new URLSearchParams(s).forEach((v, k) => out.set(k, v));
  } else if (input instanceof URLSearchParams) {
    input.forEach((v, k) => out.set(k, v));
  } else if (input !== null && typeof input === 'object') {
    for (const [k, v] of Object.entries(input)) out.set(k, v);
  }
  return out;
}

export interface ParseOptions {
  /** keys that belong to someone else (e.g. the UI's `step`, `backend`) and are not warned about */
  ignore?: readonly string[];
  /** values used for fields the input does not mention (default: the task's defaults) */
  base?: Experiment;
  /** task families this caller can run (default: all) */
  tasks?: readonly string[];
}

/** Parse untrusted input (query string, full URL, URLSearchParams or object). Never throws. */
export function parseExperiment(input: ExperimentInput, options: ParseOptions = {}): ParseResult {
  const entries = toEntries(input);
  const warnings: ParseWarning[] = [];
  const allowed = options.tasks ?? TASKS;
  const warn = (key: string, raw: unknown) => (message: string) =>
    warnings.push({ key, given: show(raw), message });
  // the task comes first: it picks the defaults and bounds of everything else
  let task: string = options.base?.task ?? DEFAULT_TASK;
  if (!allowed.includes(task)) task = allowed[0] ?? DEFAULT_TASK;
  if (entries.has('task')) {
    const raw = entries.get('task');
    const field: EnumField = { ...(FIELDS.task as EnumField), values: allowed };
    task = parseField('task', field, raw, task, warn('task', raw)) as string;
  }
  const family = familySchema(task);
  const base = options.base && options.base.task === task ? options.base : defaultsFor(task);
  const record: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) {
    const v = (base as unknown as Record<string, unknown>)[key];
    if (v !== undefined) record[key] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  record.task = task;
  for (const key of FIELD_ORDER) {
    if (key === 'task' || !entries.has(key)) continue;
    const raw = entries.get(key);
    if (!fieldApplies(key, task)) {
      warnings.push({ key, given: show(raw), message: `${key} does not apply to ${task} tasks; ignored` });
      continue;
    }
    let field: Field = FIELDS[key];
    const bounds = family.bounds?.[key];
    if (bounds && field.kind === 'number') field = { ...field, min: bounds[0], max: bounds[1] };
    if (key === 'algo' && family.algos && field.kind === 'enum') field = { ...field, values: family.algos };
    record[key] = parseField(key, field, raw, record[key] as FieldValue, warn(key, raw));
  }
  // regression families: the query set is as large as the support set by default, as in the paper
  if (family.queryFollowsK && !entries.has('query') && entries.has('k')) record.query = record.k;
  const ignore = new Set(options.ignore ?? []);
  for (const [key, raw] of entries) {
    if (key in FIELDS || ignore.has(key)) continue;
    warnings.push({ key, given: show(raw), message: `unknown parameter "${show(key)}" ignored` });
  }
  return { config: record as unknown as Experiment, warnings };
}

/** Canonical query string (no leading "?") in FIELD_ORDER. */
export function serializeExperiment(config: Experiment): string {
  const params = new URLSearchParams();
  const record = config as unknown as Record<string, unknown>;
  for (const key of FIELD_ORDER) {
    if (!fieldApplies(key, config.task)) continue;
    const v = record[key];
    if (v === undefined) continue;
    params.set(key, Array.isArray(v) ? v.join(',') : typeof v === 'number' ? formatNumber(v) : String(v));
  }
  return params.toString().replace(/%2C/g, ',');
}

export function sameExperiment(a: Experiment, b: Experiment): boolean {
  return serializeExperiment(a) === serializeExperiment(b);
}

/** Layer sizes of the regression network for a config: input, hidden..., output. */
export function layerSizes(config: Experiment): number[] {
  return [1, ...config.hidden, 1];
}

/** Weights and biases of the regression network for a config (no tfjs: the page counts too). */
export function mlpParameterCount(config: Experiment): number {
  const sizes = layerSizes(config);
  let n = 0;
  for (let i = 0; i + 1 < sizes.length; i++)
    n += (sizes[i] as number) * (sizes[i + 1] as number) + (sizes[i + 1] as number);
  return n;
}
