/**
 * The θ the parameter-space view is centred on (MAML's or the pretrained network's), with the
 * inner learning rate it adapts with and that rate as the page words it.
 */
import type { Experiment } from '../../core/experiment';
import type { ThetaSubject } from '../protocol';
import { allFinite } from '../runState';

/** The θ of one subject, read back, with the inner learning rate it adapts with. */
export interface Subject {
  name: ThetaSubject;
  theta: Float32Array;
  /** a number, or Meta-SGD's learned per-parameter vector */
  rate: number | Float32Array;
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
  lslr: Float32Array | null = null,
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
  if (lslr) {
    return {
      name: 'maml',
      theta,
      rate: config.alpha,
      rateText: `MAML++'s learned rates per step and layer (see the rates chart); these paths step with α = ${fmt(config.alpha)}`,
    };
  }
  return { name: 'maml', theta, rate: config.alpha, rateText: `α = ${fmt(config.alpha)}` };
}
