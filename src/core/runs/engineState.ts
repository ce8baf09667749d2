/**
 * A run's training state to and from a fused engine's state (θ, α, the pretrained baseline and
 * their Adam moments), for every family whose run trains on a fused engine.
 */
import type { FusedState } from '../engines/fused/fusedMlp';
import { copyTrainingState, type TrainingState } from './trainingState';

/** The engine state a training state restores (the baseline's step is the run's to keep). */
export function fusedStateOf(s: TrainingState): FusedState {
  return {
    theta: s.theta,
    thetaAdam: s.thetaAdam,
    alpha: s.alpha,
    alphaAdam: s.alphaAdam,
    pretrained: s.pretrained?.theta ?? null,
    pretrainedAdam: s.pretrained?.adam ?? null,
  };
}

/**
 * A run's training state (copies) from an engine's state; the baseline is kept at step
 * `pretrainedStep` when the engine has one and the step is given.
 */
export function engineTrainingState(
  base: Pick<TrainingState, 'config' | 'engine' | 'step' | 'stream'>,
  f: FusedState,
  pretrainedStep: number | null | undefined,
): TrainingState {
  return copyTrainingState({
    ...base,
    theta: f.theta,
    thetaAdam: f.thetaAdam,
    alpha: f.alpha,
    alphaAdam: f.alphaAdam,
    pretrained:
      pretrainedStep != null && f.pretrained && f.pretrainedAdam
        ? { theta: f.pretrained, adam: f.pretrainedAdam, step: pretrainedStep }
        : null,
  });
}
