import type { LinkRules } from '../../shell/family';

/** replaying a link trains from scratch; beyond this many steps it would take too long to be useful */
export const MAX_REPLAY_STEPS = 100_000;

/** Regression links carry θ or replay from step 0; they name no start. */
export const REGRESSION_LINK_RULES: LinkRules = { maxReplaySteps: MAX_REPLAY_STEPS, starts: [] };
