/**
 * The glyph family's meta-step views in the worker: "Walk through one meta-step" (the shared
 * WalkKeeper) and the first-order vs second-order comparison on a fixed held-out batch of glyph
 * tasks of the seed. A glyph meta-gradient is costly (a conv net, differentiated twice), so the
 * batch is small and the comparison runs at most a fiftieth of the time while training (several
 * fused meta-steps' worth each time), and once at the θ training stopped at, after that θ's
 * evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import type { FamilyRun } from '../../core/families/family';
import { classBatchTensors, classifierMetaModel } from '../../core/families/glyphs/classification';
import type { GlyphBatch } from '../../core/families/glyphs/data/sampler';
import type { GlyphRun } from '../../core/families/glyphs/run';
import { compareOrders } from '../../core/meta/orderCompare';
import { Rng } from '../../core/random';
import type { HostServices } from './familyWorker';
import { isMetaStepRequest } from './metaStepMessages';
import { OrdersSchedule, ordersReply } from './ordersSchedule';
import { WalkKeeper } from './walkKeeper';

/** tasks in the comparison's fixed held-out batch (small: its tfjs meta-gradient is slow) */
export const GLYPH_ORDERS_TASKS = 6;
/** and at least this far apart while training */
const GLYPH_ORDERS_MIN_MS = 5000;
/** the comparison's share of the worker's time while training */
const GLYPH_ORDERS_SHARE = 0.02;

/** The comparison's batch: held-out alphabets, from its own stream of the seed. */
export function glyphOrderTasks(run: GlyphRun, seed: number, tasks = GLYPH_ORDERS_TASKS): GlyphBatch {
  return run.nextBatch('test', Rng.stream(seed, 'order-compare'), tasks);
}

export class GlyphMetaStep {
  private readonly walk: WalkKeeper;
  private readonly orders = new OrdersSchedule(GLYPH_ORDERS_MIN_MS, GLYPH_ORDERS_SHARE);
  /**
   * Paused, the comparison waits for the evaluation the page asks for at the same θ (after a
   * pause, a loaded θ, a new worker): a second of conv-net meta-gradient does not hold it up.
   */
  private evaluated = false;
  private ordersBatch: { key: string; batch: GlyphBatch } | null = null;

  constructor(private readonly host: HostServices) {
    this.walk = new WalkKeeper(host);
  }

  get busy(): boolean {
    return this.walk.busy || (this.orders.pending && this.evaluated);
  }

  /** the page waits for a walk or its update */
  get pending(): boolean {
    return this.walk.pending;
  }

  /** takes the walk-through's requests; false for any other */
  request(req: { kind: string }): boolean {
    if (!isMetaStepRequest(req)) return false;
    this.walk.request(req);
    return true;
  }

  /** a walk asked for (while paused), then the comparison when it is due */
  async work(run: FamilyRun, running: boolean): Promise<void> {
    await this.walk.work(run, running);
    const due = running ? this.orders.due(true, performance.now()) : this.orders.pending && this.evaluated;
    if (due) await this.compareOrders(run as GlyphRun);
  }

  markDirty(): void {
    this.orders.markDirty();
    this.evaluated = false;
  }

  /** the worker answered an evaluation: a paused comparison may follow */
  evaluationDone(): void {
    this.evaluated = true;
  }

  runReplaced(): void {
    this.ordersBatch = null;
    this.markDirty();
  }

  /** Second-order vs first-order MAML (and Reptile's direction) at the current θ. */
  private async compareOrders(run: GlyphRun): Promise<void> {
    const config = this.host.config();
    const key = `${config.seed}:${config.ways}:${config.k}:${config.query}`;
    if (!this.ordersBatch || this.ordersBatch.key !== key) {
      this.ordersBatch = { key, batch: glyphOrderTasks(run, config.seed) };
    }
    const tasks = this.ordersBatch.batch;
    const measure = async (theta: tf.Tensor | Float32Array, rate: number | tf.Tensor) => {
      const batch = classBatchTensors(tasks);
      try {
        return await compareOrders(classifierMetaModel(run.model), theta, batch, {
          rate,
          steps: config.inner,
        });
      } finally {
        tf.dispose([batch.xs, batch.ys, batch.xq, batch.yq]);
      }
    };
    const comparison = await this.orders.run(async () => {
      if (!this.host.usesSideWasm()) return measure(run.learner.theta, run.learner.innerRate());
      // beside WebGPU training: on wasm, from read-back copies
      const snap = await this.host.snapshot();
      return this.host.inference(async () => {
        const alpha = snap.alpha && config.algo === 'metasgd' ? tf.tensor1d(snap.alpha) : null;
        try {
          return await measure(snap.theta, alpha ?? config.alpha);
        } finally {
          alpha?.dispose();
        }
      });
    });
    this.host.post({ kind: 'family', reply: ordersReply(run.stepCount, comparison) });
  }
}
