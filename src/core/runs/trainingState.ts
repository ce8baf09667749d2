/**
 * A run's whole training state: what a run file, an autosave or a worker restart must keep so that
 * the run continues bit-identically to one that never stopped. Exported by FamilyRun.exportState()
 * and taken back by FamilyRun.restoreState(); checked here against the network its settings
 * describe, because it may come from a file (see parseRunFile.ts).
 */
import { restartReason } from '../families/restart';
import type { AdamState } from '../meta/adam';
import { lslrSize } from '../meta/mamlppSchedule';
import type { Experiment } from '../schema';

export type { AdamState };

/** which implementation trained the run (see RegressionRun) */
export type RunEngine = 'tfjs' | 'fused';
export const RUN_ENGINES: readonly RunEngine[] = ['tfjs', 'fused'];

/** The pretrained baseline: its whole network (the glyph one has a C-way head) and its optimiser. */
export interface PretrainedState {
  theta: Float32Array;
  adam: AdamState;
  /** supervised steps it has taken (a glyph baseline loaded from a θ file counts that file's) */
  step: number;
}

export interface TrainingState {
  /** the settings the run trains under now (live changes included) */
  config: Experiment;
  engine: RunEngine;
  /** meta-steps taken */
  step: number;
  /** the meta-learned initialisation, flat, in the project's layout */
  theta: Float32Array;
  thetaAdam: AdamState;
  /** Meta-SGD's learned per-parameter inner rates (null for the other algorithms) */
  alpha: Float32Array | null;
  alphaAdam: AdamState | null;
  /** null when the run trains no baseline */
  pretrained: PretrainedState | null;
  /** the task stream's generator state (Rng.state()): the next meta-batch is the one it would draw */
  stream: number[];
}

/** The lengths a config's state must have. */
export interface StateSizes {
  theta: number;
  /** the pretrained baseline's whole network */
  pretrained: number;
  /** MAML++'s rates (LSLR_STEPS × parameter tensors); absent: those of the config's MLP */
  lslr?: number;
}

/** Meta-step counts and Adam step counts fit a wasm i32 counter. */
export const MAX_STEP = 2 ** 31 - 1;

let fractional: Intl.NumberFormat | null = null;

/**
 * A count as en-US writes it ("12,345"). Whole numbers are grouped by hand: a page's first
 * `Intl.NumberFormat` sets up locale data, which must not land in the page's first long task.
 * Fractions (rare) still go through Intl.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return (fractional ??= new Intl.NumberFormat('en-US')).format(n);
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

function isWholeInRange(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/** Index of the first value that is not finite, or -1. */
function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return i;
  return -1;
}

/**
 * Throws an Error with one clear sentence when `state` does not fit `sizes` or is not a state a
 * run can continue from. `subject` starts each message: "This run file", "The saved state".
 */
