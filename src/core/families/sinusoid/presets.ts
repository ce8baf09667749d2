import type { Preset } from '../../schema';

/** The sinusoid settings of the literature: the MAML paper's, and the harder Meta-SGD / PARL ones. */
export const SINUSOID_PRESETS: readonly Preset[] = [
  {
    name: 'paper-sinusoid',
    label: "MAML paper's sinusoids",
    link: 'task=sinusoid&algo=maml&alpha=0.01&beta=0.001&inner=1&k=10&query=10&batch=25&hidden=40,40',
    source: 'Finn, Abbeel & Levine 2017, section 5.1: A ∈ [0.1, 5], φ ∈ [0, π], x ∈ [−5, 5], 1-40-40-1',
  },
  {
    name: 'metasgd-sinusoid',
    label: 'harder sinusoids (Meta-SGD, PARL MAML++)',
    link: 'task=sinusoid&algo=maml&alpha=0.01&beta=0.001&inner=1&k=5&query=5&batch=25&hidden=40,40&freq=0.8,1.2',
    source:
      "Li et al. 2017 (Meta-SGD) as set up by PaddlePaddle PARL's MAML++ benchmark: A ∈ [0.1, 5], ω ∈ [0.8, 1.2], φ ∈ [0, π], x ∈ [−5, 5], K = 5",
  },
];
