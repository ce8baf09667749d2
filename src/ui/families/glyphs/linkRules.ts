import type { LinkRules } from '../../shell/family';

/** a glyph meta-step takes about a second on wasm: longer replays are not worth waiting for */
export const MAX_GLYPH_REPLAY_STEPS = 5_000;

/** Glyph links replay from where the run started: the shipped meta-trained θ or the seed's random θ. */
export const GLYPH_LINK_RULES: LinkRules = {
  maxReplaySteps: MAX_GLYPH_REPLAY_STEPS,
  starts: ['shipped', 'random'],
};
