/**
 * The few-shot evaluation on the fused glyph engine: each initialisation (θ and its inner rate) is
 * fine-tuned on every task's support images for 0..steps inner steps and scored on its query
 * images, one wasm call per task. The maths is that of the classifier family's
 * classAdaptationCurve on tfjs kernels: each task's own batch statistics, mean query
 * cross-entropy, the first largest probability as the prediction (test/fusedGlyphScoring).
 */
import type { ImageTaskBatch } from '../batch';
import { FusedGlyphEngine, type FusedGlyphSettings } from './fusedGlyph';
import { GlyphLayout, type GlyphNetShape } from './layout';
import { GLYPH_BUFFER as B } from './wasmModule';

/** Query accuracy and mean query loss per task after 0..steps inner steps: [tasks × (steps + 1)]. */
export interface AdaptationScores {
  accuracy: Float32Array;
  loss: Float32Array;
}

export class FusedGlyphScorer {
  private readonly layout: GlyphLayout;

  private constructor(private readonly engine: FusedGlyphEngine) {
    this.layout = new GlyphLayout(engine.settings);
  }

  /**
   * A scorer for a network and N-way batches of up to `maxTasks` tasks of `shots` + `query`
   * images per class. Needs the module loaded (loadFusedGlyph); throws where the engine refuses
   * the settings (its limits, WebAssembly memory), so a caller can score on tfjs instead.
   */
  static createSync(
    net: GlyphNetShape,
    batch: { ways: number; shots: number; query: number; maxTasks: number },
  ): FusedGlyphScorer {
    const settings: FusedGlyphSettings = { ...net, ...batch, algo: 'metasgd', alpha: 0, beta: 0, inner: 1 };
    const size = new GlyphLayout(settings).size;
    const engine = FusedGlyphEngine.createSync(settings, new Float32Array(size), { threads: null });
    return new FusedGlyphScorer(engine);
  }

  /** the most inner steps a score follows */
  get stepsLimit(): number {
    return this.engine.instance.wasm.scoreStepsLimit();
  }

  /** Scores θ with inner rate `rate` (a scalar α, or α per parameter as Meta-SGD learns it). */
  score(
    theta: Float32Array,
    rate: number | Float32Array,
    batch: ImageTaskBatch,
    steps: number,
  ): AdaptationScores {
    if (!Number.isInteger(steps) || steps < 0 || steps > this.stepsLimit)
      throw new Error(`fused glyph scoring: steps must be an integer in 0..${this.stepsLimit}, got ${steps}`);
    const { wasm, paddedSize, f32 } = this.engine.instance;
    if (theta.length !== this.layout.size)
      throw new Error(`fused glyph scoring: θ has ${theta.length} numbers, the network ${this.layout.size}`);
    this.layout.pad(theta, f32(B.theta, paddedSize));
    const vector = typeof rate !== 'number';
    if (vector) {
      if (rate.length !== this.layout.size)
        throw new Error(`fused glyph scoring: α has ${rate.length} numbers, the network ${this.layout.size}`);
      this.layout.pad(rate, f32(B.alpha, paddedSize));
    } else {
      wasm.begin(rate);
    }
    this.engine.loadBatch(batch);
    const cols = steps + 1;
    const accuracy = new Float32Array(batch.tasks * cols);
    const loss = new Float32Array(batch.tasks * cols);
    const ns = batch.ways * batch.shots;
    const nq = batch.ways * batch.query;
    for (let t = 0; t < batch.tasks; t++) {
      wasm.score(t, ns, nq, steps, vector ? 1 : 0);
      const out = f32(B.score, 2 * cols);
      for (let s = 0; s < cols; s++) {
        accuracy[t * cols + s] = out[2 * s] as number;
        loss[t * cols + s] = out[2 * s + 1] as number;
      }
    }
    return { accuracy, loss };
  }

  dispose(): void {
    this.engine.dispose();
  }
}
