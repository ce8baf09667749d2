import type { FamilyField, RestartRule } from '../../schema';

declare module '../../schema' {
  interface Experiment {
    /** hidden layer widths of the regression MLP; carried by every config */
    hidden: number[];
  }
}

/** The MLP's hidden layers, shared by every regression family (the paper's 1-40-40-1 network). */
export const HIDDEN_FIELD: FamilyField = {
  field: {
    kind: 'list',
    minLength: 1,
    maxLength: 4,
    min: 1,
    max: 256,
    help: 'Hidden layer widths of the network, comma separated (the paper uses 40,40).',
  },
  default: [40, 40],
};

/** Other hidden layers are another network: the run restarts. */
export const HIDDEN_RESTART: RestartRule = {
  fields: ['hidden'],
  reason: (next) => `hidden layers changed to ${next.hidden.join(',')}`,
};
