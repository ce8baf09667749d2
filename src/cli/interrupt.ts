/**
 * Ctrl-C while a run is being saved: the first SIGINT asks the training loop to stop after the
 * current meta-step (so the run is saved whole); another one a second later quits at once.
 *
 * `npm run train` runs under tsx, whose parent process relays a Ctrl-C to this one and kills it if
 * it has not seen the signal within about 60 ms, so the loop must let the event loop turn often:
 * poll() after every meta-step yields whenever 10 ms have passed. A meta-step longer than that
 * window (large classifier runs) can still be killed mid-step; --save-run's periodic saves bound what
 * is lost then.
 */
export class Interrupt {
  private at: number | null = null;
  private lastYield = performance.now();
  private readonly onSignal = () => {
    const now = performance.now();
    if (this.at === null) {
      this.at = now;
      process.stderr.write(
        '\ninterrupted: saving the run after this meta-step (Ctrl-C again to quit without saving)\n',
      );
    } else if (now - this.at > 1000) {
      // tsx may relay the same Ctrl-C twice; a second one a moment later is the user's
      process.stderr.write('quit without saving\n');
      process.exit(130);
    }
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
  }

  get requested(): boolean {
    return this.at !== null;
  }

  /** Lets a pending signal through (cheap: at most one event-loop turn per 10 ms). */
  async poll(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < 10) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }

  dispose(): void {
    process.removeListener('SIGINT', this.onSignal);
  }
}
