import { regressionFamily } from '../regression/family';
import { mixtureTasksFor } from './sampler';
import { mixtureSchema } from './schema';

/** Function mixtures: the regression machinery with tasks drawn from the config's kinds of function. */
export const mixtureFamily = regressionFamily(mixtureSchema, mixtureTasksFor);
