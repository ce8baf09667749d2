/**
 * Messages from the worker arrive many times a frame while training (progress, predictions, θ
 * reports, snapshots). Applying each at once re-renders the page for each; here they wait and are
 * applied together in an animation frame of their own (the shared frame scheduler keeps chart
 * redraws out of it: the React render that follows runs in the same task), so the store changes
 * once per flush and React renders once. Flushes are at least `minGapMs` apart: a status line read
 * by people does not need 60 updates a second, and every flush costs the main thread a style,
 * layout and paint pass. A timer stands in for the frame when the tab is hidden (no frames are
 * drawn then).
 */
import { requestDraw } from './frameScheduler';

export class FrameInbox<T> {
  private queue: T[] = [];
  private scheduled = false;
  private lastFlush = -Infinity;

  constructor(
    private readonly apply: (msg: T) => void,
    private readonly minGapMs = 100,
  ) {}

  add(msg: T): void {
    this.queue.push(msg);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = Math.max(0, this.lastFlush + this.minGapMs - performance.now());
    const inFrame = () => requestDraw(this.flushInFrame, true);
    if (wait > 4) setTimeout(inFrame, wait);
    else inFrame();
    setTimeout(() => this.flush(), wait + 100);
  }

  private readonly flushInFrame = () => this.flush();

  private flush(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    this.lastFlush = performance.now();
    const batch = this.queue;
    this.queue = [];
    for (const msg of batch) this.apply(msg);
  }

  /** drop what a stopped worker had sent */
  clear(): void {
    this.queue = [];
  }
}
