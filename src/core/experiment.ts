/**
 * The experiment schema: one table of every shareable field with its type, default and bounds.
 * The URL, the CLI and the worker all parse through here. Parsing untrusted input never throws:
 * each field is taken from the input only when valid, otherwise clamped or defaulted, and every
 * such change is reported as a human-readable warning.
 */

export const TASKS = ['sinusoid', 'glyphs'] as const;
export type TaskName = (typeof TASKS)[number];

/** Classifier architectures for glyph tasks: the paper's conv net or its fully connected net. */
export const NETS = ['conv', 'fc'] as const;
export type NetName = (typeof NETS)[number];

export const ALGOS = ['maml', 'fomaml', 'metasgd', 'reptile'] as const;
export type Algo = (typeof ALGOS)[number];

export const ALGO_LABELS: Record<Algo, string> = {
  maml: 'MAML (second order)',
  fomaml: 'First-order MAML',
  metasgd: 'Meta-SGD',
  reptile: 'Reptile',
};

export interface Experiment {
  task: TaskName;
  algo: Algo;
  /** inner-loop (adaptation) SGD learning rate α */
  alpha: number;
  /** outer-loop (meta) Adam learning rate β */
  beta: number;
  /** inner SGD steps per task during meta-training */
  inner: number;
  /** support shots K per task */
  k: number;
  /** query points per task used for the meta-loss */
  query: number;
  /** tasks per meta-batch */
  batch: number;
  /** hidden layer widths of the MLP */
  hidden: number[];
  /** glyph tasks: classes per task (N-way) */
  ways: number;
  /** glyph tasks: classifier architecture */
  net: NetName;
  /** glyph tasks: filters per conv block */
  filters: number;
  seed: number;
}

interface NumberField {
  kind: 'number';
  min: number;
  max: number;
  integer: boolean;
  /** sliders for this field use a log scale */
  log?: boolean;
  help: string;
}
interface EnumField {
  kind: 'enum';
  values: readonly string[];
  help: string;
}
interface ListField {
  kind: 'list';
  minLength: number;
  maxLength: number;
  min: number;
  max: number;
  help: string;
}
type Field = NumberField | EnumField | ListField;

/** The paper's sinusoid settings (Finn et al. 2017), see shared/REFERENCES.md. */
export const DEFAULT_EXPERIMENT: Readonly<Experiment> = Object.freeze({
  task: 'sinusoid',
  algo: 'maml',
  alpha: 0.01,
  beta: 0.001,
  inner: 1,
  k: 10,
  query: 10,
  batch: 25,
  hidden: [40, 40],
  ways: 5,
  net: 'conv',
  filters: 32,
  seed: 1,
});

/**
 * Glyph classification defaults: the paper's Omniglot settings (α = 0.4, one inner step, 5-way
 * 1-shot) with a lighter network (4 blocks of 32 filters) and meta-batch 8 instead of 32, so it
 * trains at a usable speed in a browser tab.
 */
export const GLYPH_DEFAULTS: Readonly<Experiment> = Object.freeze({
  ...DEFAULT_EXPERIMENT,
  task: 'glyphs',
  alpha: 0.4,
  k: 1,
  query: 5,
  batch: 8,
});

export function defaultsFor(task: TaskName): Experiment {
  const d = task === 'glyphs' ? GLYPH_DEFAULTS : DEFAULT_EXPERIMENT;
  return { ...d, hidden: [...d.hidden] };
}

/** Fields that only mean something for one task family (left out of its share links). */
const TASK_FIELDS: Partial<Record<keyof Experiment, TaskName>> = {
  hidden: 'sinusoid',
  ways: 'glyphs',
  net: 'glyphs',
  filters: 'glyphs',
};

/** Tighter bounds a task family puts on shared fields (the glyph sampler's limits). */
const TASK_BOUNDS: Partial<Record<TaskName, Partial<Record<keyof Experiment, [number, number]>>>> = {
  glyphs: { k: [1, 10], query: [1, 50], batch: [1, 32] },
};

export function fieldApplies(key: keyof Experiment, task: TaskName): boolean {
  const only = TASK_FIELDS[key];
  return only === undefined || only === task;
}

