/**
 * The fused WebGPU MLP engine's pretrained θ, for everything that reads it as a tensor: it already
 * is a tfjs variable on the device, handed out as it is (the engine owns it). The learner's side
 * (θ, Meta-SGD's α), shared with the glyph engine, is GpuLearner in engines/engineViews.ts.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FusedWebgpuMlp } from '../../engines/webgpu/fusedWebgpuMlp';

/** The pretrained baseline's side of a run on the fused WebGPU engine. */
export class GpuPretrainer {
  constructor(private readonly engine: FusedWebgpuMlp) {}

  get theta(): tf.Variable {
    return this.engine.pretrainedTheta as tf.Variable;
  }

  stepped(): void {}

  dispose(): void {}
}
