import type { ReadoutUi } from '../../shell/family';
import { labState } from './labStore';

/** The glyph lab's readouts: held-out accuracy, θ's size as the worker reports it. */
export const labReadouts: ReadoutUi = {
  evaluation(store) {
    const ev = labState(store).glyphEval;
    const acc = ev?.curves.maml.accuracy;
    const last = acc && acc.length > 0 ? (acc[acc.length - 1] as number) : undefined;
    return {
      label: 'eval accuracy',
      text: ev && last !== undefined ? `${(last * 100).toFixed(1)}% @ step ${ev.step}` : null,
      help: 'Held-out evaluation: query accuracy of the MAML initialisation after the evaluated inner steps, on tasks from alphabets never used in meta-training.',
    };
  },
  parameters: (s) => s.numParams,
};
