import type { FamilySchema } from '../../schema';
import { DISTRIBUTION_FIELDS } from '../regression/distribution';
import { HIDDEN_FIELD, HIDDEN_RESTART } from '../regression/schema';
import { KIND_RANGE_FIELDS } from './ranges';

/** The function families a mixture task can be drawn from. */
export const COMPONENTS = ['sine', 'line', 'quadratic', 'abs'] as const;
export type Component = (typeof COMPONENTS)[number];

declare module '../../schema' {
  interface Experiment {
    /** mixture tasks: which function families tasks are drawn from (uniformly) */
    mix?: Component[];
    /** mixture tasks: the kinds test tasks are drawn from; absent: as for meta-training */
    testmix?: Component[];
  }
}

/**
 * Function mixtures, the multimodal regression setting studied after MAML (MMAML, Vuorio et al.
 * 2019): each task is a sinusoid, a line, a quadratic or an |x| curve with random parameters.
 */
export const mixtureSchema: FamilySchema = {
  name: 'mixture',
  label: 'function mixtures',
  blurb: 'Function mixtures: each task is a sinusoid, a line, a quadratic or an |x| curve (multimodal MAML).',
  fields: {
    hidden: HIDDEN_FIELD,
    mix: {
      field: {
        kind: 'set',
        values: COMPONENTS,
        help: 'Which kinds of function tasks are drawn from, comma separated (sine, line, quadratic, abs).',
      },
      default: [...COMPONENTS],
    },
    ...DISTRIBUTION_FIELDS,
    ...KIND_RANGE_FIELDS,
    testmix: {
      field: {
        kind: 'set',
        values: COMPONENTS,
        help: 'Which kinds of function test tasks are drawn from (evaluation and the test view); left out: as for meta-training.',
      },
      default: [...COMPONENTS],
      implicit: true,
      follows: 'mix',
    },
  },
  defaults: {},
  queryFollowsK: true,
  restartRules: [
    HIDDEN_RESTART,
    { fields: ['mix'], reason: (next) => `the mixture changed to ${(next.mix ?? []).join(', ')}` },
  ],
};
