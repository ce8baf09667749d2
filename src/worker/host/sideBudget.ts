/**
 * One explicit budget for the work done beside training (predictions, the live evaluation, the θ
 * view and its landscape): while training, it may take at most SIDE_SHARE of the worker's time.
 * A bucket of credit fills with each millisecond of other work while training (by SIDE_SHARE /
 * (1 − SIDE_SHARE) of it, up to CREDIT_CAP_MS), each piece of side work run while training is
 * paid from it, into debt if it runs long, and side work starts only while the credit is
 * positive. So over any stretch of training side work takes at most SIDE_SHARE of the time plus
 * one cap, however long a single piece runs. Paused, side work runs freely and costs nothing. What the page explicitly asked for (a new
 * task, a walk) runs anyway and is paid for.
 *
 * Side work the page did not ask for also waits a moment after each `ready` (`holdAfterReady`):
 * the page answers a new run with what it shows first (a family's page may load a shipped θ,
 * then ask for a task), and those answers must not wait behind a θ-view report that can take a
 * second on a large network.
 */

import { addWork } from './workProfile';

/** at most a fifth of the worker's time goes to side work while training */
export const SIDE_SHARE = 0.2;
/** unused credit is capped, so a long quiet stretch does not buy a long burst */
const CREDIT_CAP_MS = 250;
/** credit per millisecond of other work: side / (side + other) ≤ SIDE_SHARE */
const RATE = SIDE_SHARE / (1 - SIDE_SHARE);
/** how long side work nobody asked for waits after a `ready`, for the page's first requests */
export const READY_HOLD_MS = 400;

export class SideBudget {
  private credit = 0;
  private last: number;
  /** side work nobody asked for waits until then (clock time) */
  heldUntil = -Infinity;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.last = clock();
  }

  /** Credit for the time since the last look, if it was spent training (side time earns none). */
  private accrue(running: boolean): void {
    const t = this.clock();
    if (running) this.credit = Math.min(CREDIT_CAP_MS, this.credit + RATE * (t - this.last));
    this.last = t;
  }

  /** A new run was announced: leave the next moment to the page's requests. */
  holdAfterReady(): void {
    this.heldUntil = this.clock() + READY_HOLD_MS;
  }

  /** Whether side work nobody asked for waits for the page's first requests now. */
  get held(): boolean {
    return this.clock() < this.heldUntil;
  }

  /** Whether side work may run now (what the page asked for runs anyway: see `spend`). */
  allows(running: boolean): boolean {
    this.accrue(running);
    return !this.held && (!running || this.credit > 0);
  }

  /** Time `fn` as side work; while training it is paid from the credit. */
  async spend<T>(fn: () => Promise<T>, running: boolean): Promise<T> {
    this.accrue(running);
    const t0 = this.clock();
    try {
      return await fn();
    } finally {
      this.last = this.clock();
      if (running) this.credit -= this.last - t0;
      addWork(running ? 'side (training)' : 'side (paused)', this.last - t0);
    }
  }
}

/**
 * A share of the worker's time for one kind of side work while training (the glyph family's
 * held-out evaluation, whose pieces each cost about a meta-step or more): after a piece that took
 * d ms while training, the next waits d × (1 − share) / share, so that kind takes at most `share`
 * of the time, within the side-work budget. Paused, pieces run back to back.
 */
export class SharePacer {
  private nextAt = -Infinity;

  constructor(
    private readonly share: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** whether a piece may run now */
  ready(running: boolean): boolean {
    return !running || this.clock() >= this.nextAt;
  }

  /** Run one piece, and space the next by its length while training. */
  async run<T>(fn: () => Promise<T>, running: boolean): Promise<T> {
    const t0 = this.clock();
    try {
      return await fn();
    } finally {
      const t = this.clock();
      this.nextAt = running ? t + ((t - t0) * (1 - this.share)) / this.share : -Infinity;
    }
  }
}
