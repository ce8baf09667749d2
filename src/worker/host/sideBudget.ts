/**
 * One explicit budget for the work done beside training (predictions, the live evaluation, the θ
 * view and its landscape): while training, it may take at most SIDE_SHARE of the worker's time,
 * measured over a decaying window; paused, it runs freely. What the page explicitly asked for
 * (a new task, an evaluation) is never held back.
 */

/** at most a fifth of the worker's time goes to side work while training */
export const SIDE_SHARE = 0.2;
/** the window the share is measured over decays with this time constant */
const WINDOW_MS = 2000;

export class SideBudget {
  private side = 0;
  private total = 0;
  private last = performance.now();

  private decay(): void {
    const t = performance.now();
    const k = Math.exp(-(t - this.last) / WINDOW_MS);
    this.side *= k;
    this.total = this.total * k + (t - this.last);
    this.last = t;
  }

  /** Whether side work may run now. */
  allows(running: boolean): boolean {
    if (!running) return true;
    this.decay();
    return this.total <= 0 || this.side / this.total < SIDE_SHARE;
  }

  /** Time `fn` as side work. */
  async spend<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.decay();
      this.side += performance.now() - t0;
    }
  }

  /** The share of the window spent on side work (for reports and tests). */
  get share(): number {
    this.decay();
    return this.total > 0 ? this.side / this.total : 0;
  }
}