export function checkTrainingState(state: TrainingState, sizes: StateSizes, subject: string): void {
  const fail = (what: string): never => {
    throw new Error(`${subject}${what}`);
  };
  if (!isWholeInRange(state.step, 0, MAX_STEP))
    fail(`'s step (${String(state.step)}) is not a whole number ≥ 0`);
  if (!RUN_ENGINES.includes(state.engine)) fail(`'s engine "${String(state.engine)}" is not tfjs or fused`);
  const vector = (name: string, a: Float32Array, size: number) => {
    if (a.length !== size) {
      fail(`'s ${name} has ${formatCount(a.length)} numbers but its settings need ${formatCount(size)}`);
    }
    const bad = firstNonFinite(a);
    if (bad >= 0) fail(`'s ${name} contains ${String(a[bad])} at position ${formatCount(bad)}`);
  };
  const adam = (name: string, s: AdamState, size: number) => {
    if (!isWholeInRange(s.t, 0, MAX_STEP))
      fail(`'s ${name} Adam step count (${String(s.t)}) is not a whole number ≥ 0`);
    vector(`${name} Adam first moment`, s.m, size);
    vector(`${name} Adam second moment`, s.v, size);
    for (let i = 0; i < s.v.length; i++) {
      if ((s.v[i] as number) < 0)
        fail(`'s ${name} Adam second moment is negative at position ${formatCount(i)}`);
    }
  };
  vector('θ', state.theta, sizes.theta);
  adam('θ', state.thetaAdam, sizes.theta);
  const algo = state.config.algo;
  const what = algo === 'mamlpp' ? 'MAML++ rates' : 'Meta-SGD α';
  const learns = algo === 'metasgd' || algo === 'mamlpp';
  if (learns && (!state.alpha || !state.alphaAdam))
    fail(algo === 'mamlpp' ? ' uses MAML++ but has no learned rates' : ' uses Meta-SGD but has no learned α');
  if (!learns && (state.alpha || state.alphaAdam)) {
    fail(` has a learned α, which only Meta-SGD runs have (its algorithm is ${algo})`);
  }
  if (state.alpha && state.alphaAdam) {
    const mlpRates = () => lslrSize(2 * (state.config.hidden.length + 1));
    const size = algo === 'mamlpp' ? (sizes.lslr ?? mlpRates()) : sizes.theta;
    vector(what, state.alpha, size);
    adam(what, state.alphaAdam, size);
  }
  if (state.pretrained) {
    vector('pretrained θ', state.pretrained.theta, sizes.pretrained);
    adam('pretrained θ', state.pretrained.adam, sizes.pretrained);
    if (!isWholeInRange(state.pretrained.step, 0, MAX_STEP))
      fail(`'s pretrained step (${String(state.pretrained.step)}) is not a whole number ≥ 0`);
  }
  checkStream(state.stream, subject);
}

/**
 * Whether a run of `config` (with or without a baseline) can take `state` back: same task,
 * network and task stream, the same baseline, and a valid state of the right sizes. Throws an
 * Error that says why not; live-changeable settings (α, β, algorithm, ...) may differ.
 */
export function checkStateFits(
  config: Experiment,
  hasPretrained: boolean,
  state: TrainingState,
  sizes: StateSizes,
): void {
  const why = state.config.task === config.task ? restartReason(config, state.config) : 'another task';
  if (why !== null) throw new Error(`The saved state does not fit this run: ${why}`);
  if ((state.pretrained !== null) !== hasPretrained) {
    throw new Error(
      hasPretrained
        ? 'The saved state has no pretrained baseline, this run has one'
        : 'The saved state has a pretrained baseline, this run has none',
    );
  }
  checkTrainingState(state, sizes, 'The saved state');
}

/** The generator state: four 32-bit words and, optionally, a cached normal deviate. */
export function checkStream(stream: readonly number[], subject: string): void {
  const words = stream.slice(0, 4);
  const ok =
    (stream.length === 4 || stream.length === 5) &&
    words.every((w) => isWholeInRange(w, -(2 ** 31), 2 ** 32 - 1)) &&
    (stream.length === 4 || Number.isFinite(stream[4]));
  if (!ok)
    throw new Error(
      `${subject}'s task-stream position is not a generator state (4 words and a cached deviate)`,
    );
}

/** A deep copy (the arrays of a state are never shared between a run and its saves). */
export function copyTrainingState(s: TrainingState): TrainingState {
  const adam = (a: AdamState): AdamState => ({ t: a.t, m: a.m.slice(), v: a.v.slice() });
  return {
    config: Object.fromEntries(
      Object.entries(s.config).map(([k, v]) => [k, Array.isArray(v) ? [...(v as unknown[])] : v]),
    ) as unknown as Experiment,
    engine: s.engine,
    step: s.step,
    theta: s.theta.slice(),
    thetaAdam: adam(s.thetaAdam),
    alpha: s.alpha ? s.alpha.slice() : null,
    alphaAdam: s.alphaAdam ? adam(s.alphaAdam) : null,
    pretrained: s.pretrained
      ? { theta: s.pretrained.theta.slice(), adam: adam(s.pretrained.adam), step: s.pretrained.step }
      : null,
    stream: [...s.stream],
  };
}
