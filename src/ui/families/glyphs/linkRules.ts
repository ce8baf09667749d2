import type { LinkRules } from '../../shell/family';

/** the most meta-steps a glyph link replays (a glyph step is far slower than a regression one) */
export const MAX_GLYPH_REPLAY_STEPS = 5_000;

/** Glyph links replay from where the run started: the shipped meta-trained θ or the seed's random θ. */
export const GLYPH_LINK_RULES: LinkRules = {
  maxReplaySteps: MAX_GLYPH_REPLAY_STEPS,
  starts: ['shipped', 'random'],
};
