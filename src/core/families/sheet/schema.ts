import type { FamilySchema } from '../../schema';
import { HIDDEN_FIELD, HIDDEN_RESTART } from '../regression/schema';

/**
 * Your own curves: regression tasks read from a table (CSV or TSV) of task, x and y columns; each
 * task's points are its pool, support and query points are drawn from it per meta-step.
 */
export const sheetSchema: FamilySchema = {
  name: 'sheet',
  label: 'your own curves (CSV)',
  blurb: 'Your own curves: each task is one curve of an imported CSV, its points drawn as support and query.',
  fields: { hidden: HIDDEN_FIELD },
  defaults: {},
  queryFollowsK: true,
  restartRules: [HIDDEN_RESTART],
};
