/**
 * Messages from the worker arrive many times a frame while training (progress, predictions, θ
 * reports, snapshots). Applying each at once re-renders the page for each; here they wait for the
 * next animation frame and are applied together, so the store changes once per frame and React
 * renders once. A timer stands in for the frame when the tab is hidden (no frames are drawn then).
 */
export class FrameInbox<T> {
  private queue: T[] = [];
  private scheduled = false;

  constructor(private readonly apply: (msg: T) => void) {}

  add(msg: T): void {
    this.queue.push(msg);
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.flush());
    setTimeout(() => this.flush(), 100);
  }

  private flush(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const msg of batch) this.apply(msg);
  }

  /** drop what a stopped worker had sent */
  clear(): void {
    this.queue = [];
  }
}