export const FIELDS: { readonly [K in keyof Experiment]: Field } = {
  task: { kind: 'enum', values: TASKS, help: 'Which family of tasks to meta-learn over.' },
  algo: {
    kind: 'enum',
    values: ALGOS,
    help: 'How the initialisation θ is meta-learned from the tasks.',
  },
  alpha: {
    kind: 'number',
    min: 1e-4,
    max: 1,
    integer: false,
    log: true,
    help: 'Inner learning rate α: size of each SGD step a task takes from θ towards its own solution.',
  },
  beta: {
    kind: 'number',
    min: 1e-5,
    max: 0.1,
    integer: false,
    log: true,
    help: 'Meta learning rate β: Adam step size for moving θ itself after each meta-batch.',
  },
  inner: {
    kind: 'number',
    min: 1,
    max: 10,
    integer: true,
    help: 'Inner steps: how many SGD steps each task takes from θ during meta-training.',
  },
  k: {
    kind: 'number',
    min: 1,
    max: 50,
    integer: true,
    help: 'K shots: labelled support points each task gets to adapt on.',
  },
  query: {
    kind: 'number',
    min: 1,
    max: 100,
    integer: true,
    help: 'Query points per task: held-out points that score the adapted model (the meta-loss).',
  },
  batch: {
    kind: 'number',
    min: 1,
    max: 100,
    integer: true,
    help: 'Meta-batch size: tasks averaged into each meta-gradient step.',
  },
  hidden: {
    kind: 'list',
    minLength: 1,
    maxLength: 4,
    min: 1,
    max: 256,
    help: 'Hidden layer widths of the network, comma separated (the paper uses 40,40).',
  },
  ways: {
    kind: 'number',
    min: 2,
    max: 20,
    integer: true,
    help: 'N-way: classes per task; each task relabels N new characters 0..N−1.',
  },
  net: {
    kind: 'enum',
    values: NETS,
    help: 'Classifier: the paper’s conv net (3×3 stride-2 blocks) or its fully connected net.',
  },
  filters: {
    kind: 'number',
    min: 4,
    max: 64,
    integer: true,
    help: 'Filters per conv block (the paper uses 64).',
  },
  seed: {
    kind: 'number',
    min: 0,
    max: 4294967295,
    integer: true,
    help: 'Seed: every task, initial weight and evaluation task derives from it.',
  },
};

/** Canonical order of fields in share links and the CLI. */
export const FIELD_ORDER = Object.keys(FIELDS) as (keyof Experiment)[];

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

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function show(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/** Strictly parse one number ("1e-3" yes, "0x10", "", "1,5", "Infinity" no). */
export function parseNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (s.length === 0 || s.length > 64 || !NUMBER_RE.test(s)) return null;
  const x = Number(s);
  return Number.isFinite(x) ? x : null;
}

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

function parseField(
  key: keyof Experiment,
  field: Field,
  raw: unknown,
  fallback: Experiment[keyof Experiment],
  warn: (message: string) => void,
): Experiment[keyof Experiment] {
  if (field.kind === 'enum') {
    const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    if (field.values.includes(s)) return s as Experiment[keyof Experiment];
    warn(`${key}=${show(raw)} is not one of ${field.values.join(', ')}; using ${String(fallback)}`);
    return fallback;
  }
  if (field.kind === 'number') {
    const x = parseNumber(raw);
    if (x === null) {
      warn(`${key}=${show(raw)} is not a number; using ${formatNumber(fallback as number)}`);
      return fallback;
    }
    let v = x;
    if (field.integer && !Number.isInteger(v)) {
      v = Math.round(v);
      warn(`${key}=${show(raw)} must be a whole number; rounded to ${v}`);
    }
    if (v < field.min || v > field.max) {
      const c = Math.min(field.max, Math.max(field.min, v));
      warn(
        `${key}=${show(raw)} is outside [${formatNumber(field.min)}, ${formatNumber(field.max)}]; clamped to ${formatNumber(c)}`,
      );
      v = c;
    }
    return v;
  }
  // list of integers, e.g. "40,40"
  const parts: unknown[] = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw.split(',').filter((p) => p.trim() !== '')
      : typeof raw === 'number'
        ? [raw]
        : [];
  const values: number[] = [];
  for (const p of parts.slice(0, 64)) {
    const x = parseNumber(p);
    if (x === null) {
      warn(`${key}=${show(raw)} is not a comma-separated list of numbers; using ${String(fallback)}`);
      return fallback;
    }
    values.push(x);
  }
  if (values.length === 0) {
    warn(`${key}=${show(raw)} is empty; using ${String(fallback)}`);
    return fallback;
  }
  let changed = false;
  if (values.length > field.maxLength) {
    values.length = field.maxLength;
    changed = true;
  }
  const clamped = values.map((x) => {
    const v = Math.min(field.max, Math.max(field.min, Math.round(x)));
    if (v !== x) changed = true;
    return v;
  });
  if (changed) {
    warn(
      `${key}=${show(raw)} allows at most ${field.maxLength} layers of ${field.min}-${field.max} units; using ${clamped.join(',')}`,
    );
  }
  return clamped;
}

