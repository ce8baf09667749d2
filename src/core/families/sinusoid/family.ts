import { regressionFamily } from '../regression/family';
import { sinusoidTasksFor } from './sampler';
import { sinusoidSchema } from './schema';

/** Sinusoid regression as in the MAML paper, on the config's ranges for each split. */
export const sinusoidFamily = regressionFamily(sinusoidSchema, sinusoidTasksFor);
