import { formatLoss } from '../../kit/format';
import type { ReadoutUi } from '../../shell/family';
import { regressionState } from './regressionStore';
import { parameterCount } from './viewTask';

/** The regression families' readouts: held-out MSE, θ's size counted by the page (current at once). */
export const regressionReadouts: ReadoutUi = {
  evaluation(store) {
    const ev = regressionState(store).evaluation;
    const mse = ev ? ev.curves.maml.mse[Math.min(ev.inner, ev.curves.maml.mse.length - 1)] : undefined;
    return {
      label: 'eval MSE',
      text: ev && mse !== undefined ? `${formatLoss(mse)} @ step ${ev.step}` : null,
      help: 'Held-out evaluation: mean MSE of the MAML initialisation after the meta-training number of inner steps.',
    };
  },
  parameters: (s) => parameterCount(s.config),
};
