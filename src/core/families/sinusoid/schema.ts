import type { FamilySchema } from '../../schema';
import { DISTRIBUTION_FIELDS } from '../regression/distribution';
import { HIDDEN_FIELD, HIDDEN_RESTART } from '../regression/schema';
import { SINUSOID_PRESETS } from './presets';

/** Sinusoid regression, the MAML paper's toy problem: the shared defaults are its settings. */
export const sinusoidSchema: FamilySchema = {
  name: 'sinusoid',
  label: 'sinusoid regression',
  blurb: "Sinusoid regression (the paper's toy problem): each task is y = A·sin(x − φ).",
  fields: { hidden: { ...HIDDEN_FIELD, carried: true }, ...DISTRIBUTION_FIELDS },
  defaults: {},
  queryFollowsK: true,
  restartRules: [HIDDEN_RESTART],
  presets: SINUSOID_PRESETS,
};
