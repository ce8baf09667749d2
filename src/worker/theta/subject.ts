/**
 * The θ the parameter-space view is centred on (MAML's or the pretrained network's), with the
 * inner learning rate it adapts with and that rate as the page words it.
 */
import type { Experiment } from '../../core/experiment';
import { LSLR_STEPS } from '../../core/meta/mamlppSchedule';
import type { ThetaSubject } from '../protocol';
import { allFinite } from '../runState';

/**
 * MAML++'s learned rates as read back: `lslr` is [LSLR_STEPS × sizes.length] row-major, one rate
 * per step and parameter tensor; `sizes` are those tensors' lengths in θ's order.
 */
export interface LearnedStepRates {
  lslr: Float32Array;
  sizes: readonly number[];
}

/** How a subject adapts: α, Meta-SGD's per-parameter vector, or MAML++'s rates per step. */
export type PathRate = number | Float32Array | LearnedStepRates;

/** The θ of one subject, read back, with the inner learning rate it adapts with. */
export interface Subject {
  name: ThetaSubject;
  theta: Float32Array;
  rate: PathRate;
  rateText: string;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return a.length > 0 ? s / a.length : NaN;
}

const fmt = (x: number) => String(Number(x.toPrecision(3)));

/** The subject asked for from θ values read back; null when the θ shown is not finite. */
export function subjectOf(
  which: ThetaSubject,
  config: Experiment,
  theta: Float32Array,
  pre: Float32Array | null,
  alpha: Float32Array | null,
  lslr: LearnedStepRates | null = null,
): Subject | null {
  if (which === 'pretrained' && pre) {
    if (!allFinite(pre)) return null;
    return { name: 'pretrained', theta: pre, rate: config.alpha, rateText: `α = ${fmt(config.alpha)}` };
  }
  if (!allFinite(theta)) return null;
  if (alpha) {
    let abs = 0;
    for (let i = 0; i < alpha.length; i++) abs += Math.abs(alpha[i] as number);
    return {
      name: 'maml',
      theta,
      rate: alpha,
      rateText: `Meta-SGD's learned per-parameter α (mean ${fmt(mean(alpha))}, mean |α| ${fmt(abs / alpha.length)})`,
    };
  }
  if (lslr && fitsTheta(lslr, theta.length)) {
    return {
      name: 'maml',
      theta,
      rate: lslr,
      rateText: "MAML++'s learned rates per step and layer (see the rates chart)",
    };
  }
  return { name: 'maml', theta, rate: config.alpha, rateText: `α = ${fmt(config.alpha)}` };
}

/** Rates that cover θ: LSLR_STEPS rows of one rate per tensor, the tensors summing to θ's length. */
function fitsTheta(r: LearnedStepRates, params: number): boolean {
  const total = r.sizes.reduce((a, b) => a + b, 0);
  return r.sizes.length > 0 && r.lslr.length === LSLR_STEPS * r.sizes.length && total === params;
}
