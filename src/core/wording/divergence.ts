/**
 * Which knob to turn when meta-training blows up. The inner step α·∇L is applied without any
 * safeguard, so a large α (or many inner steps at a moderate α) overshoots and explodes first;
 * otherwise the meta step β is the usual suspect.
 */
import type { Experiment } from '../experiment';

export function divergenceAdvice(config: Experiment, which: 'meta' | 'pretrained'): string {
  const fmt = (x: number) => String(Number(x.toPrecision(3)));
  if (which === 'pretrained') {
    return `the pretrained baseline's loss blew up: lower the meta learning rate β (now ${fmt(config.beta)}), which also sets its Adam step`;
  }
  if (config.algo === 'metasgd') {
    return `Meta-SGD learns its own per-parameter α, which can grow until the inner step overshoots: lower the meta learning rate β (now ${fmt(config.beta)}) or the starting inner learning rate α (now ${fmt(config.alpha)})`;
  }
  if (config.alpha >= 0.1 || config.alpha * config.inner >= 0.3) {
    return `lower the inner learning rate α (now ${fmt(config.alpha)}${config.inner > 1 ? `, with ${config.inner} inner steps` : ''}): each inner SGD step overshoots and the adapted weights explode`;
  }
  if (config.beta >= 0.01) {
    return `lower the meta learning rate β (now ${fmt(config.beta)}): the Adam step on θ is too large`;
  }
  return `lower the meta learning rate β (now ${fmt(config.beta)}) or the inner learning rate α (now ${fmt(config.alpha)})`;
}
