/**
 * The learned inner learning rates the θ view draws beside θ: MAML++'s LSLR rates (one per inner
 * step and parameter tensor) and Meta-SGD's per-parameter α summarised per tensor. Pure: built
 * from vectors already read back.
 */
import type { Experiment } from '../../core/experiment';
import { LSLR_STEPS } from '../../core/meta/mamlppSchedule';
import type { InnerRatesReport } from './messages';

/**
 * The tensors' names in θ's order: each layer's weights then its biases ("W1", "b1", "W2", …),
 * the layout every network with learned rates here keeps.
 */
export function tensorNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${i % 2 === 0 ? 'W' : 'b'}${Math.floor(i / 2) + 1}`);
}

/**
 * MAML++'s rates [LSLR_STEPS × tensors] as the view shows them: the rows of the inner steps the
 * run trains with (the rows past them get no gradient and stay where they were).
 */
export function mamlppRatesReport(rates: Float32Array, config: Experiment): InnerRatesReport | null {
  if (rates.length === 0 || rates.length % LSLR_STEPS !== 0) return null;
  const tensors = rates.length / LSLR_STEPS;
  const steps = Math.max(1, Math.min(config.inner, LSLR_STEPS));
  return {
    algo: 'mamlpp',
    tensors: tensorNames(tensors),
    steps,
    values: rates.slice(0, steps * tensors),
    low: null,
    high: null,
    initial: config.alpha,
  };
}

/**
 * Meta-SGD's α [P] per parameter tensor (`sizes` in θ's order, summing to P): each tensor's mean
 * α, with its smallest and largest. Without sizes, or when they do not fit, all of θ is one tensor.
 */
export function metasgdRatesReport(
  alpha: Float32Array,
  sizes: readonly number[] | null,
  config: Experiment,
): InnerRatesReport {
  const fits = sizes !== null && sizes.reduce((a, b) => a + b, 0) === alpha.length;
  const parts = fits ? sizes : [alpha.length];
  const values = new Float32Array(parts.length);
  const low = new Float32Array(parts.length);
  const high = new Float32Array(parts.length);
  let at = 0;
  parts.forEach((n, i) => {
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = at; j < at + n; j++) {
      const a = alpha[j] as number;
      sum += a;
      lo = Math.min(lo, a);
      hi = Math.max(hi, a);
    }
    values[i] = n > 0 ? sum / n : NaN;
    low[i] = lo;
    high[i] = hi;
    at += n;
  });
  return {
    algo: 'metasgd',
    tensors: fits ? tensorNames(parts.length) : ['θ'],
    steps: 1,
    values,
    low,
    high,
    initial: config.alpha,
  };
}
