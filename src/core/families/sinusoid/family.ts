import { regressionFamily } from '../regression/family';
import { sinusoid } from './sampler';
import { sinusoidSchema } from './schema';

/** Sinusoid regression exactly as in the MAML paper. */
export const sinusoidFamily = regressionFamily(sinusoidSchema, () => sinusoid);
