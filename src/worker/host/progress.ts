/**
 * The training loop's readouts: losses since the last report, the training time, and a
 * steps-per-second rate over a sliding window; reports are throttled to 20 a second while
 * training (every state change is reported at once when paused).
 */
import * as tf from '@tensorflow/tfjs';
import type { FromWorker } from '../protocol';
import { addWork } from './workProfile';

/** reports at most every 50 ms (20 per second) */
const REPORT_MS = 50;
/** the rate is measured over about this much time */
const RATE_WINDOW_MS = 2000;

const now = () => performance.now();

export class ProgressReporter {
  private losses: number[] = [];
  private pretrained: number[] = [];
  private lastReportAt = -Infinity;
  private window: { t: number; step: number }[] = [];
  elapsedMs = 0;
  stepsPerSec = 0;
  due = false;

  constructor(private readonly post: (msg: FromWorker) => void) {}

  /** A chunk of `n` steps ended at `step`, having taken `ms`; its losses (pretrained may be empty). */
  chunk(step: number, n: number, ms: number, meta: number[], pretrained: number[]): void {
    const t1 = now();
    this.elapsedMs += ms;
    addWork('train', ms, n);
    this.losses.push(...meta);
    this.pretrained.push(...pretrained);
    this.window.push({ t: t1, step });
    while (this.window.length > 2 && t1 - (this.window[0] as { t: number }).t > RATE_WINDOW_MS)
      this.window.shift();
    const first = this.window[0];
    if (first && t1 - first.t > 150) this.stepsPerSec = (step - first.step) / ((t1 - first.t) / 1000);
    else if (this.window.length === 1 && ms > 0) this.stepsPerSec = n / (ms / 1000);
    this.due = true;
  }

  /** The rate starts again (play after a pause, a new run). */
  restartRate(): void {
    this.window = [];
  }

  /** A new run (or a restored θ): what was pending belongs to the old one. */
  forget(step: number): void {
    this.losses = [];
    this.pretrained = [];
    this.window = [];
    if (step === 0) this.elapsedMs = 0;
    this.due = true;
  }

  /** Posts a progress report when one is due (and not throttled); returns whether it did. */
  report(step: number, running: boolean, replayTo: number | null): boolean {
    if (!this.due) return false;
    const t = now();
    if (running && t - this.lastReportAt < REPORT_MS) return false;
    this.lastReportAt = t;
    this.due = false;
    const losses = Float32Array.from(this.losses);
    const pre = this.pretrained.length > 0 ? Float32Array.from(this.pretrained) : null;
    this.losses = [];
    this.pretrained = [];
    this.post({
      kind: 'progress',
      step,
      running,
      stepsPerSec: this.stepsPerSec,
      elapsedMs: this.elapsedMs,
      losses,
      pretrainedLosses: pre,
      replayTo,
      tensors: tf.memory().numTensors,
    });
    return true;
  }
}
