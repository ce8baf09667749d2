import type { ThetaUi } from '../../shell/family';

/**
 * The θ view on the navigation page: MAML's θ and the pretrained policy (the same network), goals
 * as tasks, costs as −average return (lower is better, like the other families' losses), a coarse
 * landscape (each grid point samples trajectories, adapts once and samples again).
 */
export const navThetaUi: ThetaUi = {
  subjects: ['maml', 'pretrained'],
  pathLoss: 'cost',
  csvPathLoss: 'cost (minus the average return)',
  landscapeLoss: 'cost (−return)',
  landscapeResolution: 9,
  describeTask: (report, i) => {
    const x = report.taskParams[2 * i];
    const y = report.taskParams[2 * i + 1];
    return x === undefined || y === undefined ? `goal ${i + 1}` : `goal (${x.toFixed(2)}, ${y.toFixed(2)})`;
  },
  landscapeTasks: (land) => `${land.tasks} fixed goals, ${land.k} trajectories each`,
  landscapeHelp: {
    pre: 'the cost (minus the average return) of the policy θ itself toward the fixed goals, before any adaptation',
    post: 'the cost after one inner policy-gradient step toward each goal: what MAML minimises',
  },
  caption: (numbers) => (
    <>
      θ, the policy&apos;s {numbers} weights and log standard deviations, moves through a space of as many
      dimensions; each dot is one snapshot of all of them, placed on the plane that best fits the path
      meta-training has taken (its two principal components), light early and dark late. At right, the same
      plane around θ: each coloured path is one fixed goal&apos;s inner loop, θ → θ′ᵢ after each
      policy-gradient step on trajectories sampled toward that goal. The cost is minus the average return (the
      summed distance to the goal): lower is better. Only the part of each step that lies in this plane is
      visible.
    </>
  ),
};
