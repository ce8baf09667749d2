/**
 * Contenders of the glyph bench (bench.ts): everything that runs the glyph meta-step and can
 * be timed beside the others. A contender is started once per bench case with the case's config,
 * θ₀ and a pool of meta-batches (every contender gets the same ones), then asked for timed runs
 * round by round, interleaved with the other contenders so all see the same machine load.
 *
 * To add an engine that steps one GlyphBatch at a time (the tfjs MetaLearner here, a fused
 * engine), wrap its factory with stepperContender and list it in GLYPH_CONTENDERS below.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../../core/experiment';
import { classBatchTensors, classifierMetaModel } from '../../../core/families/glyphs/classification';
import type { GlyphBatch } from '../../../core/families/glyphs/data/sampler';
import { classifierFor } from '../../../core/families/glyphs/family';
import { MetaLearner } from '../../../core/meta/learners';
import { FusedGlyphEngine, fusedGlyphSettings } from '../../../core/engines/fusedGlyph/fusedGlyph';
import { kernelsOf } from '../../../core/meta/profile';
import { startBackend, type NodeBackend } from '../../backend';
import { nodeGlyphThreads } from '../../engineThreads';

/** One bench configuration, as every contender receives it. */
export interface GlyphBenchCase {
  /** a short label for the table, e.g. "default" or "20-way" */
  name: string;
  /** a glyph experiment: ways, k, query, batch, filters, net, algo, alpha, beta, inner, seed */
  config: Experiment;
  /** θ₀ in the project's flat layout (classifierFor(config).init of the seed) */
  theta0: Float32Array;
  /** meta-batches of config.batch tasks; a contender cycles through them in order */
  batches: readonly GlyphBatch[];
  /** the PyTorch peer's data file of θ₀ and the batches (written on first call) */
  dataFile(): string;
}

/** A started contender: timed runs, then dispose. */
export interface GlyphContender {
  /** meta-steps per second over a run of about `seconds` (at least one meta-step) */
  run(seconds: number): Promise<number>;
  /** backend kernels (tfjs) or wasm calls per meta-step, where the contender counts them */
  readonly kernelsPerStep?: number;
  dispose(): void;
}

/** What the bench lists: an engine on a backend that can start on a case, or say why not. */
export interface GlyphContenderKind {
  /** the row's `engine`: 'tfjs', 'fused', 'torch', ... */
  engine: string;
  /** the row's `backend`: 'wasm', 'wasm-simd', 'cpu', ... */
  backend: string;
  /** CPU threads, where the contender has a thread count of its own */
  threads?: number;
  start(c: GlyphBenchCase): Promise<GlyphContender | { skipped: string }>;
}

/** An engine that takes one meta-step (inner steps, meta-gradient, Adam) per call. */
export interface GlyphStepper {
  /** one whole meta-step on a batch; the result (the meta-loss) is ignored */
  step(batch: GlyphBatch): unknown;
  dispose(): void;
  /** wasm calls per meta-step, when the engine counts them */
  readonly wasmCalls?: number;
}

/** Calls into wasm one meta-step makes, for a stepper that counts them. */
function wasmCallsPerStep(stepper: GlyphStepper, batch: GlyphBatch): number | undefined {
  if (stepper.wasmCalls === undefined) return undefined;
  const before = stepper.wasmCalls;
  stepper.step(batch);
  return stepper.wasmCalls - before;
}

/** Warm-up before the first timed run: JIT, wasm tier-up, kernel and operator caches. */
const WARM_SECONDS = 2;

/**
 * A contender from a stepper factory: warms up for about WARM_SECONDS (at least two meta-steps),
 * then each run takes as many steps as the last rate says fit into the requested time.
 */
