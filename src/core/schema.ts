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
  /**
   * What a meta-step's own number is when it is not a loss to lower (absent: the meta-loss, the
   * query loss after the inner steps); the CLI's progress line and the page's readout name it so
   */
  readonly trainingQuantity?: TrainingQuantity;
}

/** A meta-step's own number in words: a short name for a readout, and one sentence of help. */
export interface TrainingQuantity {
  readonly name: string;
  readonly help: string;
}

/** The meta-loss, what every family's meta-step reports unless its schema names another quantity. */
export const META_LOSS: TrainingQuantity = {
  name: 'meta-loss',
  help: 'Meta-loss of the latest meta-batch: the query loss after the inner steps, averaged over the batch’s tasks.',
};

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
  msl: mamlppSteps(
    0,
    'MAML++ multi-step loss: meta-steps over which the per-step query-loss weights anneal to the last step.',
  ),
  firstOrder: mamlppSteps(
    0,
    'MAML++ derivative-order annealing: meta-steps of first-order gradients before exact second order.',
  ),
  span: mamlppSteps(
    1,
    'MAML++ cosine-annealed β: meta-steps over which β falls to β/100 (the planned run length).',
  ),
};

/** A MAML++ schedule length: a whole number of meta-steps from `min` to 10 million. */
function mamlppSteps(min: number, help: string): { algo: Algo; field: NumberField } {
  return { algo: 'mamlpp', field: { kind: 'number', min, max: 1e7, integer: true, help } };
}

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

export { formatNumber, parseField, parseNumber, show } from './fieldParse';
