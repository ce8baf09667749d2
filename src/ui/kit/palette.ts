import { interpolateBlues, interpolateOranges, interpolatePlasma, interpolateViridis } from 'd3';
import type { MethodName, ThetaSubject } from '../../worker/protocol';

/** One colour per initialisation, used by every chart that compares them. */
export const METHOD_COLORS: Record<MethodName, string> = {
  maml: '#2563eb',
  pretrained: '#d97706',
  random: '#6b7280',
};

/**
 * The same colours for text on the page's white (WCAG AA, contrast ≥ 4.5:1): the pretrained amber is
 * darkened, the others already pass.
 */
export const METHOD_TEXT_COLORS: Record<MethodName, string> = {
  ...METHOD_COLORS,
  pretrained: '#b45309',
};

/**
 * Saved runs compared with the live one (the runs shelf), drawn dashed: hues apart from the
 * initialisations' blue, orange and grey.
 */
export const COMPARE_COLORS = ['#7c3aed', '#059669', '#db2777', '#0e7490'] as const;

/** Colour of the prediction after `step` of `steps` inner steps (dark = before, warm = after). */
export function fanColor(step: number, steps: number): string {
  const t = steps === 0 ? 0 : step / steps;
  return interpolatePlasma(0.08 + 0.78 * t);
}

/**
 * Tasks in the parameter-space view: the task view's own task in the task view's ink (its
 * support points and true curve are drawn in it), the fixed tasks in distinct hues that avoid
 * the initialisations' blue, orange and grey.
 */
export const VIEW_TASK_COLOR = '#111827';
const SHOWN_TASK_COLORS = ['#e15759', '#59a14f', '#b07aa1', '#9c755f', '#76b7b2', '#edc948'];

/** Colour of displayed task `index`; `hasViewTask`: index 0 is the task view's task. */
export function taskColor(index: number, hasViewTask: boolean): string {
  if (hasViewTask && index === 0) return VIEW_TASK_COLOR;
  const k = hasViewTask ? index - 1 : index;
  return SHOWN_TASK_COLORS[k % SHOWN_TASK_COLORS.length] as string;
}

/** Time along a θ trajectory, t from 0 (first snapshot) to 1 (latest): light to dark. */
export function trajectoryColor(subject: ThetaSubject, t: number): string {
  return (subject === 'maml' ? interpolateBlues : interpolateOranges)(0.28 + 0.72 * t);
}

/** Loss landscapes, t from 0 (lowest, dark valleys) to 1 (highest). */
export function landscapeColor(t: number): string {
  return interpolateViridis(t);
}
