import { GLYPH_THETA } from '../../../core/families/glyphs/thetaBudget';
import type { ThetaUi } from '../../shell/family';

/**
 * The θ view on glyph pages: MAML's θ only (the pretrained classifier has a head for every
 * meta-training class, so it is not a point of this space), tasks named by their classes, losses
 * as cross-entropy, a coarse landscape (each grid point adapts the conv net to every task).
 */
export const glyphThetaUi: ThetaUi = {
  subjects: ['maml'],
  pathLoss: 'query loss',
  csvPathLoss: 'query cross-entropy',
  landscapeLoss: 'cross-entropy',
  landscapeResolution: GLYPH_THETA.landscapeResolution,
  describeTask: (report, i) => report.taskNames?.[i] ?? `task ${i + 1}`,
  landscapeTasks: (land, config) =>
    `${land.tasks} fixed ${config.ways}-way ${land.k}-shot tasks from the meta-training alphabets`,
  landscapeHelp: {
    pre: 'the cross-entropy of θ itself on all images of the tasks; each task labels its classes afresh, so unadapted, no θ does much better than chance',
    post: 'the query cross-entropy after adapting θ to each task: what MAML minimises',
  },
  caption: (numbers) => (
    <>
      θ, the conv net’s {numbers} weights, moves through a space of as many dimensions; each dot is one
      snapshot of all of them, placed on the plane that best fits the path meta-training has taken (its two
      principal components), light early and dark late. At right, the same plane zoomed in around θ: each
      coloured path is one held-out task’s inner loop, θ → θ′ᵢ after each SGD step on its N·K support images
      (hover a path or a task to pick it out). Only the part of each step that lies in this plane is visible.
      The query loss is the cross-entropy on new drawings of the task’s classes, which it relabels 0..N−1 in a
      random order: before adapting, θ cannot know which label is which, so it starts near chance (ln N); MAML
      moves θ to where a few steps on K drawings per class bring it down. The landscapes show the same thing:
      the plain loss is nearly flat, the meta-objective has a valley, and θ descends it.
    </>
  ),
};