export function stepperContender(
  engine: string,
  backend: string,
  create: (c: GlyphBenchCase) => Promise<GlyphStepper>,
  options: { kernelsPerStep?: (stepper: GlyphStepper, batch: GlyphBatch) => Promise<number> } = {},
): GlyphContenderKind {
  return {
    engine,
    backend,
    async start(c) {
      const stepper = await create(c);
      let i = 0;
      const once = () => stepper.step(c.batches[i++ % c.batches.length] as GlyphBatch);
      const t0 = performance.now();
      let warm = 0;
      while (warm < 2 || performance.now() - t0 < WARM_SECONDS * 1000) {
        once();
        warm++;
      }
      let rate = warm / ((performance.now() - t0) / 1000);
      const kernelsPerStep = options.kernelsPerStep
        ? await options.kernelsPerStep(stepper, c.batches[0] as GlyphBatch)
        : wasmCallsPerStep(stepper, c.batches[0] as GlyphBatch);
      return {
        kernelsPerStep,
        async run(seconds) {
          const n = Math.max(1, Math.round(rate * seconds));
          const start = performance.now();
          for (let s = 0; s < n; s++) once();
          rate = n / ((performance.now() - start) / 1000);
          return rate;
        },
        dispose: () => stepper.dispose(),
      };
    },
  };
}

/**
 * The project's tfjs path (MetaLearner with the classifier meta-model, as GlyphRun trains): the
 * batch uploaded, one meta-step, the meta-loss read back, as a training loop showing it would.
 */
function tfjsStepper(c: GlyphBenchCase): GlyphStepper {
  const { config } = c;
  const learner = new MetaLearner(classifierMetaModel(classifierFor(config)), config.algo, c.theta0, {
    alpha: config.alpha,
    beta: config.beta,
    inner: config.inner,
  });
  return {
    step(batch) {
      const t = classBatchTensors(batch);
      try {
        const loss = learner.step(t);
        const value = loss.dataSync()[0];
        loss.dispose();
        return value;
      } finally {
        tf.dispose([t.xs, t.ys, t.xq, t.yq]);
      }
    },
    dispose: () => learner.dispose(),
  };
}

/** tfjs kernels one meta-step launches (the step is taken: it counts as a warm-up step). */
async function tfjsKernels(stepper: GlyphStepper, batch: GlyphBatch): Promise<number> {
  return (await kernelsOf(() => stepper.step(batch))).total;
}

export function tfjsContender(backend: NodeBackend): GlyphContenderKind {
  return stepperContender(
    'tfjs',
    backend,
    async (c) => {
      await startBackend(backend);
      return tfjsStepper(c);
    },
    { kernelsPerStep: tfjsKernels },
  );
}

/**
 * The project's engines the glyph bench times (the bench adds the PyTorch peer when torch
 * imports). `--engine` picks among them by `engine`; `--backend` picks the tfjs backends. A new
 * engine goes into this list as one stepperContender entry (engine name, backend name, and a
 * factory building the engine from the case's config and θ₀, without the pretrained baseline).
 */
export function glyphContenders(
  tfjsBackends: readonly NodeBackend[],
  fusedThreads: readonly number[] = [1],
): GlyphContenderKind[] {
  return [...fusedThreads.map(fusedContender), ...tfjsBackends.map(tfjsContender)];
}

/**
 * The fused WebAssembly glyph meta-step (one wasm call per meta-step), as GlyphRun trains on it,
 * with the meta-batch's tasks split over `threads` threads (worker_threads helpers beyond one).
 */
function fusedContender(threads: number): GlyphContenderKind {
  const kind = stepperContender('fused', 'wasm-simd', async (c) => {
    const pool = await nodeGlyphThreads(threads);
    const engine = await FusedGlyphEngine.create(fusedGlyphSettings(c.config), c.theta0, { threads: pool });
    return {
      step: (batch: GlyphBatch) => engine.step(batch),
      get wasmCalls() {
        return engine.wasmCalls;
      },
      dispose() {
        engine.dispose();
        pool?.dispose();
      },
    };
  });
  return { ...kind, threads };
}