export interface ParseOptions {
  /** keys that belong to someone else (e.g. the UI's `step`, `backend`) and are not warned about */
  ignore?: readonly string[];
  /** values used for fields the input does not mention (default: the task's defaults) */
  base?: Experiment;
  /** task families this caller can run (default: all) */
  tasks?: readonly TaskName[];
}

/** Parse untrusted input (query string, full URL, URLSearchParams or object). Never throws. */
export function parseExperiment(input: ExperimentInput, options: ParseOptions = {}): ParseResult {
  const entries = toEntries(input);
  const warnings: ParseWarning[] = [];
  const allowed = options.tasks ?? TASKS;
  const warn = (key: string, raw: unknown) => (message: string) =>
    warnings.push({ key, given: show(raw), message });
  // the task comes first: it picks the defaults and bounds of everything else
  let task: TaskName = options.base?.task ?? 'sinusoid';
  if (!allowed.includes(task)) task = allowed[0] ?? 'sinusoid';
  if (entries.has('task')) {
    const raw = entries.get('task');
    const field: EnumField = { ...(FIELDS.task as EnumField), values: allowed };
    task = parseField('task', field, raw, task, warn('task', raw)) as TaskName;
  }
  const base = options.base && options.base.task === task ? options.base : defaultsFor(task);
  const config = { ...base, hidden: [...base.hidden], task } as Experiment;
  const record = config as unknown as Record<string, unknown>;
  for (const key of FIELD_ORDER) {
    if (key === 'task' || !entries.has(key)) continue;
    const raw = entries.get(key);
    if (!fieldApplies(key, task)) {
      warnings.push({ key, given: show(raw), message: `${key} does not apply to ${task} tasks; ignored` });
      continue;
    }
    let field = FIELDS[key];
    const bounds = TASK_BOUNDS[task]?.[key];
    if (bounds && field.kind === 'number') field = { ...field, min: bounds[0], max: bounds[1] };
    record[key] = parseField(key, field, raw, config[key], warn(key, raw));
  }
  // For sinusoids the query set is as large as the support set by default, as in the paper.
  if (task === 'sinusoid' && !entries.has('query') && entries.has('k')) config.query = config.k;
  const ignore = new Set(options.ignore ?? []);
  for (const [key, raw] of entries) {
    if (key in FIELDS || ignore.has(key)) continue;
    warnings.push({ key, given: show(raw), message: `unknown parameter "${show(key)}" ignored` });
  }
  return { config, warnings };
}

/** Canonical query string (no leading "?") in FIELD_ORDER. */
export function serializeExperiment(config: Experiment): string {
  const params = new URLSearchParams();
  for (const key of FIELD_ORDER) {
    if (!fieldApplies(key, config.task)) continue;
    const v = config[key];
    params.set(key, Array.isArray(v) ? v.join(',') : typeof v === 'number' ? formatNumber(v) : v);
  }
  return params.toString().replace(/%2C/g, ',');
}

/** Layer sizes of the sinusoid network for a config: input, hidden..., output. */
export function layerSizes(config: Experiment): number[] {
  return [1, ...config.hidden, 1];
}

export function sameExperiment(a: Experiment, b: Experiment): boolean {
  return serializeExperiment(a) === serializeExperiment(b);
}
