/**
 * When the glyph lab asks for its quick held-out evaluation while training. The evaluation runs
 * on tfjs (the fused engine only trains), where one initialisation on one task costs about as
 * much as a whole fused meta-step; the worker gives it at most a tenth of its time while training
 * (EVAL_SHARE in src/worker/families/glyphWorker.ts), and asking for one every LIVE_EVAL_EVERY
 * meta-steps would keep that tenth always busy. So a live evaluation is asked when the meta-step
 * count crosses a multiple of LIVE_EVAL_EVERY, none is under way, and the last one has rested:
 * after a live evaluation that took D ms from the ask to its last task, the next waits
 * LIVE_EVAL_REST × D (at most LIVE_EVAL_MAX_REST_MS). The live evaluation then takes at most about
 * a tenth × 1 / (1 + LIVE_EVAL_REST) of the worker's time (a thirtieth), however fast the meta-steps.
 */

/** meta-steps between the quick evaluations made while training, at the least */
export const LIVE_EVAL_EVERY = 50;
/** held-out tasks of a quick evaluation made while training */
export const LIVE_EVAL_TASKS = 5;
/** a live evaluation rests this many times as long as the last one took */
export const LIVE_EVAL_REST = 2;
/** and never longer than this (ms), so a paused stretch inside one does not hold the next back */
export const LIVE_EVAL_MAX_REST_MS = 30_000;

export class LiveEvalPacer {
  /** when the live evaluation under way was asked for (null: none) */
  private askedAt: number | null = null;
  private restUntil = -Infinity;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /**
   * A progress report of `n` meta-steps that ended at `step`: whether to ask for a live
   * evaluation now (`busy`: another evaluation is under way). A true answer counts as asked.
   */
  due(step: number, n: number, running: boolean, busy: boolean): boolean {
    if (!running || n <= 0 || busy || this.askedAt !== null) return false;
    const crossed = Math.floor(step / LIVE_EVAL_EVERY) > Math.floor((step - n) / LIVE_EVAL_EVERY);
    const t = this.clock();
    if (!crossed || t < this.restUntil) return false;
    this.askedAt = t;
    return true;
  }

  /** The evaluation under way finished (every task scored): the next one rests. */
  finished(): void {
    if (this.askedAt === null) return;
    const t = this.clock();
    this.restUntil = t + Math.min(LIVE_EVAL_MAX_REST_MS, LIVE_EVAL_REST * (t - this.askedAt));
    this.askedAt = null;
  }

  /** A new run or an error: nothing is under way and nothing rests. */
  reset(): void {
    this.askedAt = null;
    this.restUntil = -Infinity;
  }
}
