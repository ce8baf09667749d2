import { ParameterSpace } from '../../charts/ParameterSpace';
import { MountWhenNear } from '../../kit/MountWhenNear';
import { WalkThrough } from '../../walk/WalkThrough';
import { Arena } from './Arena';
import { NavLearningCurve } from './NavLearningCurve';
import { NavWalk } from './NavWalk';
import { ReturnChart } from './ReturnChart';
import { useNavStore } from './navStore';

/** The arena's panel: its three views of one goal, the clamp note, and what the picture teaches. */
function ArenaPanel() {
  const note = useNavStore((s) => s.goalNote);
  // while training the arena follows θ with a request every few meta-iterations: only a paused
  // page's request (a placed goal, a changed setting) is worth a line of its own
  const pending = useNavStore((s) => s.arenaPending !== null && !s.running);
  const arena = useNavStore((s) => s.arena);
  return (
    <section className="panel" aria-labelledby="nav-arena-title">
      <h2 id="nav-arena-title">The arena: one goal, before and after one step</h2>
      <p className="note" data-testid="nav-arena-status">
        {pending
          ? 'Adapting to the goal…'
          : arena
            ? `θ at meta-step ${arena.step}; ${arena.trajs} trajectories each, one inner step with α = ${arena.alpha}. Click anywhere in a square to place a new goal.`
            : 'Sampling trajectories…'}
      </p>
      {note ? (
        <p className="note warning" aria-live="polite" data-testid="nav-goal-note">
          {note}
        </p>
      ) : null}
      <Arena />
      <p className="caption">
        The paper&apos;s Figure 5, live. A point starts at the origin (black dot) and must walk to the goal
        (red star) in 100 steps of at most 0.1 per axis; its reward is minus its distance to the goal. Dashed
        grey: trajectories sampled with the initial policy, before any adaptation; solid: after one
        policy-gradient step on those trajectories. MAML θ is meta-trained so that this single step turns
        wandering into walking to the goal; the pretrained policy (trained on all goals at once) and the
        random initialisation take the same step for comparison.
      </p>
    </section>
  );
}

/**
 * The navigation page's chart column: the shared walk-through (it says where this family's phases
 * are shown), the arena, the return chart, the learning curve, the phase-by-phase walk and the
 * shared parameter-space view of θ.
 */
export function NavViews() {
  return (
    <>
      <WalkThrough />
      <ArenaPanel />
      <MountWhenNear minHeight={420}>
        <div className="chart-row">
          <ReturnChart />
          <NavLearningCurve />
        </div>
      </MountWhenNear>
      <MountWhenNear minHeight={200}>
        <NavWalk />
      </MountWhenNear>
      <MountWhenNear minHeight={800}>
        <ParameterSpace />
      </MountWhenNear>
    </>
  );
}
