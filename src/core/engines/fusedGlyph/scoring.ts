/**
 * The few-shot evaluation on the fused glyph engine: each initialisation (θ and its inner rate) is
 * fine-tuned on every task's support images for 0..steps inner steps and scored on its query
 * images, one wasm call per task. The maths is that of the classifier family's
 * classAdaptationCurve on tfjs kernels: each task's own batch statistics, mean query
 * cross-entropy, the first largest probability as the prediction (test/fusedGlyphScoring). A
 * scorer made `withSets` also scores MAML++'s θ with its per-step batch-norm sets and learned rates
 * per step (./mamlpp.ts), as classAdaptationCurve does with StepRates.
 */
import type { ImageTaskBatch } from '../batch';
import { FusedGlyphEngine, type WasmGlyphSettings } from './fusedGlyph';
import { GlyphLayout, type GlyphNetShape } from './layout';
import { LSLR_STEPS } from '../../meta/mamlppSchedule';
import { thetaLayout } from './mamlpp';
import { GLYPH_BUFFER as B } from './wasmModule';

/** Query accuracy and mean query loss per task after 0..steps inner steps: [tasks × (steps + 1)]. */
export interface AdaptationScores {
  accuracy: Float32Array;
  loss: Float32Array;
}

/** A scorer's inner rate: α, α per parameter (Meta-SGD), or per step α per parameter (MAML++). */
export type ScoreRate = number | Float32Array | readonly Float32Array[];

export class FusedGlyphScorer {
  private readonly layout: GlyphLayout;
  /** θ's layout with MAML++'s sets (the same as `layout` for a scorer without them) */
  private readonly full: GlyphLayout;

  private constructor(private readonly engine: FusedGlyphEngine) {
    this.layout = new GlyphLayout(engine.settings);
    this.full = thetaLayout(engine.settings);
  }

  /**
   * A scorer for a network and N-way batches of up to `maxTasks` tasks of `shots` + `query`
   * images per class. Needs the module loaded (loadFusedGlyph); throws where the engine refuses
   * the settings (its limits, WebAssembly memory), so a caller can score on tfjs instead.
   * `withSets`: it also scores MAML++'s θ (with its batch-norm sets) and rates per step.
   */
  static createSync(
    net: GlyphNetShape,
    batch: { ways: number; shots: number; query: number; maxTasks: number },
    withSets = false,
  ): FusedGlyphScorer {
    const algo = withSets ? 'mamlpp' : 'metasgd';
    const settings: WasmGlyphSettings = { ...net, ...batch, algo, alpha: 0, beta: 0, inner: 1 };
    const size = thetaLayout(settings).size;
    const engine = FusedGlyphEngine.createSync(settings, new Float32Array(size), { threads: null });
    return new FusedGlyphScorer(engine);
  }

  /** the most inner steps a score follows */
  get stepsLimit(): number {
    return this.engine.instance.wasm.scoreStepsLimit();
  }

  /**
   * Scores θ with inner rate `rate`: a scalar α, α per parameter as Meta-SGD learns it, or MAML++'s
   * rates spread per parameter for each step (step s adapts with row min(s, rows − 1)); with
   * those, θ has the sets (a scorer made `withSets`).
   */
  score(theta: Float32Array, rate: ScoreRate, batch: ImageTaskBatch, steps: number): AdaptationScores {
    if (!Number.isInteger(steps) || steps < 0 || steps > this.stepsLimit)
      throw new Error(`fused glyph scoring: steps must be an integer in 0..${this.stepsLimit}, got ${steps}`);
    if (Array.isArray(rate)) return this.scoreTasks(batch, steps, this.stepwise(theta, rate));
    const { wasm, paddedSize, f32 } = this.engine.instance;
    const single = rate as number | Float32Array;
    if (theta.length !== this.layout.size)
      throw new Error(`fused glyph scoring: θ has ${theta.length} numbers, the network ${this.layout.size}`);
    this.layout.pad(theta, f32(B.theta, paddedSize));
    const vector = typeof single !== 'number';
    if (vector) {
      if (this.engine.algo === 'mamlpp')
        throw new Error('fused glyph scoring: a scorer with MAML++ sets takes no α per parameter');
      if (single.length !== this.layout.size)
        throw new Error(
          `fused glyph scoring: α has ${single.length} numbers, the network ${this.layout.size}`,
        );
      this.layout.pad(single, f32(B.alpha, this.layout.paddedSize));
    } else {
      wasm.begin(single);
    }
    return this.scoreTasks(batch, steps, (t, ns, nq) => wasm.score(t, ns, nq, steps, vector ? 1 : 0));
  }

  /** MAML++: θ with its sets and the per-step rates into the engine; the call that scores task t. */
  private stepwise(theta: Float32Array, rows: readonly Float32Array[]) {
    const { wasm, paddedSize, f32 } = this.engine.instance;
    if (this.engine.algo !== 'mamlpp')
      throw new Error('fused glyph scoring: this scorer was made without MAML++ sets');
    if (theta.length !== this.full.size || rows.length < 1 || rows.length > LSLR_STEPS)
      throw new Error(
        `fused glyph scoring: MAML++ θ has ${theta.length} numbers (the network ${this.full.size})`,
      );
    this.full.pad(theta, f32(B.theta, paddedSize));
    const spread = f32(B.spread, LSLR_STEPS * this.layout.paddedSize);
    const row = new Float32Array(paddedSize);
    rows.forEach((r, s) => {
      this.full.pad(r, row);
      spread.set(row.subarray(0, this.layout.paddedSize), s * this.layout.paddedSize);
    });
    return (t: number, ns: number, nq: number, steps: number) =>
      wasm.scoreMamlpp(t, ns, nq, steps, rows.length);
  }

  private scoreTasks(
    batch: ImageTaskBatch,
    steps: number,
    scoreTask: (t: number, ns: number, nq: number, steps: number) => void,
  ): AdaptationScores {
    const { f32 } = this.engine.instance;
    this.engine.loadBatch(batch);
    const cols = steps + 1;
    const accuracy = new Float32Array(batch.tasks * cols);
    const loss = new Float32Array(batch.tasks * cols);
    const ns = batch.ways * batch.shots;
    const nq = batch.ways * batch.query;
    for (let t = 0; t < batch.tasks; t++) {
      scoreTask(t, ns, nq, steps);
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
