import type { Algo } from '../schema';

/**
 * How the evaluation tables' initialisations adapt, for their header: one α for all, or the
 * meta-learned rates of Meta-SGD (per parameter) and MAML++ (per inner step and layer) for θ.
 */
export function innerRateText(algo: Algo, alpha: number): string {
  if (algo === 'metasgd') return `θ with its learned rates per parameter, the baselines with α=${alpha}`;
  if (algo === 'mamlpp') return `θ with its learned rates per step and layer, the baselines with α=${alpha}`;
  return `α=${alpha}`;
}
