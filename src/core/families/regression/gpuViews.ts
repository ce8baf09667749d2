/**
 * The fused WebGPU engine's θ, Meta-SGD's α and the pretrained θ, for everything that reads them
 * as tensors: they already are tfjs variables on the device, so the views hand them out as they
 * are (the engine owns them). The fused WebAssembly engines' views are in engines/engineViews.ts.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FusedWebgpuMlp } from '../../engines/webgpu/fusedWebgpuMlp';
import type { Algo } from '../../schema';
import type { InnerRate } from '../../meta/innerLoop';

/**
 * The meta-learner's side of a run on the fused WebGPU engine: its θ and α already are tfjs
 * variables on the device, so the views hand them out as they are (the engine owns them).
 */
export class GpuLearner {
  constructor(
    private readonly engine: FusedWebgpuMlp,
    readonly algo: Algo,
    private alpha: number,
  ) {}

  get theta(): tf.Variable {
    return this.engine.theta;
  }

  get alphaVec(): tf.Variable | null {
    return this.engine.alphaVec;
  }

  innerRate(): InnerRate {
    return this.alphaVec ?? this.alpha;
  }

  setAlpha(alpha: number): void {
    this.alpha = alpha;
  }

  stepped(): void {}

  dispose(): void {}
}

/** The pretrained baseline's side of a run on the fused WebGPU engine. */
export class GpuPretrainer {
  constructor(private readonly engine: FusedWebgpuMlp) {}

  get theta(): tf.Variable {
    return this.engine.pretrainedTheta as tf.Variable;
  }

  stepped(): void {}

  dispose(): void {}
}
