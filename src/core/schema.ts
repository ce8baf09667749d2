/**
 * The field machinery of the experiment schema: field kinds with their bounds, and parsing of one
 * untrusted value into a valid one with a human-readable explanation of any change. The fields
 * shared by every task family are declared here; each family declares its own fields in its
 * folder (src/core/families/<family>/schema.ts) and `experiment.ts` composes them all.
 */

export const ALGOS = ['maml', 'fomaml', 'metasgd', 'reptile', 'mamlpp'] as const;
export type Algo = (typeof ALGOS)[number];

export const ALGO_LABELS: Record<Algo, string> = {
  maml: 'MAML (second order)',
  fomaml: 'First-order MAML',
  metasgd: 'Meta-SGD',
  reptile: 'Reptile',
  mamlpp: 'MAML++',
};

/**
 * One experiment: the fields every family shares. Each family declares its own fields in its
 * folder by augmenting this interface (families/<family>/schema.ts). The first two families'
 * fields (hidden; ways, net, filters) are required there because every config carries them
 * (`FamilyField.carried`): configs, `--json` results and run files written before families were
 * pluggable have them, so they keep them. A newer family's fields are optional, present only in
 * its own configs.
 */
export interface Experiment {
  /** the task family (a name from the registry) */
  task: string;
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
  seed: number;
  /** MAML++ only (absent otherwise): meta-steps over which the multi-step loss anneals */
  msl?: number;
  /** MAML++ only: meta-steps of first-order gradients before second order */
  firstOrder?: number;
  /** MAML++ only: meta-steps over which β is cosine-annealed (the run's planned length) */
  span?: number;
}

export interface NumberField {
  kind: 'number';
  min: number;
  max: number;
  integer: boolean;
  /** sliders for this field use a log scale */
  log?: boolean;
  help: string;
}
export interface EnumField {
  kind: 'enum';
  values: readonly string[];
  help: string;
}
export interface ListField {
  kind: 'list';
  minLength: number;
  maxLength: number;
  min: number;
  max: number;
  help: string;
}
/** A list of distinct names from a fixed set, e.g. "sine,line" (order kept, duplicates dropped). */
export interface SetField {
  kind: 'set';
  values: readonly string[];
  help: string;
}
/**
 * A closed interval `lo,hi` of real numbers inside [min, max] (one number is the interval of that
 * single value); a reversed interval is turned round and ends outside the bounds are clamped.
 */
export interface RangeField {
  kind: 'range';
  min: number;
  max: number;
  help: string;
}
export type Field = NumberField | EnumField | ListField | SetField | RangeField;
export type FieldValue = string | number | number[] | string[];

/** A family's own field: its descriptor, its default, and whether every config carries it. */
export interface FamilyField {
  field: Field;
  default: FieldValue;
  /** present in every config whatever its family (only the first families' fields) */
  carried?: boolean;
  /**
   * left out of a config while at its default, so configs, links and run files that do not set it
   * stay as they were; its default is `follows`'s value where it names another field
   */
  implicit?: boolean;
  follows?: string;
}

/** A change of settings that needs a new run (a new network): the fields it watches, and why in words. */
export interface RestartRule {
  readonly fields: readonly string[];
  reason(next: Experiment): string;
}

/**
 * What the schema needs to know of a task family: pure data, no compute, so the page can parse
 * links without loading any of the family's maths.
 */
export interface FamilySchema {
  readonly name: string;
  /** for menus, e.g. "function mixtures" */
  readonly label: string;
  /** one sentence for the task-family menu's tooltip */
  readonly blurb: string;
  /** the family's own fields, in share-link order */
  readonly fields: Readonly<Record<string, FamilyField>>;
  /** its defaults for shared fields (the paper's settings for this kind of task) */
  readonly defaults: Readonly<Partial<Record<keyof Experiment, FieldValue>>>;
  /** tighter bounds on shared number fields */
  readonly bounds?: Readonly<Partial<Record<keyof Experiment, [number, number]>>>;
  /** the query set follows K when a link gives K without a query size (the paper's regression set-up) */
  readonly queryFollowsK?: boolean;
  /** which of its fields force a new run when they change (see families/restart.ts) */
  readonly restartRules?: readonly RestartRule[];
  /** named experiments of the literature, opened with `preset=<name>` */
  readonly presets?: readonly Preset[];
  /** algorithms this family cannot train, each with the reason shown when a link asks for it */
  readonly refusedAlgos?: Readonly<Partial<Record<Algo, string>>>;
  /**
   * false: the family runs in the CLI and in core only, with no page or worker part yet; the page's
   * menu and links leave it out (default true)
   */
  readonly inPage?: boolean;
}

/**
 * A named experiment: a share link opened with `preset=<name>` in a page link or the CLI's
 * --config (fields given beside it override the preset's).
 */
export interface Preset {
  readonly name: string;
  /** for menus */
  readonly label: string;
  /** the settings, as a share-link query string */
  readonly link: string;
  /** where the settings come from, in one line */
  readonly source: string;
}

