/**
 * MAML++'s schedules (Antoniou, Edwards & Storkey, "How to train your MAML", ICLR 2019), as pure
 * functions of the meta-step count n (the number of meta-updates applied so far). The paper's code
 * steps its schedules once per epoch of 500 meta-steps; here an "epoch" is one meta-step and the
 * lengths are settings in meta-steps (see docs/mamlpp.md):
 *
 * - Multi-step loss (MSL): with S inner steps the meta-loss is Σ_s w_s · L_query(θ_{s+1}). While
 *   n < M (`msl`): every weight starts at 1/S; each non-final weight falls by n/(S·M), floored at
 *   0.03/S; the final weight rises by n·(S−1)/(S·M), capped at 1 − (S−1)·0.03/S. From n ≥ M on,
 *   only the final step's loss counts (weights [0, ..., 0, 1]), as in the paper's code
 *   (`get_per_step_loss_importance_vector`, used while epoch < multi_step_loss_num_epochs).
 * - Derivative-order annealing: first order while n < F (`firstOrder`), exact second order after.
 * - Cosine-annealed β: β_n = β_min + (β − β_min)·(1 + cos(π·n/T))/2 for n < T (`span`), β_min
 *   afterwards, with β_min = β/100 (the paper's code: 0.001 annealed to 0.00001 over the run).
 */

/** The three MAML++ schedule lengths, in meta-steps. */
export interface MamlppSchedule {
  /** meta-steps over which the multi-step loss weights anneal towards the last step */
  msl: number;
  /** meta-steps trained with first-order gradients before switching to second order */
  firstOrder: number;
  /** meta-steps over which β is cosine-annealed to β/100 (the run's planned length) */
  span: number;
}

export const MAMLPP_DEFAULTS: Readonly<MamlppSchedule> = Object.freeze({
  msl: 1500,
  firstOrder: 1000,
  span: 10000,
});

/** The multi-step loss weights of S inner steps at meta-step n (they sum to 1 while annealing). */
export function mslWeights(n: number, steps: number, msl: number): number[] {
  const S = steps;
  const last = S - 1;
  if (n >= msl) return Array.from({ length: S }, (_, s) => (s === last ? 1 : 0));
  const decay = n / (S * msl);
  const floor = 0.03 / S;
  return Array.from({ length: S }, (_, s) =>
    s === last ? Math.min(1 / S + decay * last, 1 - last * floor) : Math.max(1 / S - decay, floor),
  );
}

/** Whether meta-step n takes first-order gradients. */
export function firstOrderAt(n: number, firstOrder: number): boolean {
  return n < firstOrder;
}

/** The meta learning rate at meta-step n. */
export function cosineBeta(n: number, beta: number, span: number): number {
  const min = beta / 100;
  if (n >= span) return min;
  return min + ((beta - min) * (1 + Math.cos((Math.PI * n) / span))) / 2;
}

/** Everything one MAML++ meta-step needs from its schedules. */
export interface MamlppPhase {
  weights: number[];
  firstOrder: boolean;
  beta: number;
}

export function mamlppPhase(n: number, steps: number, beta: number, s: MamlppSchedule): MamlppPhase {
  return {
    weights: mslWeights(n, steps, s.msl),
    firstOrder: firstOrderAt(n, s.firstOrder),
    beta: cosineBeta(n, beta, s.span),
  };
}

/** The most inner steps LSLR keeps rates for (the schema's bound on `inner`). */
export const LSLR_STEPS = 10;

/**
 * LSLR (learned per-layer, per-step inner learning rates): one rate per parameter tensor (each
 * layer's weights and its biases, as the paper's code keeps one per named parameter) per inner
 * step, for LSLR_STEPS steps, laid out row-major [step][tensor]. Rows past the current `inner`
 * receive no gradient, so a run can change its inner steps without losing its rates.
 */
export function lslrSize(tensors: number): number {
  return LSLR_STEPS * tensors;
}

/** Every rate at α, the paper's initialisation. */
export function lslrInit(tensors: number, alpha: number): Float32Array {
  return new Float32Array(lslrSize(tensors)).fill(alpha);
}

/** A config's schedules: its own settings where it has them, MAMLPP_DEFAULTS elsewhere. */
export function scheduleOf(c: Partial<MamlppSchedule>): MamlppSchedule {
  return {
    msl: c.msl ?? MAMLPP_DEFAULTS.msl,
    firstOrder: c.firstOrder ?? MAMLPP_DEFAULTS.firstOrder,
    span: c.span ?? MAMLPP_DEFAULTS.span,
  };
}

/** The lengths of an MLP's parameter tensors in θ's order (W then b per layer), from its layer sizes. */
export function mlpTensorSizes(sizes: readonly number[]): number[] {
  const out: number[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [a, b] = [sizes[l] as number, sizes[l + 1] as number];
    out.push(a * b, b);
  }
  return out;
}

/** Step s's LSLR rates spread over θ's flat layout: a per-parameter rate of θ's length. */
export function spreadRates(
  rates: ArrayLike<number>,
  s: number,
  tensorSizes: readonly number[],
): Float32Array {
  const out = new Float32Array(tensorSizes.reduce((a, b) => a + b, 0));
  let at = 0;
  tensorSizes.forEach((n, i) => {
    out.fill(rates[s * tensorSizes.length + i] as number, at, at + n);
    at += n;
  });
  return out;
}
