import { interpolatePlasma } from 'd3';
import type { MethodName } from '../../worker/protocol';

/** One colour per initialisation, used by every chart that compares them. */
export const METHOD_COLORS: Record<MethodName, string> = {
  maml: '#2563eb',
  pretrained: '#d97706',
  random: '#6b7280',
};

export const METHOD_LABELS: Record<MethodName, string> = {
  maml: 'MAML θ',
  pretrained: 'pretrained (joint regression)',
  random: 'random init',
};

/** Colour of the prediction after `step` of `steps` inner steps (dark = before, warm = after). */
export function fanColor(step: number, steps: number): string {
  const t = steps === 0 ? 0 : step / steps;
  return interpolatePlasma(0.08 + 0.78 * t);
}