/** The fields every family shares, in share-link order; `seed` comes after the families' fields. */
export const SHARED_FIELDS: Readonly<Record<string, Field>> = {
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
};

/**
 * Settings of one algorithm (MAML++'s schedules, see meta/mamlppSchedule.ts): optional in a
 * config, present in links only when that algorithm is chosen.
 */
export const ALGO_FIELDS: Readonly<Record<string, { algo: Algo; field: NumberField }>> = {
  msl: {
    algo: 'mamlpp',
    field: {
      kind: 'number',
      min: 0,
      max: 1e7,
      integer: true,
      help: 'MAML++ multi-step loss: meta-steps over which the per-step query-loss weights anneal to the last step.',
    },
  },
  firstOrder: {
    algo: 'mamlpp',
    field: {
      kind: 'number',
      min: 0,
      max: 1e7,
      integer: true,
      help: 'MAML++ derivative-order annealing: meta-steps of first-order gradients before exact second order.',
    },
  },
  span: {
    algo: 'mamlpp',
    field: {
      kind: 'number',
      min: 1,
      max: 1e7,
      integer: true,
      help: 'MAML++ cosine-annealed β: meta-steps over which β falls to β/100 (the planned run length).',
    },
  },
};

export const SEED_FIELD: NumberField = {
  kind: 'number',
  min: 0,
  max: 4294967295,
  integer: true,
  help: 'Seed: every task, initial weight and evaluation task derives from it.',
};

/** The shared defaults: the MAML paper's regression settings (see shared/REFERENCES.md). */
export const SHARED_DEFAULTS = {
  algo: 'maml',
  alpha: 0.01,
  beta: 0.001,
  inner: 1,
  k: 10,
  query: 10,
  batch: 25,
  seed: 1,
} as const;

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function show(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function formatNumber(x: number): string {
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

/** The raw items of a list value: "a,b", ["a", "b"] or a single number. */
function listItems(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'string') return raw.split(',').filter((p) => p.trim() !== '');
  if (typeof raw === 'number') return [raw];
  return [];
}

/** Parse one untrusted value; `warn` explains any change. Never throws. */
export function parseField(
  key: string,
  field: Field,
  raw: unknown,
  fallback: FieldValue,
  warn: (message: string) => void,
): FieldValue {
  if (field.kind === 'enum') {
    const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    if (field.values.includes(s)) return s;
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
  if (field.kind === 'set') return parseSet(key, field, raw, fallback, warn);
  if (field.kind === 'range') return parseRange(key, field, raw, fallback, warn);
  return parseList(key, field, raw, fallback, warn);
}

function parseSet(
  key: string,
  field: SetField,
  raw: unknown,
  fallback: FieldValue,
  warn: (message: string) => void,
): FieldValue {
  const names = listItems(raw).map((p) => (typeof p === 'string' ? p.trim().toLowerCase() : String(p)));
  const known = names.filter((n, i) => field.values.includes(n) && names.indexOf(n) === i);
  const unknown = names.filter((n) => !field.values.includes(n));
  if (known.length === 0) {
    warn(`${key}=${show(raw)} names none of ${field.values.join(', ')}; using ${String(fallback)}`);
    return fallback;
  }
  if (unknown.length > 0) {
    warn(
      `${key}=${show(raw)}: ${unknown.map(show).join(', ')} not one of ${field.values.join(', ')}; using ${known.join(',')}`,
    );
  }
  return known;
}

function parseList(
  key: string,
  field: ListField,
  raw: unknown,
  fallback: FieldValue,
  warn: (message: string) => void,
): FieldValue {
  const values: number[] = [];
  for (const p of listItems(raw).slice(0, 64)) {
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

function parseRange(
  key: string,
  field: RangeField,
  raw: unknown,
  fallback: FieldValue,
  warn: (message: string) => void,
): FieldValue {
  const items = listItems(raw);
  const ends = items.slice(0, 3).map(parseNumber);
  if (items.length === 0 || items.length > 2 || ends.some((x) => x === null)) {
    warn(`${key}=${show(raw)} is not a range lo,hi of two numbers; using ${String(fallback)}`);
    return fallback;
  }
  let [lo, hi] = [ends[0] as number, (ends[1] ?? ends[0]) as number];
  if (lo > hi) {
    warn(`${key}=${show(raw)} is reversed; using ${formatNumber(hi)},${formatNumber(lo)}`);
    [lo, hi] = [hi, lo];
  }
  const clamp = (x: number) => Math.min(field.max, Math.max(field.min, x));
  if (clamp(lo) !== lo || clamp(hi) !== hi) {
    warn(
      `${key}=${show(raw)} reaches outside [${formatNumber(field.min)}, ${formatNumber(field.max)}]; clamped to ${formatNumber(clamp(lo))},${formatNumber(clamp(hi))}`,
    );
  }
  return [clamp(lo), clamp(hi)];
}
