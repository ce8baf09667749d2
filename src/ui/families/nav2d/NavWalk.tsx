/**
 * The navigation page's walk through one meta-iteration, phase by phase, on the arena's goal:
 * 1 sample trajectories with θ, 2 the inner policy-gradient step, 3 post-update trajectories,
 * 4 the meta-gradient through the step, 5 the update. Phases 1-3 are drawn in the arena above
 * (dashed: sampled with θ; solid: with θ′); the last button takes the update as one plain step.
 */
import { useState } from 'react';
import type { Experiment } from '../../../core/experiment';
import { useStore } from '../../shell/store';
import { formatReturn } from './arenaView';
import type { ArenaReply } from './navSlice';
import { useNavStore } from './navStore';

export const NAV_PHASES = [
  'Sample trajectories',
  'Inner policy-gradient step',
  'Post-update trajectories',
  'The meta-gradient',
  'The update',
] as const;

/** What phase `i` says of the arena's adaptation under these settings. */
export function phaseText(i: number, a: ArenaReply | null, c: Experiment): string {
  const maml = a?.methods.maml;
  const trajs = a?.trajs ?? c.trajs ?? 20;
  switch (i) {
    case 0:
      return `Each of the ${c.batch} goals of a meta-batch gets ${trajs} trajectories of 100 steps, sampled with the Gaussian policy θ from the origin. Here, for the arena's goal: average return ${maml ? formatReturn(maml.pre.averageReturn) : '…'} (the dashed paths).`;
    case 1:
      return `REINFORCE on those trajectories: advantages are the discounted returns minus a linear baseline fitted to this goal alone, and θ′ = θ − α·∇(−Σ advantage · log π(a | s)) with α = ${c.alpha}. Every goal gets its own θ′.`;
    case 2:
      return `Fresh trajectories with θ′ toward the same goal: average return ${maml ? formatReturn(maml.post.averageReturn) : '…'} (the solid paths). Their return is what meta-training maximises.`;
    case 3:
      return c.algo === 'fomaml'
        ? 'First-order MAML: the gradient of the post-update surrogate at θ′, treating θ′ as if it did not depend on θ.'
        : 'The gradient of the post-update surrogate with respect to θ, through the inner step: the second-order term (how θ′ moves when θ moves) included, averaged over the meta-batch.';
    default:
      return c.metaopt === 'trpo'
        ? 'TRPO moves θ along the meta-gradient within a KL radius of 0.01 (conjugate gradient, line search). Press the button to take this meta-iteration.'
        : `Adam moves θ with rate β = ${c.beta}. Press the button to take this meta-iteration.`;
  }
}

export function NavWalk() {
  const [phase, setPhase] = useState(0);
  const arena = useNavStore((s) => s.arena);
  const config = useStore((s) => s.config);
  const stepOnce = useStore((s) => s.stepOnce);
  return (
    <section className="panel" aria-labelledby="nav-walk-title" data-testid="nav-walk">
      <h2 id="nav-walk-title">One meta-iteration, phase by phase</h2>
      <div role="tablist" aria-label="phases">
        {NAV_PHASES.map((name, i) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={i === phase}
            className={i === phase ? 'active' : undefined}
            onClick={() => setPhase(i)}
          >
            {i + 1}. {name}
          </button>
        ))}
      </div>
      <p role="tabpanel">{phaseText(phase, arena, config)}</p>
      {phase === NAV_PHASES.length - 1 ? (
        <button type="button" onClick={stepOnce}>
          Take one meta-iteration
        </button>
      ) : null}
    </section>
  );
}
