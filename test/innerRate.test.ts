import { describe, expect, it } from 'vitest';
import { formatMseTable, type RegressionEval } from '../src/core/families/regression/report';

const curve = { mse: [1, 0.5], ci95: [0.1, 0.1] };
const e: RegressionEval = {
  tasks: 10,
  k: 5,
  points: 10,
  seed: 1,
  innerSteps: [0, 1],
  maml: curve,
  random: curve,
};

describe('the evaluation table says how each initialisation adapts', () => {
  it('one α for MAML; the learned rates of Meta-SGD and MAML++ for θ, α for the baselines', () => {
    expect(formatMseTable(e, 'maml', 0.01).split('\n')[0]).toMatch(/after n inner steps, α=0\.01:$/);
    expect(formatMseTable(e, 'metasgd', 0.01)).toMatch(
      /θ with its learned rates per parameter, the baselines with α=0\.01:/,
    );
    expect(formatMseTable(e, 'mamlpp', 0.01)).toMatch(
      /learned rates per step and layer, the baselines with α=0\.01:/,
    );
  });
});
