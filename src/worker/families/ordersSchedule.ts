/**
 * When the first-order vs second-order comparison runs, for every family: once after training
 * stops or the settings change (at the θ shown), and while training at least `minMs` apart and at
 * most about a twentieth of the worker's time, or a smaller `share` (the interval adapts to how
 * long the last one took).
 */
import { orderReading, reptileReading, type OrderComparison } from '../../core/meta/orderCompare';
import type { OrdersReply } from './metaStepMessages';

/** a comparison takes at most this share of the worker's time while training (unless told less) */
const SHARE = 0.05;

export class OrdersSchedule {
  private dirty = true;
  private lastAt = -Infinity;
  private interval: number;

  constructor(
    private readonly minMs = 3000,
    private readonly share = SHARE,
  ) {
    this.interval = minMs;
  }

  /** a comparison at the current θ is owed (the pump keeps turning for it while paused) */
  get pending(): boolean {
    return this.dirty;
  }

  due(running: boolean, now: number): boolean {
    return running ? now - this.lastAt > this.interval : this.dirty;
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** Time `measure` (one comparison) and space the next one by what it took. */
  async run<T>(measure: () => Promise<T>): Promise<T> {
    this.dirty = false;
    const t0 = performance.now();
    try {
      return await measure();
    } finally {
      this.lastAt = performance.now();
      this.interval = Math.max(this.minMs, (this.lastAt - t0) / this.share);
    }
  }
}

/** The page's message for a comparison at θ of `step`, with its one-line readings. */
export function ordersReply(step: number, comparison: OrderComparison): OrdersReply {
  return {
    kind: 'orders',
    step,
    comparison,
    reading: orderReading(comparison),
    reptile: reptileReading(comparison),
  };
}
