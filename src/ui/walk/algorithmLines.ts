/**
 * The algorithm beside the walk-through: the MAML paper's Algorithm 2 in this project's words, one
 * line per phase, for the selected algorithm, with the walk's live numbers filled in; and the
 * sentence each phase announces to screen readers. Pure functions of the worker's walk report.
 */
import type { Algo } from '../../core/experiment';
import type { WalkReport } from '../../worker/families/metaStepMessages';
import type { WalkUi } from '../shell/family';
import type { WalkUpdate } from '../shell/walkSlice';

export const PHASE_TITLES = [
  'Sample tasks',
  'Inner loop',
  'Query loss',
  'Meta-gradient',
  'Update θ',
] as const;

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** A loss, a norm or a rate as the walk prints it: 4 significant digits. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : x.toPrecision(4).replace(/\.?0+$/, '');
}

const steps = (n: number) => `${n} inner SGD step${n === 1 ? '' : 's'}`;

/** The family's words the lines use (its walk description). */
export type WalkWords = Pick<WalkUi, 'loss' | 'points' | 'scoredBy' | 'sampleLine'>;

/** How many tasks the first line samples: the walk's meta-batch, or "a batch of" before it. */
export function batchWords(w: WalkReport | null): string {
  return w ? `${w.batch}` : 'a batch of';
}

/** The mean support loss before and after the inner loop, over the whole meta-batch. */
export function supportBeforeAfter(w: WalkReport): [number, number] {
  return [mean(w.supportLoss[0] ?? []), mean(w.supportLoss[w.supportLoss.length - 1] ?? [])];
}

/** One line per phase for the algorithm `algo`, in the family's words, with the walk's numbers where it has them. */
export function algorithmLines(
  algo: Algo,
  w: WalkReport | null,
  update: WalkUpdate | null,
  words: WalkWords,
): string[] {
  const { loss, points } = words;
  const alpha = w ? num(w.alphaMean) : 'α';
  const [before, after] = w ? supportBeforeAfter(w) : [NaN, NaN];
  const support = w ? ` (support ${loss} ${num(before)} → ${num(after)})` : '';
  const inner = w ? steps(w.inner) : 'the inner SGD steps';
  const metaLoss = w ? ` = ${num(w.metaLoss)}` : '';
  const beta = w ? num(w.beta) : 'β';
  const moved = update ? ` — θ moved by ${num(update.moveNorm)}, now at step ${update.step}` : '';
  const sample = words.sampleLine(w);
  const score = `Score each θ′ᵢ${words.scoredBy} on its query ${points}`;
  switch (algo) {
    case 'metasgd':
      return [
        sample,
        `For each task: θ′ᵢ = θ − α ∘ ∇θ L_support(θ), ${inner}, with the learned per-parameter α (mean ${alpha})${support}.`,
        `${score}; the meta-loss is their mean${metaLoss}.`,
        `Gradients of the meta-loss with respect to θ and to α, through the inner steps: |g_θ| = ${num(w?.norms.gradient)}, |g_α| = ${num(w?.norms.alphaGradient)}.`,
        `Adam (β = ${beta}) updates θ with g_θ and α with g_α${moved}.`,
      ];
    case 'reptile':
      return [
        sample,
        `For each task: θ′ᵢ = θ after ${inner} on its support ${points}, α = ${alpha}${support}.`,
        `${score} (reported; Reptile's update does not use it): mean${metaLoss}.`,
        `The direction d = θ − mean θ′ᵢ, no gradient through the inner loop: |d| = ${num(w?.norms.gradient)}.`,
        `Adam (β = ${beta}) treats d as the gradient and moves θ towards the adapted θ′ᵢ${moved}.`,
      ];
    case 'mamlpp':
      return [
        sample,
        `For each task: θ_{s+1} = θ_s − α_s ∘ ∇θ L_support(θ_s), ${inner}, each step with its own learned rate per layer's weights and biases (step 1's mean ${alpha})${support}.`,
        `${score} after every inner step; the meta-loss weights those query losses (annealed towards the last step); shown: the last step's mean${metaLoss}.`,
        `Gradients with respect to θ and to the rates: first order in the first meta-steps, then back through every inner step (second order): |g_θ| = ${num(w?.norms.gradient)}.`,
        `Adam (β = ${beta}, annealed by a cosine over the planned run) updates θ and the rates${moved}.`,
      ];
    case 'fomaml':
      return [
        sample,
        `For each task: θ′ᵢ = θ − α ∇θ L_support(θ), ${inner}, α = ${alpha}${support}.`,
        `${score}; the meta-loss is their mean${metaLoss}.`,
        `First-order meta-gradient g₁ = mean of ∇ L_query at θ′ᵢ, the inner steps treated as constants: |g₁| = ${num(w?.norms.gradient)}.`,
        `Adam (β = ${beta}) updates θ with g₁${moved}.`,
      ];
    default:
      return [
        sample,
        `For each task: θ′ᵢ = θ − α ∇θ L_support(θ), ${inner}, α = ${alpha}${support}.`,
        `${score}; the meta-loss is their mean${metaLoss}.`,
        `Meta-gradient g = ∇θ of the meta-loss, back through every inner step (second order): |g| = ${num(w?.norms.gradient)}; first-order part |g₁| = ${num(w?.norms.firstOrder)}, Hessian correction |g − g₁| = ${num(w?.norms.correction)}, angle ${w?.angleDeg != null ? `${w.angleDeg.toFixed(1)}°` : '–'}.`,
        `Adam (β = ${beta}) updates θ with g${moved}.`,
      ];
  }
}

/** What the live region says when a phase is shown (read without the colours or the charts). */
export function phaseAnnouncement(
  phase: number,
  w: WalkReport | null,
  update: WalkUpdate | null,
  updating: boolean,
  { loss }: Pick<WalkWords, 'loss'>,
): string {
  const head = `Phase ${phase + 1} of 5, ${PHASE_TITLES[phase] ?? ''}`;
  if (!w) return `${head}: computing the next meta-step…`;
  const [before, after] = supportBeforeAfter(w);
  switch (phase) {
    case 0:
      return `${head}: ${w.batch} tasks drawn for meta-step ${w.step + 1}; the first ${w.tasks.length} are shown.`;
    case 1:
      return `${head}: ${steps(w.inner)} per task; mean support ${loss} ${num(before)} before, ${num(after)} after.`;
    case 2:
      return `${head}: mean query ${loss} at the adapted parameters, the meta-loss, is ${num(w.metaLoss)}.`;
    case 3:
      return w.algo === 'maml'
        ? `${head}: |g| = ${num(w.norms.gradient)}; the second-order correction turns it by ${num(w.angleDeg)} degrees from the first-order gradient.`
        : `${head}: length ${num(w.norms.gradient)}.`;
    default:
      return update
        ? `${head}: θ moved by ${num(update.moveNorm)}; the run is now at step ${update.step}.`
        : updating
          ? `${head}: applying the update…`
          : head;
  }
}
